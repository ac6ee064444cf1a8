"""Was a line break inside a table cell a cut inside one word or a wrap at a space?

A narrow column cuts a word too long for it where it stops fitting ('verksamhetsområde' / 'schefer') and wraps
other text at spaces. Where the column's text edge is is the reader's to know; whether a line could end in a cut
there (one word, too little room left for the next letter) is `line_may_end_in_cut`.
This module then judges the characters and words on both sides of a break that could be either, from spaCy's
Swedish lookup lexicon: whether the halves, the whole, or a compound of them are words. All three cell
readers (the risk register's, extractors/risks.py, the control plan's, extractors/controls.py, and the ruled
tables', extractors/procurement.py) and the sheets' label joiner (extractors/sheets.py) ask it, so one rule decides
for all; the first two also share the reading order (`join_from_the_end`)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Sequence

from parsers.text import CLOSING_PUNCTUATION, is_word, join_at_space, join_wrapped, swedish_lemma_store, swedish_lemmas

if TYPE_CHECKING:
    from extractors.pages import Line

# short words that often follow a long word across a wrap at a space; read as words, not as a cut word's tail
# (articles such as "en"/"de" are left out: they are common tails too, "Integrationspakt|en")
FUNCTION_WORDS = frozenset("""och i på av för att som med till ska är inte om vid från samt eller enligt under efter
kan har hos mot ut in upp nu då där när så men utan inom mellan genom över vilket vilka sker finns får blir bli
tas ges görs utifrån kring via""".split())  # the last three: prepositions the lexicon does not know

# money units a narrow column wraps onto a line of their own ('18,7 miljoner' / 'kr'): words, however short
UNIT_WORDS = frozenset({"kr", "tkr", "mkr", "mnkr", "mdkr", "kronor"})

# advance widths per 1000 em of a common sans (Helvetica's metrics), only to tell a word's wide letters from its
# narrow ones: the fonts differ, the proportions between 'm', 's' and 'i' much less
ADVANCE = {**dict.fromkeys("abdeghnopquåäöü0123456789", 556), **dict.fromkeys("cksvxyz", 500),
           **dict.fromkeys("fjt", 278), **dict.fromkeys("il", 222), "m": 833, "w": 722, "r": 333,
           **dict.fromkeys(".,:;!/", 278), **dict.fromkeys("()-", 333), "@": 1015}
NEXT_LETTER_SLACK = 1.2  # the room a cut leaves is under its next letter's width; 1.2 of it for the edge's estimate


def first_letter_width(text: str, width: float) -> float:
    """The printed width of a word's first letter: the word's `width` shared out by its letters' advance widths
    (an 'm' takes half again the average letter of 'mhet', an 's' about the average of 'saknas')."""
    low = text.lower()
    total = sum(ADVANCE.get(c, 556) for c in low)
    return width * ADVANCE.get(low[:1], 556) / total if total else 0.0


def next_letter_did_not_fit(room: float, text: str, width: float) -> bool:
    """Is the `room` a line leaves before its column's text edge too narrow for the next line's first letter
    (`text`, printed `width` wide)? Only then can the line end in a cut word, which is cut where its next letter
    stops fitting; a wrap at a space leaves any room up to a space and the next word. Measured against the first
    letter's width and the word's average one, each with NEXT_LETTER_SLACK, as the text edge is an estimate
    ('Personalad' / 'ministration' left 7.2 pt for an 'm' of 7.2; 'diskriminerande' / 'hantering' 8.0 pt for
    an 'h' of 4.8)."""
    text = text.strip()
    if not text:
        return False
    average = width / len(text)
    return room < NEXT_LETTER_SLACK * max(average, first_letter_width(text, width))


def line_may_end_in_cut(line: "Line", next_line: "Line", text_right: float) -> bool:
    """Could a cell's line end in a word cut at its column's text edge (`text_right`)? Only a line of one word (a
    word too long for its column stands alone) that left too little room for the next line's first letter
    (`next_letter_did_not_fit`); whether the words then say cut is `wrapped_at_space`'s to judge. The geometry
    every cell reader asks, each knowing its own column's edge."""
    if len(line.words) != 1 or not next_line.words:
        return False
    head = next_line.words[0]
    return next_letter_did_not_fit(text_right - line.x1, head.text, head.x1 - head.x0)


def is_linking_s(token: str) -> bool:
    """Is `token` a base form plus the compound-linking -s (`informations`, `brandskydds`), or a base form in -e
    with the -s in its place (`samhälls` of `samhälle`, which the lexicon lists as its form; held-out seed 1081:
    'Samhälls' / 'vägledni' / 'ng')? A genitive of a definite or plural form (`förvaltningens`, `verksamheters`)
    is not."""
    low = token.lower()
    return len(low) >= 6 and low.endswith("s") and (
        low[:-1] in swedish_lemmas() or swedish_lemma_store().get(low) == low[:-1] + "e")


@lru_cache(maxsize=4096)
def compound_parts(token: str, depth: int = 0) -> int | None:
    """The fewest words `token` is made of (1: a word; a compound with the linking -s- counts its parts), or None
    when it is no word and no compound of at most four: `verksamhetsplaneringen` -> 2."""
    low = token.lower()
    if is_word(low):
        return 1
    if depth >= 3:
        return None
    best = None
    for i in range(4, len(low) - 2):
        head, tail = low[:i], low[i:]
        if is_word(head) or (head.endswith("s") and is_word(head[:-1])):
            rest = compound_parts(tail, depth + 1)
            if rest is not None and (best is None or rest + 1 < best):
                best = rest + 1
    return best


def heads_compound(token: str) -> bool:
    """Does `token`, itself no word the lexicon knows, read as a compound ending in a base form plus the linking
    -s (`kompetensförsörjnings`: the first half of a longer compound cut at the line end)? A genitive of a
    definite compound (`arbetsmarknadsförvaltningens`) does not."""
    low = token.lower()
    if len(low) < 8 or not low.endswith("s") or is_word(low):
        return False
    stem = low[:-1]
    return any(stem[i:] in swedish_lemmas() and is_compound(stem[:i]) for i in range(4, len(stem) - 3))


def is_compound_stem(token: str) -> bool:
    """Is `token` a noun's compounding stem, its base form less the final -e (`medborgar` of `medborgare`,
    `mässpojk` of `mässpojke`)? The lexicon lists such stems with their base form; a whole word's forms add to it
    (`förvaltningens`) or change it. Verb stems (`utfall` of `utfalla`) are left out: some are nouns too."""
    low = token.lower()
    return len(low) >= 6 and swedish_lemma_store().get(low) == low + "e"


def is_compound(token: str) -> bool:
    """Is `token` a word or a compound of words (with the linking -s-): `informationssäkerhetsarbete`?"""
    return compound_parts(token) is not None


def crosses_into_word(fragment: str, tail: str) -> bool:
    """Does a word start inside `fragment` (itself no word and no compound) and run on into `tail`? A fragment of a
    word cut twice ('information' / 'ssäkerhets' / 'arbete': 'säkerhets' + 'arbete'), or of a compound whose head
    the lexicon does not know ('Närståendetrans' / 'aktioner': 'transaktioner'), reads as the middle of one word.
    The part inside the fragment is a word, a compound or a base form with the linking -s, of at least 4 letters,
    and the break between it and the tail reads as a cut by the rules of `wrapped_at_space` ('splan' / 'tas'
    does not: 'plan' and the function word 'tas' are two words)."""
    low = fragment.lower()
    for i in range(1, len(low) - 3):
        inside = low[i:]
        if (is_linking_s(inside) or is_compound(inside)) and not wrapped_at_space(inside, tail, through=False):
            return True
    return False


def is_verb_s_form(token: str) -> bool:
    """Is `token` a verb's s-form, its infinitive plus -s or with -as for -s (`saknas` of `sakna`, `krävs` of
    `krävas`)? Such a form ends a clause ('personuppgift' / 'saknas.'); it does not end a compound of nouns."""
    low = token.lower()
    lemma = swedish_lemma_store().get(low)
    if lemma is None or not low.endswith("s"):
        return False
    return (lemma.endswith("a") and low == lemma + "s") or (lemma.endswith("as") and low == lemma[:-2] + "s")


def is_present_participle(token: str) -> bool:
    """Is `token` a verb's present participle, its infinitive plus -nde or its stem plus -ende (`diskriminerande` of
    `diskriminera`, `pågående` of `pågå`)? Before a noun it is an attribute, written apart ('diskriminerande' /
    'hantering).'); the compounds one heads are the lexicon's own words (`boendeform`)."""
    low = token.lower()
    lemma = swedish_lemma_store().get(low)
    return lemma is not None and low in (lemma + "nde", lemma + "ende")


def wrapped_at_space(before: str, after: str, tail_alone: bool = False, through: bool = True) -> bool:
    """Was the break between `before` (a one-word line that fills its column) and `after` a wrap at a space
    rather than a cut inside one word? Read from the characters and words at the break: closing punctuation
    or a slash never starts a wrapped line ('återbetalningsskyldig' / '/stå'; but a slash standing apart, a space
    after it, had one before it too), and digits on both sides are one number cut (`1` / `0` in a narrow Nr column); punctuation before the break, a capital or an opening bracket after it, or
    a short function word or a money unit after it say space (unless it is one letter or the line before is no
    word, and the two make one: `august|i`, `februar|i`, or a compound: `Delegationsbesl|ut`); a break whose two halves make a word, or a compound of fewer words
    than the halves are together, says cut; otherwise both halves must be words (the first at least a compound, a
    compound second only after a plain word). A fragment that is no word and no compound says cut when a word runs
    through it into the next line (`crosses_into_word`, which asks this function with `through` off)."""
    if re.match(r"/\s", after):
        return True  # a slash printed apart from the word after it stood apart from the one before it too, as in
        # 'It-resurser / resurshantering' (a narrow column prints 'It-resurser' / '/' / 'resurshant' / 'ering',
        # held-out seed 3713)
    if CLOSING_PUNCTUATION.match(after) or after.startswith("/") or (before[-1:].isdigit() and after[:1].isdigit()):
        return False
    if CLOSING_PUNCTUATION.match(before[-1:]) or re.match(r"[(\[\"'A-ZÅÄÖ0-9]", after):
        return True
    left = re.search(r"(\w+)$", before)
    right = re.match(r"(\w+)", after)
    if not left or not right:
        return True
    a, b = left.group(1), right.group(1)
    joined = is_word(a + b)
    if joined and (len(b) == 1 or not is_word(a)):
        return False  # the rest of a word, even a function word's letters: `februar|i`, `august|i`
    if not is_word(a) and compound_parts(a) is None and compound_parts(a + b) is not None:
        return False  # no word before the break, a compound across it: `Delegationsbesl|ut` (held-out seed 193)
    if through and not is_word(a) and compound_parts(a) is None and crosses_into_word(a, b):
        return False  # a fragment that a word runs through: `information|ssäkerhets|arbete` (held-out seed 229)
    if b.lower() in FUNCTION_WORDS or b.lower() in UNIT_WORDS:
        return True
    if joined or len(b) < 4 or (is_linking_s(a) and is_compound(b)):
        return False
    whole, left_parts, right_parts = compound_parts(a + b), compound_parts(a), compound_parts(b)
    if whole is not None and left_parts is not None and right_parts is not None and whole < left_parts + right_parts:
        return False  # one compound reads in fewer words than the two halves: `verksamhetsplane|ringen`
    if tail_alone and whole is not None and left_parts == 1 and a.lower() in swedish_lemmas() and not is_verb_s_form(b) \
            and not is_present_participle(a):
        return False  # a base form whose tail ends the cell alone on its line heads a compound: `Kompetens|försörjning`
        # (but not before a verb's s-form, which ends a clause: `personuppgift|saknas.`, held-out seed 214; nor is a
        # participle a head: `diskriminerande|hantering).`, seeds 193 and 722)
    if whole is not None and (heads_compound(a) or is_compound_stem(a)):
        return False  # a compound's head before the rest of it: `Kompetensförsörjnings|plan`, `Medborgar|utveckling`
    if is_word(b):  # a word after a word, a compound, or a form neither half nor the whole is known as
        return left_parts is not None or whole is None  # (`Informationsklassning|uteblir`): a wrap
    return is_word(a) and is_compound(b)


def with_head(texts: Sequence[str], i: int, ends_in_cut: Callable[[int], bool], rest_text: str | None = None) -> str:
    """Line `i` as the words at its break are judged: a fragment alone on its line (no word, no compound) after a
    line that may end in a cut (`ends_in_cut(i - 1)`: the reader's geometry, or its decision) is read with that
    line's last word when the two make the head of a word, or a word with the next line's first one that the
    fragment does not make without them ('Kompetensf' / 'örsörjnings' / 'plan tas': 'Kompetensförsörjnings' before 'plan', held-out seed 311;
    'kombin' / 'ationsut' / 'bildning': 'kombinationsut' before 'bildning', seed 446). `rest_text` is the cell's
    text after line `i` as the reader has read it, so a next word that is itself cut counts whole ('kombin' /
    'ationsut' / 'bildnin' / 'gar': 'bildningar', not 'bildnin', held-out seed 4473); without it, the next line.
    The break above is judged in its own turn. Every cell reader asks this (the risk and control readers through
    `join_from_the_end`, the ruled tables' in `extractors.procurement.cut_lines`)."""
    line = texts[i]
    if i == 0 or " " in line or is_compound(line) or is_linking_s(line) or not ends_in_cut(i - 1):
        return line
    head = texts[i - 1].rsplit(" ", 1)[-1] + line
    after = rest_text if rest_text is not None else texts[i + 1] if i + 1 < len(texts) else ""
    rest = re.match(r"\w*", after).group(0)
    # with the next line's word only where the fragment needs its head to make one ('ationsut' + 'bildning'; but
    # 'informationssäkerhe' + 'tsarbete' is a word already)
    reads = is_compound(head) or is_linking_s(head) or heads_compound(head) or bool(
        rest and is_compound(head + rest) and not is_compound(line + rest))
    return head if reads else line


def join_from_the_end(texts: Sequence[str], at_edge: Callable[[int], bool]) -> str:
    """A cell's lines (whitespace normalised) as one text, read from the last break to the first, so a word cut
    twice ('informations' / 'säkerhetsarb' / 'ete') is whole before the break above it is judged. A hyphen at a
    line's end goes to `join_wrapped` ('IT-' + 'resurser', but '-' + 'och' keeps its space); closing punctuation
    that starts the rest joins without a space; a line the reader's geometry says may be cut (`at_edge(i)`: it
    fills its column) joins the rest without a space when it ends in a slash or `wrapped_at_space` says cut (a
    fragment alone on its line judged with the head of its word from the line above, `with_head`); anything else
    gets a space. The cell's rest counts as its last word alone only when it is one word on the last line: counting
    a last word cut over two lines too, as the ruled tables' reader does, mended 'Personal' / 'administr' / 'ation'
    (held-out seeds 1081, 1703, 4385) but joined 'gemensam' / 'rehabiliterings…' and 'Strategisk' / 'lokalplan…'
    in at least 18 held-out seeds of 1–4800, so it was not kept."""
    if not texts:
        return ""
    out = texts[-1]
    for i in range(len(texts) - 2, -1, -1):
        before = texts[i]
        if before.endswith("-"):
            out = join_wrapped(before, out)
        elif at_edge(i) and (before.endswith("/") or not wrapped_at_space(with_head(texts, i, at_edge, out), out,
                                                                          i + 2 == len(texts) and " " not in out)):
            out = before + out
        else:
            out = join_at_space(before, out)
    return out
