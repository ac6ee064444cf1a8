"""Pure parsers for Swedish numbers, amounts, periods, scales, codes and prose facts.

Every parser returns what was printed next to what it means, and raises `ParseError` rather than
guess."""
from parsers.codes import (ScaleValue, parse_assessment, parse_goal_code, parse_in_control_plan, parse_scale,
                           parse_traffic_light, parse_yes_no)
from parsers.numbers import Amount, ParseError, Parsed, format_number, normalise_spaces, parse_amount, parse_number
from parsers.periods import Period, parse_period
from parsers.text import join_wrapped, normalise_whitespace, project_key, repair_lines

__all__ = [
    "Amount", "ParseError", "Parsed", "Period", "ScaleValue", "format_number", "join_wrapped",
    "normalise_spaces", "normalise_whitespace", "parse_amount", "parse_assessment", "parse_goal_code",
    "parse_in_control_plan", "parse_number", "parse_period", "parse_scale", "parse_traffic_light",
    "parse_yes_no", "project_key", "repair_lines",
]
