"""Small built pages for the extractor tests: printed lines as words, and ruled lines."""
from __future__ import annotations

from extractors.pages import Rule, Word


def words(text: str, x: float, top: float, size: float = 8.0, bold: bool = False) -> list[Word]:
    """Words of one printed line from x, half an em per character and a 0.3 em space."""
    out = []
    for t in text.split():
        width = 0.5 * size * len(t)
        out.append(Word(t, x, top, x + width, top + size, "Test-Bold" if bold else "Test", size))
        x += width + 0.3 * size
    return out


def hrule(x0: float, x1: float, y: float) -> Rule:
    """A horizontal rule from x0 to x1 at y."""
    return Rule(x0, y, x1, y)
