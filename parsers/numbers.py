"""Swedish printed numbers and amounts -> exact Decimals, keeping what was printed.

A printed figure carries its precision: `49,9 %` stands for [49.85, 49.95). `Parsed.interval()` gives
that interval so checks can allow exactly the rounding the print implies and no more.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

SPACES = "\u00a0\u202f\u2009\u2007\u2002\u2003 "
MINUSES = "-−–‐‒"  # hyphen-minus, minus sign, en dash, hyphen, figure dash


class ParseError(ValueError):
    """The text is not what the parser reads; `text` is the input as given."""

    def __init__(self, message: str, text: object):
        super().__init__(f"{message}: {text!r}")
        self.text = text


@dataclass(frozen=True)
class Parsed:
    """A printed number: its exact value, the string as printed, decimals printed, percent or not."""

    value: Decimal
    printed: str
    decimals: int
    percent: bool = False
    nil: bool = False  # printed as a dash, "(-)": nothing / zero by the sheet's convention

    def interval(self) -> tuple[Decimal, Decimal]:
        """The values that round (half-up or half-even) to what was printed: value ± ½·10⁻ᵈ."""
        half = Decimal(5).scaleb(-(self.decimals + 1))
        return self.value - half, self.value + half


_SPACE_RUN = re.compile(r" +")


def normalise_spaces(text: str) -> str:
    """Every kind of space (no-break, narrow no-break, thin, figure) -> a plain space; runs collapsed.
    (Called for every word and cell: plain ASCII, most of them, skips what cannot apply to it.)"""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        for ch in SPACES:
            text = text.replace(ch, " ")
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return text.strip()


_NUMBER = re.compile(
    r"""^(?P<sign>[-+])?\ ?
        (?P<int>\d{1,3}(?:\ \d{3})+|\d+)
        (?:,\ ?(?P<frac>\d+))?
        \ ?(?P<pct>%)?$""",
    re.VERBOSE,
)


def parse_number(text: str) -> Parsed:
    """Read a Swedish number: `1 163,6`, `-168,3`, `−2 425 249,73`, `49,9 %`, `72%`, `(-)`.

    Raises ParseError on anything else; never guesses."""
    if not isinstance(text, str):
        raise ParseError("not a string", text)
    s = normalise_spaces(text)
    if s in ("(-)", "-", "−", "–"):
        return Parsed(Decimal(0), text, 0, False, nil=True)
    if s and s[0] in MINUSES:
        s = "-" + s[1:]
    m = _NUMBER.match(s)
    if not m:
        raise ParseError("not a Swedish number", text)
    digits = m.group("int").replace(" ", "")
    frac = m.group("frac") or ""
    value = Decimal(digits + ("." + frac if frac else ""))
    if m.group("sign") == "-":
        value = -value
    return Parsed(value, text, len(frac), bool(m.group("pct")))


def format_number(value: Decimal, decimals: int, grouped: bool = True, nbsp: bool = False,
                  percent: bool = False) -> str:
    """The Swedish print of a value: `Decimal('1163.6')`, 1 -> `1 163,6` (the inverse of parse_number)."""
    q = Decimal(1).scaleb(-decimals)
    v = Decimal(value).quantize(q)
    sign = "-" if v < 0 else ""
    whole, _, frac = f"{abs(v):f}".partition(".")
    if grouped:
        whole = f"{int(whole):,}".replace(",", "\u00a0" if nbsp else " ")
    out = sign + whole + ("," + frac if decimals else "")
    return out + (" %" if percent else "")


# ----- amounts -----------------------------------------------------------------------------------

UNITS = {
    # printed unit (lower case, normalised spaces) -> (factor to kronor, currency)
    "mnkr": (Decimal(10) ** 6, "SEK"),
    "mkr": (Decimal(10) ** 6, "SEK"),
    "milj kr": (Decimal(10) ** 6, "SEK"),
    "milj. kr": (Decimal(10) ** 6, "SEK"),
    "miljoner kr": (Decimal(10) ** 6, "SEK"),
    "miljoner kronor": (Decimal(10) ** 6, "SEK"),
    "miljoner": (Decimal(10) ** 6, "SEK"),
    "miljon kr": (Decimal(10) ** 6, "SEK"),
    "miljon": (Decimal(10) ** 6, "SEK"),
    "mdkr": (Decimal(10) ** 9, "SEK"),
    "miljarder kr": (Decimal(10) ** 9, "SEK"),
    "tkr": (Decimal(10) ** 3, "SEK"),
    "tusen kr": (Decimal(10) ** 3, "SEK"),
    "kr": (Decimal(1), "SEK"),
    "kronor": (Decimal(1), "SEK"),
    "sek": (Decimal(1), "SEK"),
    "eur": (Decimal(1), "EUR"),
    "euro": (Decimal(1), "EUR"),
}
UNKNOWN_WORDS = ("okänt", "okänd", "inte bestämt", "ej bestämt", "ej beslutat", "inte beslutat", "saknas",
                 "uppgift saknas")


def unit_factor(unit: str | None) -> Decimal | None:
    """Kronor per printed unit ('Mnkr', 'miljoner kr' -> 10^6, 'Kr' -> 1); None for no unit or a unit not in kronor."""
    if not unit:
        return None
    entry = UNITS.get(re.sub(r"\s+", " ", unit.lower()).strip())
    return entry[0] if entry and entry[1] == "SEK" else None


@dataclass(frozen=True)
class Amount:
    """A printed amount: the value in the currency's base unit (kronor, euro), and what was printed."""

    value: Decimal | None  # in kronor (SEK) or euro (EUR); None when unknown
    printed: str
    number: Parsed | None
    unit: str | None  # the unit as printed ("mkr", "miljoner kr", "EUR"), or the default applied
    currency: str | None
    unknown: bool = False
    unit_defaulted: bool = False

    @property
    def value_sek(self) -> Decimal | None:
        return self.value if self.currency == "SEK" else None


_AMOUNT = re.compile(r"^(?P<num>[-−–+]?\s?\d[\d ]*(?:,\s?\d+)?)\s*(?P<unit>[A-Za-zåäöÅÄÖ. ]*)$")


def parse_amount(text: str, default_unit: str | None = None) -> Amount:
    """Read `24,2 mkr`, `18,7 miljoner kr`, `761 tkr`, `38 750 EUR`, `7, 8 miljoner kr`, `okänt`.

    A bare number takes `default_unit` (e.g. "kr" for a budget line); without one it is an error,
    because the magnitude would be a guess. `2 006 mnkr` is read as printed: spotting a unit slip is a
    check's job, not the parser's."""
    if not isinstance(text, str):
        raise ParseError("not a string", text)
    s = normalise_spaces(text).rstrip(".").strip()
    low = s.lower()
    if any(low == w or low.startswith(w + " ") for w in UNKNOWN_WORDS):
        return Amount(None, text, None, None, None, unknown=True)
    m = _AMOUNT.match(s)
    if not m:
        raise ParseError("not an amount", text)
    num_text = m.group("num").strip()
    number = parse_number(re.sub(r",\s+", ",", num_text))
    unit_printed = m.group("unit").strip()
    unit_key = re.sub(r"\s+", " ", unit_printed.lower()).strip()
    defaulted = False
    if not unit_key:
        if default_unit is None:
            raise ParseError("amount without a unit", text)
        unit_key, unit_printed, defaulted = default_unit.lower(), default_unit, True
    if unit_key not in UNITS:
        raise ParseError(f"unknown unit {unit_printed!r}", text)
    factor, currency = UNITS[unit_key]
    return Amount(number.value * factor, text, number, unit_printed, currency, unit_defaulted=defaulted)
