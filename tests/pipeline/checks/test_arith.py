from decimal import Decimal as D

import pytest
from hypothesis import given, strategies as st

from pipeline.checks.arith import (Interval, check_percent, check_ratio, check_sum, decimals_of, interval_of,
                                   printed_interval, truncated_interval, truncates_to)


def test_printed_interval_both_sides():
    assert printed_interval(D("49.9"), 1) == Interval(D("49.85"), D("49.95"))
    assert printed_interval(D("-168.3"), 1) == Interval(D("-168.35"), D("-168.25"))
    assert interval_of(D("1483500000.00")) == Interval(D("1483499999.995"), D("1483500000.005"))
    assert decimals_of(D("1163.6")) == 1 and decimals_of(D("72")) == 0


def test_sum_that_adds_up_exactly():
    # VP 2022 budget: 367,5 + 0,0 + 0,0 + 677,4 + 88,3 + 30,4 + 0,0 + 0,0 = 1 163,6
    r = check_sum([D("367.5"), D("0.0"), D("0.0"), D("677.4"), D("88.3"), D("30.4"), D("0.0"), D("0.0")], D("1163.6"))
    assert r.consistent and r.difference == 0


def test_sum_off_by_printed_rounding_is_consistent():
    # three rounded items of 0,3333… print 0,3 each; their exact sum 1,0 prints 1,0
    assert check_sum([D("0.3"), D("0.3"), D("0.3")], D("1.0")).consistent
    # at the edge: 0,05·3 = 0,15 of slack each side
    assert check_sum([D("0.3")] * 3, D("1.05"), total_decimals=2).consistent
    assert not check_sum([D("0.3")] * 3, D("1.06"), total_decimals=2).consistent


def test_sum_that_does_not_add_up():
    r = check_sum([D("140"), D("-111")], D("39"))
    assert not r.consistent and r.difference == D("10")


def test_negative_numbers():
    assert check_sum([D("-82.6"), D("-73.5"), D("-12.2")], D("-168.3")).consistent
    assert not check_sum([D("-82.6"), D("-73.5"), D("-12.2")], D("-168.6")).consistent
    # -168,5 touches the items' interval at -168,45: a tie, which some rounding rule could produce
    assert check_sum([D("-82.6"), D("-73.5"), D("-12.2")], D("-168.5")).consistent


@pytest.mark.parametrize("printed,decimals,n,N,status", [
    ("49.9", 1, 325, 651, "consistent"),      # 49.923…
    ("72.5", 1, 114, 157, "inconsistent"),    # 72.61 → prints 72,6
    ("60", 0, 122, 201, "truncated"),         # 60.70 → 61 rounded, 60 truncated
    ("46", 0, 49, 105, "truncated"),          # 46.67
    ("71.5", 1, 465, 651, "inconsistent"),    # 71.43
    ("1", 0, 7, 80, "inconsistent"),          # 8.75
    ("35", 0, 983, 2801, "consistent"),       # 35.09
    ("50", 0, 1, 2, "consistent"),            # exactly on the value
    ("49.95", 2, 999, 2000, "consistent"),    # 49.95 exactly
])
def test_percent_against_counts(printed, decimals, n, N, status):
    assert check_percent(D(printed), decimals, D(n), D(N)).status == status


def test_percent_interval_edges():
    # 0,5 % rounds up: 1 of 200 = 0,5 % is consistent with a printed "1 %" (half-up) and "0 %"? no: 0 % is [−0.5, 0.5]
    assert check_percent(D("1"), 0, D(1), D(200)).status == "consistent"
    assert check_percent(D("0"), 0, D(1), D(200)).status == "consistent"  # closed interval: the tie sits on both
    assert check_percent(D("0"), 0, D(1), D(199)).status == "truncated"


def test_ratio_of_rounded_shares():
    # KPI 125: (86/116) / (725/997) = 1.0195 printed 1,02; from the printed shares 74 % / 73 % it is 1,01..1,03
    assert check_ratio(D("1.02"), 2, printed_interval(D("74"), 0), printed_interval(D("73"), 0))
    assert not check_ratio(D("1.10"), 2, printed_interval(D("74"), 0), printed_interval(D("73"), 0))


def test_truncated_interval_of_negative_values():
    assert truncated_interval(D("-4"), 0) == Interval(D("-5"), D("-4"))


@pytest.mark.parametrize("exact,printed,decimals,truncates", [
    ("46.67", "46", 0, True), ("46", "46", 0, True), ("47", "46", 0, False), ("45.99", "46", 0, False),
    ("-4.7", "-4", 0, True), ("-4", "-4", 0, True), ("-5", "-4", 0, False), ("-3.9", "-4", 0, False),
    ("-0.3", "0", 0, True), ("0.99", "0", 0, True), ("49.99", "49.9", 1, True), ("49.89", "49.9", 1, False),
])
def test_truncation_cuts_toward_zero_on_both_signs(exact, printed, decimals, truncates):
    assert truncates_to(D(exact), D(printed), decimals) is truncates


def test_negative_percentage_only_truncated_is_reported_as_such():
    # a decline of 4,7 % printed '−4 %' is a cut, not a rounding (−5 %)
    assert check_percent(D("-4"), 0, D(-47), D(1000)).status == "truncated"
    assert check_percent(D("-5"), 0, D(-47), D(1000)).status == "consistent"
    assert check_percent(D("-3"), 0, D(-47), D(1000)).status == "inconsistent"


def test_percent_interval_just_inside_and_outside_both_sides():
    # 325/651 = 49,923 %: '49,9 %' stands for [49,85; 49,95]
    assert check_percent(D("49.9"), 1, D(325), D(651)).status == "consistent"
    assert check_percent(D("49.8"), 1, D(325), D(651)).status == "inconsistent"  # below, and no cut gives it
    assert check_percent(D("50.0"), 1, D(325), D(651)).status == "inconsistent"  # above
    assert check_percent(D("49.92"), 2, D(325), D(651)).status == "consistent"
    assert check_percent(D("49.93"), 2, D(325), D(651)).status == "inconsistent"


@given(st.lists(st.integers(min_value=-10**9, max_value=10**9), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=3))
def test_rounded_prints_of_exact_values_always_pass(cents, decimals):
    """Property: print each exact value rounded to `decimals`, print their exact sum rounded too: consistent."""
    exact = [D(c) / 1000 for c in cents]
    q = D(1).scaleb(-decimals)
    printed = [v.quantize(q) for v in exact]
    total = sum(exact, D(0)).quantize(q)
    assert check_sum(printed, total, [decimals] * len(printed), decimals).consistent
