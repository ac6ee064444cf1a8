"""Swedish printed periods -> start and end month, with their precision and open/undecided flags."""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.numbers import ParseError, normalise_spaces

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# school terms and seasons: (first month, last month)
TERMS = {"vt": (1, 6), "våren": (1, 6), "vår": (1, 6), "ht": (8, 12), "hösten": (8, 12), "höst": (8, 12),
         "sommaren": (6, 8), "vintern": (12, 2)}
TERTIALS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}
ONGOING = ("pågående", "löpande", "tills vidare", "tillsvidare")
UNDECIDED = ("inte bestämt", "ej bestämt", "ej fastställt", "inte fastställt", "okänt")


@dataclass(frozen=True)
class Period:
    """A period as printed: months as 'YYYY-MM' strings (None when not stated)."""

    printed: str
    start_month: str | None
    end_month: str | None
    precision: str  # day | month | year | term | tertial | none
    open_end: bool = False
    ongoing: bool = False
    undecided: bool = False


def ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True)
class _Point:
    first: str
    last: str
    precision: str


def _point(text: str) -> _Point:
    """One end of a period: a date, a month and year, a term, a tertial or a year."""
    t = text.strip().lower().rstrip(".")
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ParseError("month out of range", text)
        return _Point(ym(y, mo), ym(y, mo), "day" if m.group(3) else "month")
    m = re.fullmatch(r"([a-zåäö]+)\.? (\d{4})", t)
    if m and m.group(1) in MONTHS:
        y, mo = int(m.group(2)), MONTHS[m.group(1)]
        return _Point(ym(y, mo), ym(y, mo), "month")
    if m and m.group(1) in TERMS:
        y = int(m.group(2))
        a, b = TERMS[m.group(1)]
        return _Point(ym(y, a), ym(y + (1 if b < a else 0), b), "term")
    m = re.fullmatch(r"(\d{4}) ?t([123])|t([123]) ?(\d{4})", t)
    if m:
        y = int(m.group(1) or m.group(4))
        a, b = TERTIALS[int(m.group(2) or m.group(3))]
        return _Point(ym(y, a), ym(y, b), "tertial")
    m = re.fullmatch(r"(\d{4})", t)
    if m:
        y = int(m.group(1))
        return _Point(ym(y, 1), ym(y, 12), "year")
    raise ParseError("not a period end", text)


_SPLIT = re.compile(r"\s*(?:[-–—]|till|t\.o\.m\.?|tom)\s*")


def parse_period(text: str) -> Period:
    """Read `februari 2021 – april 2023`, `2019-08-01 - 2022-04-30`, `2018-2022`, `VT 2022`, `2022 T2`,
    `Pågående`, `2023-09-01 -` (open end), `Inte bestämt`. Raises ParseError on anything else."""
    if not isinstance(text, str):
        raise ParseError("not a string", text)
    s = normalise_spaces(text)
    low = s.lower().rstrip(".")
    if not low:
        raise ParseError("empty period", text)
    if any(low == w or low.startswith(w) for w in ONGOING):
        return Period(text, None, None, "none", ongoing=True)
    if any(low == w for w in UNDECIDED):
        return Period(text, None, None, "none", undecided=True)
    # a single point (date, month, term, tertial, year)
    try:
        p = _point(low)
        return Period(text, p.first, p.last, p.precision)
    except ParseError:
        pass
    # ISO dates contain dashes: split on the separator between two ends
    m = re.fullmatch(r"(\d{4}-\d{2}(?:-\d{2})?)\s*[-–—]\s*(\d{4}-\d{2}(?:-\d{2})?)?", low)
    if m:
        a = _point(m.group(1))
        if not m.group(2):
            return Period(text, a.first, None, a.precision, open_end=True)
        b = _point(m.group(2))
        return Period(text, a.first, b.last, _coarser(a.precision, b.precision))
    parts = [x for x in _SPLIT.split(low, maxsplit=1)]
    if len(parts) == 2:
        left, right = parts[0].strip(), parts[1].strip()
        if left in MONTHS and re.search(r"\d{4}$", right):
            left = f"{left} {right[-4:]}"  # "mars - juni 2022": the year printed once, at the end
        a = _point(left)
        if not right:
            return Period(text, a.first, None, a.precision, open_end=True)
        if any(right.startswith(w) for w in ONGOING):
            return Period(text, a.first, None, a.precision, open_end=True, ongoing=True)
        b = _point(right)
        return Period(text, a.first, b.last, _coarser(a.precision, b.precision))
    raise ParseError("not a period", text)


_ORDER = ["day", "month", "tertial", "term", "year"]


def _coarser(a: str, b: str) -> str:
    return max(a, b, key=_ORDER.index)
