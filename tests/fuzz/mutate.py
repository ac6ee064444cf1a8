"""Page mutations for fuzzing table reconstruction: real pages, bent the way real layouts differ."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from extractors.pages import Page, Rule, Word

NOISE = ("1", "0", "-", "−", "12,5", "1 234", "%", "Mnkr", "tkr", "Summa", "SUMMA", "Netto", "Ja", "Nej",
         "Nej, endast VoR", "2022", "Totalt", "Utfall", "Budget", "Prognos", "", " ", "(", ")", "…", "<script>", "'")


@st.composite
def mutated_page(draw, page: Page) -> Page:
    """`page` with words dropped, duplicated, moved, resized or retexted, rules dropped or added, noise words."""
    words = list(page.words)
    n = len(words)
    ops = draw(st.lists(st.tuples(st.sampled_from(["drop", "dup", "move", "text", "size", "noise"]),
                                  st.integers(0, max(0, n - 1)), st.floats(-60, 60, allow_nan=False)),
                        max_size=12))
    for op, i, d in ops:
        if not words and op != "noise":
            continue
        i = i % max(1, len(words))
        if op == "drop":
            words.pop(i)
        elif op == "dup":
            words.insert(i, words[i])
        elif op == "move":
            w = words[i]
            words[i] = replace(w, x0=w.x0 + d, x1=w.x1 + d, top=w.top + d / 7, bottom=w.bottom + d / 7)
        elif op == "text":
            words[i] = replace(words[i], text=draw(st.sampled_from(NOISE)))
        elif op == "size":
            w = words[i]
            words[i] = replace(w, x1=max(w.x0, w.x1 + d), size=max(0.0, w.size + d / 10))
        else:
            x, y = draw(st.floats(0, page.width, allow_nan=False)), draw(st.floats(0, page.height, allow_nan=False))
            words.append(Word(draw(st.sampled_from(NOISE)), x, y, x + abs(d), y + 8, "Helvetica", 8.0))
    rules = list(page.rules)
    if rules and draw(st.booleans()):
        del rules[draw(st.integers(0, len(rules) - 1))::draw(st.integers(1, 5))]
    for _ in range(draw(st.integers(0, 3))):
        y = draw(st.floats(0, page.height, allow_nan=False))
        rules.append(Rule(0.0, y, page.width, y + 0.5))
    fills = list(page.fills)
    if fills and draw(st.booleans()):
        fills = fills[::2]
    return Page(page.number, page.width, page.height, words, rules, fills)
