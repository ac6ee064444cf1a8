"""Rounding-aware arithmetic for checks, as XBRL Calculations 1.1 does it.

A printed figure with d decimals stands for the interval of exact values that round to it:
`49,9` is [49.85, 49.95]. A sum is consistent with its printed total when the interval of the sum of the
items' intervals overlaps the total's interval; a percentage is consistent with counts n/N when 100·n/N
lies in its interval. A figure consistent only if it was truncated rather than rounded (46 % for 46.67 %)
is reported as such, so a check can call it minor rather than an error. Exact integers (RV = S×K) are
compared exactly. Everything is Decimal; nothing is a float.

Intervals are closed: a value exactly halfway (49.95 for a printed 49,9) rounds one way under half-up and
another under half-even, so a tie is given the benefit of the doubt — a check fails only when no rounding
of the exact value can give the print.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] of exact values."""

    lo: Decimal
    hi: Decimal

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    def __sub__(self, other: "Interval") -> "Interval":
        return self + (-other)

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def contains(self, value: Decimal) -> bool:
        return self.lo <= value <= self.hi

    def __str__(self) -> str:
        return f"[{self.lo}, {self.hi}]"


ZERO = Interval(Decimal(0), Decimal(0))


def printed_interval(value: Decimal, decimals: int) -> Interval:
    """The exact values that round to `value` printed with `decimals` decimals: value ± ½·10⁻ᵈ."""
    half = Decimal(5).scaleb(-(decimals + 1))
    return Interval(value - half, value + half)


def truncated_interval(value: Decimal, decimals: int) -> Interval:
    """The exact values that truncate to `value` (digits cut, not rounded): [v, v + 10⁻ᵈ) away from zero."""
    unit = Decimal(1).scaleb(-decimals)
    return Interval(value, value + unit) if value >= 0 else Interval(value - unit, value)


def truncates_to(exact: Decimal, printed: Decimal, decimals: int) -> bool:
    """Does cutting `exact` after `decimals` decimals (toward zero) print `printed`? 46.67 -> 46, −4.7 -> −4."""
    unit = Decimal(1).scaleb(-decimals)
    if printed > 0 or (printed == 0 and exact >= 0):
        return printed <= exact < printed + unit
    return printed - unit < exact <= printed


def decimals_of(value: Decimal) -> int:
    """Decimals carried by a Decimal parsed from a print ('1163.6' -> 1, '1483500000.00' -> 2)."""
    exp = value.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def interval_of(value: Decimal, decimals: int | None = None) -> Interval:
    return printed_interval(value, decimals_of(value) if decimals is None else decimals)


def sum_interval(items: Iterable[Interval]) -> Interval:
    total = ZERO
    for i in items:
        total = total + i
    return total


@dataclass(frozen=True)
class SumCheck:
    """Result of comparing Σ items with a printed total."""

    consistent: bool
    expected: Interval  # the interval the items' sum can take
    actual: Interval  # the total's own interval
    exact_sum: Decimal  # the sum of the printed items
    difference: Decimal  # printed total − exact sum of printed items


def check_sum(items: Iterable[Decimal], total: Decimal, item_decimals: Iterable[int] | None = None,
              total_decimals: int | None = None) -> SumCheck:
    """Is the printed `total` a possible rounding of the sum of the exact values behind the printed items?"""
    items = list(items)
    decs = list(item_decimals) if item_decimals is not None else [decimals_of(i) for i in items]
    expected = sum_interval(printed_interval(v, d) for v, d in zip(items, decs))
    actual = interval_of(total, total_decimals)
    exact = sum(items, Decimal(0))
    return SumCheck(expected.overlaps(actual), expected, actual, exact, total - exact)


@dataclass(frozen=True)
class PercentCheck:
    """Result of comparing a printed percentage with n/N."""

    status: str  # 'consistent' | 'truncated' | 'inconsistent'
    exact: Decimal  # 100·n/N
    rounded_interval: Interval
    truncated_interval: Interval


def check_percent(printed: Decimal, decimals: int, numerator: Decimal, denominator: Decimal) -> PercentCheck:
    """Can the printed percentage come from numerator/denominator by rounding (consistent), only by
    truncation (truncated: minor), or not at all (inconsistent)?"""
    if denominator == 0:
        raise ZeroDivisionError("percentage of a zero denominator")
    exact = Decimal(100) * numerator / denominator
    rounded = printed_interval(printed, decimals)
    truncated = truncated_interval(printed, decimals)
    if rounded.contains(exact):
        status = "consistent"
    elif truncates_to(exact, printed, decimals):
        status = "truncated"
    else:
        status = "inconsistent"
    return PercentCheck(status, exact, rounded, truncated)


def check_ratio(printed: Decimal, decimals: int, numerator_interval: Interval, denominator_interval: Interval,
                scale: Decimal = Decimal(1)) -> bool:
    """Is a printed ratio (scale·n/N) reachable from the intervals of its printed numerator and denominator?"""
    if denominator_interval.lo <= 0 <= denominator_interval.hi:
        return True  # a denominator that may be zero bounds nothing
    candidates = [scale * a / b for a in (numerator_interval.lo, numerator_interval.hi)
                  for b in (denominator_interval.lo, denominator_interval.hi)]
    reachable = Interval(min(candidates), max(candidates))
    return reachable.overlaps(printed_interval(printed, decimals))
