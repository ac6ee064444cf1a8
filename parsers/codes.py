"""Scale labels, goal codes, Ja/Nej, traffic-light words: small vocabularies the documents share."""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.numbers import ParseError, normalise_spaces

PROBABILITY_LABELS = {1: "Osannolikt", 2: "Mindre sannolikt", 3: "Möjlig", 4: "Sannolikt", 5: "Mycket sannolikt"}
CONSEQUENCE_LABELS = {1: "Försumbar", 2: "Lindrig", 3: "Kännbar", 4: "Allvarlig", 5: "Mycket allvarlig"}
SCALES = {"probability": PROBABILITY_LABELS, "consequence": CONSEQUENCE_LABELS}


@dataclass(frozen=True)
class ScaleValue:
    """`2. Mindre sannolikt` -> value 2, label as printed, and whether the label is the scale's own for 2."""

    value: int
    label: str
    printed: str
    label_matches: bool | None  # None when no label was printed


def parse_scale(text: str, scale: str) -> ScaleValue:
    """Read a 1–5 scale cell of the risk table (`scale` is 'probability' or 'consequence')."""
    labels = SCALES[scale]
    s = normalise_spaces(text)
    m = re.fullmatch(r"([1-5])\s*[.)]?\s*(.*)", s)
    if not m:
        # a label alone: accept only an exact label of the scale
        for value, label in labels.items():
            if s.lower() == label.lower():
                return ScaleValue(value, s, text, True)
        raise ParseError(f"not a {scale} value", text)
    value, label = int(m.group(1)), m.group(2).strip()
    matches = None if not label else label.lower() == labels[value].lower()
    return ScaleValue(value, label, text, matches)


def parse_goal_code(text: str) -> tuple[str, str]:
    """`3.1. Stockholm har ...` -> ('3.1', 'Stockholm har ...'); the trailing dot varies in print."""
    s = normalise_spaces(text)
    m = re.match(r"(\d+(?:\.\d+)+)\.?(?:\s+|$)(.*)", s)
    if not m:
        raise ParseError("no goal code", text)
    return m.group(1), m.group(2).strip()


def parse_yes_no(text: str) -> bool:
    """`Ja` -> True, `Nej` -> False (case and trailing punctuation ignored); anything else is an error."""
    s = normalise_spaces(text).rstrip(".!").lower()
    if s == "ja":
        return True
    if s == "nej":
        return False
    raise ParseError("not Ja/Nej", text)


def parse_in_control_plan(text: str) -> bool:
    """The VoR's IKP cell: empty (or a star) means the risk is in the control plan; 'Nej, endast VoR' not."""
    s = normalise_spaces(text or "").lower()
    if s in ("", "*", "★", "⭐", "x", "ja"):
        return True
    if s.startswith("nej"):
        return False
    raise ParseError("not an IKP cell", text)


TRAFFIC_LIGHTS = {
    "grön": "green", "grönt": "green", "green": "green",
    "gul": "yellow", "gult": "yellow", "yellow": "yellow",
    "röd": "red", "rött": "red", "röda": "red", "red": "red",
}


def parse_traffic_light(text: str) -> str:
    """`Grön`/`Gult`/`Rött` -> 'green'/'yellow'/'red'."""
    s = normalise_spaces(text).rstrip(".").lower()
    if s in TRAFFIC_LIGHTS:
        return TRAFFIC_LIGHTS[s]
    raise ParseError("not a traffic-light word", text)


ASSESSMENTS = {"tillräcklig": "tillräcklig", "delvis tillräcklig": "delvis tillräcklig",
               "otillräcklig": "otillräcklig"}


def parse_assessment(text: str) -> str:
    """The VB's overall assessment of internal control."""
    s = normalise_spaces(text).rstrip(".").lower()
    if s in ASSESSMENTS:
        return ASSESSMENTS[s]
    raise ParseError("not an internal-control assessment", text)
