"""Figures stated in Swedish report prose -> typed facts; labelled project fields -> parsed values.

`extract_facts` is rule-based: spaCy's blank Swedish tokenizer and sentencizer, lookup lemmas and a
`Matcher` find the cue words (what is counted, comparison phrases, groups, programmes); small pure
rules then decide, for every printed figure, its metric, year, unit, comparison and group. A figure
whose metric cannot be decided is not guessed: its sentence is reported in `FactResult.unmatched`.

Metric names follow samples/source/vb/120_kaa.yaml (sokta, nadda, inskrivna, andel_till_studier, ...).
Not figures: years, dates ("1 december 2021"), ages and age ranges ("20 år", "16-29 år"), page and
document references ("sid. 4", "Dnr 2021/866"), list markers ("1)"), scales ("skala från 1-5").
Amounts ("24,2 mkr") and other ranges are out of scope here: their sentences are reported as unmatched.
Numbers written as words ("två veckor") are out of scope and ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy itself is imported when a text is first parsed: importing it costs ~1 s, and a
    # process that only needs the record classes (the checks in the flow's parent) never parses prose
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

from parsers.numbers import Amount, ParseError, normalise_spaces, parse_amount, parse_number
from parsers.periods import MONTHS, Period, parse_period
from parsers.text import swedish_lemma_store

# ----- public types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One figure stated in prose: what it counts, its value and unit, and where it was printed."""

    metric: str
    value: Decimal
    unit: str  # count | percent | score
    printed: str  # exactly text[start:end]
    year: int | None
    comparison: str | None  # diff_vs_<year> | diff | increase | decrease | prior | from | to
    vs_year: int | None
    group_by: str | None  # gender | jobbtorg
    group_value: str | None  # Kvinna | Man | Globen | Skärholmen | City | Vällingby | Kista
    qualifier: str | None  # drygt | ca | cirka | ... as printed, lower case
    sentence: str
    start: int
    end: int


@dataclass(frozen=True)
class FactResult:
    """The facts found, and the sentences that carry a figure no rule could read (never dropped)."""

    facts: list[Fact]
    unmatched: list[str]


# ----- lexicon ------------------------------------------------------------------------------------

# metric cues: (metric base, rank, Matcher patterns). Rank 2 = generic verb, used only when nothing
# more specific is near. Longer matches win over shorter overlapping ones ("nya ... skrevs in").
_TAKE = ["ta", "tar", "tog", "tagit", "tagits", "tas"]
_METRIC_CUES: list[tuple[str, int, list[list[dict]]]] = [
    ("omfattade", 1, [[{"LEMMA": "omfatta"}]]),
    ("sokta", 1, [[{"LEMMA": {"IN": ["sökt", "söka"]}}]]),
    ("ej_nadda", 1, [[{"LOWER": {"IN": ["ej", "inte", "icke"]}}, {"LEMMA": "nå"}]]),
    ("nadda", 1, [[{"LEMMA": "nå"}]]),
    ("nyinskrivna", 1, [[{"LOWER": {"REGEX": r"^nyinskriv"}}],
                        [{"LEMMA": "ny"}, {"LEMMA": {"IN": ["ungdom", "ung", "person", "deltagare"]}, "OP": "?"},
                         {"LOWER": {"IN": ["skrevs", "skrivs", "skrivits"]}}, {"LOWER": "in"}]]),
    ("inskrivna", 1, [[{"LOWER": {"REGEX": r"^inskriv(na|en|et|ning|ningar)?$"}}],
                      [{"LOWER": {"IN": ["skrevs", "skrivs", "skrivits"]}}, {"LOWER": "in"}],
                      [{"LOWER": {"IN": _TAKE}}, {"LOWER": "del"}, {"LOWER": "av"}]]),
    ("avslutade_till_okand", 1, [[{"LOWER": "till"}, {"LOWER": {"IN": ["okänd", "okänt", "okända"]}}]]),
    ("till_studier", 1, [[{"LOWER": "till"}, {"LOWER": {"IN": ["studier", "studie", "studierna"]}}]]),
    ("till_arbete", 1, [[{"LOWER": "till"}, {"LOWER": {"IN": ["arbete", "jobb", "anställning"]}}]]),
    ("avslutade", 2, [[{"LEMMA": "avsluta"}], [{"LOWER": {"REGEX": r"^(utskriv|avslut$|avslutad)"}}],
                      [{"LOWER": {"IN": ["skrevs", "skrivs", "skrivits"]}}, {"LOWER": "ut"}]]),
    ("kontaktforsok", 1, [[{"LOWER": {"REGEX": r"^kontaktförsök"}}]]),
    ("brev", 1, [[{"LEMMA": "brev"}]]),
    ("bosattningskontroll_adresser", 1, [[{"LEMMA": {"IN": ["bosättningskontroll", "adress"]}}]]),
    ("slussplatser", 1, [[{"LOWER": {"REGEX": r"^slussplats"}}]]),
    ("nadda_med_sysselsattning", 1, [[{"LEMMA": "sysselsättning"}]]),
    ("deltagare", 2, [[{"LEMMA": "deltagare"}], [{"LOWER": {"IN": ["deltagit", "deltog", "deltar"]}}],
                      [{"LOWER": {"IN": ["fått", "får", "fick"]}}, {"LOWER": {"IN": ["stöd", "hjälp"]}}],
                      [{"LOWER": {"IN": ["arbetat", "arbetade"]}}, {"LOWER": "med"}]]),
    ("svarande_fragan", 1, [[{"LEMMA": {"IN": ["svara", "besvara"]}}, {"LOWER": "på", "OP": "?"},
                             {"LOWER": {"IN": ["frågan", "fråga"]}}]]),
    ("svarande", 2, [[{"LEMMA": {"IN": ["svara", "besvara"]}}], [{"LOWER": {"REGEX": r"^(svarande|respondent)"}}]]),
    ("vardigt_nojda", 1, [[{"LOWER": {"IN": ["väldigt", "mycket"]}}, {"LEMMA": "nöjd"}]]),
    ("nojda", 1, [[{"LEMMA": "nöjd"}]]),
]
# score cues: only for a bare figure (no count noun after it), e.g. "Medelvärdet ... var 4,23".
_SCORE_CUES: list[tuple[str, list[list[dict]]]] = [
    ("medelvarde", [[{"LEMMA": "medelvärde"}], [{"LOWER": {"IN": ["snitt", "snittet", "medelbetyg"]}}]]),
]
# programmes / topics: a metric prefix (aim_inskrivna); from the sentence, an earlier sentence or the heading
_TOPIC_CUES: dict[str, list[list[dict]]] = {
    "aim": [[{"LOWER": "aim"}]],
    "ungvux": [[{"LOWER": "ungvux"}]],
    "studiesluss": [[{"LOWER": {"REGEX": r"^studiesluss"}}]],
    "enkat": [[{"LOWER": {"REGEX": r"^enkät"}}]],
}
_GROUP_CUES: dict[tuple[str, str], list[list[dict]]] = {
    ("gender", "Kvinna"): [[{"LEMMA": "kvinna"}], [{"LOWER": {"IN": ["flickor", "tjejer", "kvinnliga"]}}]],
    ("gender", "Man"): [[{"LOWER": {"IN": ["män", "männen", "pojkar", "killar", "manliga"]}}]],
    **{("jobbtorg", name): [[{"LOWER": name.lower()}]]
       for name in ("Globen", "Skärholmen", "City", "Vällingby", "Kista")},
}
# comparison and role markers
_MARKERS: dict[str, list[list[dict]]] = {
    "prior": [[{"LOWER": "jämfört"}, {"LOWER": {"IN": ["med", "mot"]}}],
              [{"LOWER": "i"}, {"LOWER": "jämförelse"}, {"LOWER": "med"}],
              [{"LOWER": "till"}, {"LOWER": "skillnad"}, {"LOWER": "från"}]],
    "against": [[{"LOWER": "mot"}]],
    "increase": [[{"LOWER": {"REGEX": r"^ök(ning|a|ar|ade|at|ats|te)$"}}, {"LOWER": "med"}]],
    "decrease": [[{"LOWER": {"REGEX": r"^minsk(ning|a|ar|ade|at|ats|te)$"}}, {"LOWER": "med"}]],
    "prev_year": [[{"LOWER": {"IN": ["föregående", "förra", "fjolårets"]}},
                   {"LOWER": {"IN": ["år", "året", "års"]}}],
                  [{"LOWER": "året"}, {"LOWER": "innan"}], [{"LOWER": "fjolåret"}]],
    "target": [[{"LOWER": {"IN": ["mål", "målet", "målsättningen", "målnivån"]}},
                {"LOWER": {"IN": ["på", "om"]}}]],
}
_GENERIC_NOUNS = {"ungdom", "ung", "person", "individ", "stycke", "st", "st.", "elev", "barn", "medarbetare"}
_DETERMINERS = {"de", "den", "det", "dessa", "samtliga", "alla", "dem"}
_QUALIFIERS = {"drygt", "ca", "ca.", "cirka", "c:a", "omkring", "ungefär", "knappt", "nästan", "närmare",
               "runt", "minst", "högst", "över", "nära"}
_PUNCT_BOUNDARY = {",", ";", ":", "(", ")", "–", "—"}
_STRONG_BOUNDARY = {"varav", "men", "medan", "vilket", "dock", "däremot"}
_COMPARE_WORDS = {"än", "mot", "med", "sedan", "från"}
_AGE_WORDS = {"år", "års", "åring", "åringar", "årig", "åriga", "årsåldern", "åldern"}
_REF_WORDS = {"sid", "sid.", "sida", "sidan", "sidorna", "s.", "bilaga", "avsnitt", "kapitel", "punkt", "nr",
              "nr.", "nummer", "dnr", "§", "paragraf", "kl", "kl.", "version", "fråga", "tertial",
              "tertialrapport", "tertialrapporten"}
_AMOUNT_WORDS = {"kr", "kronor", "mkr", "mnkr", "tkr", "mdkr", "miljoner", "miljon", "miljarder", "sek", "eur",
                 "euro", "milj", "milj."}
_SCALE_WORDS = {"skala", "skalan", "betygsskala"}
# a share with only a denominator: the one numerator whose implied denominator it is ("andelen av de sökta")
_IMPLIED_DENOMINATOR = {"nadda": "sokta", "ej_nadda": "sokta", "till_studier": "avslutade",
                        "till_arbete": "avslutade", "avslutade_till_okand": "avslutade"}
_DEFAULT_NUMERATOR = {"sokta": "nadda"}
_MAX_SCORE = 40
# a figure followed by a plural noun the lexicon does not know counts something else: not guessed
_PLURAL_ENDINGS = ("or", "ar", "er", "orna", "arna", "erna")
_NOT_NOUNS = {"eller", "under", "efter", "över", "fler", "mer", "åter", "sedan", "inför", "utöver", "därefter",
              "bland", "innan", "senare", "tidigare", "olika", "unika", "flera", "andra", "nya", "hela", "båda"}

_SPACE = "[ \u00a0\u202f\u2009\u2007]"
_NUM = rf"(?:[0-9]{{1,3}}(?:{_SPACE}[0-9]{{3}})+|[0-9]+)(?:,[0-9]+)?"
_FIGURE = re.compile(
    rf"(?<![0-9A-Za-zÅÄÖåäöÉé,./:§\-–])(?P<num>{_NUM})(?![0-9A-Za-zÅÄÖåäö/:§\-–]|[.,][0-9])"
    rf"(?:(?P<sp>{_SPACE}?)(?P<pct>%|procent\b))?")
_RANGE = re.compile(rf"(?<![0-9,.])(?P<a>[0-9]+){_SPACE}?[-–]{_SPACE}?(?P<b>[0-9]+)(?![0-9])")
_YEAR = re.compile(r"^(19|20)[0-9]{2}$")
_DIGIT = re.compile(r"[0-9]")  # every figure, year and range above holds one


# ----- internal types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cue:
    """A Matcher hit: kind (metric|score|topic|group|marker), key, rank, token span [start, end)."""

    kind: str
    key: str
    rank: int
    start: int
    end: int


@dataclass(frozen=True)
class _Figure:
    """A printed figure: value, unit, char span of number(+unit), token span [first, last]."""

    value: Decimal
    percent: bool
    start: int
    end: int
    first: int
    last: int
    integer: bool


@dataclass(frozen=True)
class _Role:
    """How a figure relates to others in its sentence (kind), and what the wording fixes."""

    kind: str  # main | member | from | to | prior | diff | increase | decrease | target
    anchor: int | None = None  # index of the figure this one depends on (member, to)
    year: int | None = None  # a year the wording ties to this figure
    sign: int = 1  # diff: fler +1, färre -1


@dataclass
class _Sent:
    """One sentence: its token range, figures, cues and years, shared by the rules."""

    doc: Doc
    start: int
    end: int
    figures: list[_Figure]
    cues: list[_Cue]
    years: dict[int, int]  # token index -> year
    doc_text: str  # doc.text, which spaCy joins from every token at each use

    @property
    def text(self) -> str:
        """The sentence as printed, without surrounding whitespace."""
        return self.doc[self.start:self.end].text.strip()


# ----- spaCy --------------------------------------------------------------------------------------


def load_prose_parser() -> None:
    """Load what parsing prose needs (spaCy's tokenizer and the lemma table, ~1 s) now, not at the first sentence."""
    _nlp()
    swedish_lemma_store()


@lru_cache(maxsize=1)
def _nlp() -> Language:
    """The blank Swedish pipeline (tokenizer + sentencizer), built once: no download. Lemmas are set by `_parse`."""
    import spacy

    nlp = spacy.blank("sv")
    nlp.add_pipe("sentencizer")
    nlp.initialize()
    return nlp


@lru_cache(maxsize=1)
def _matcher() -> Matcher:
    """One Matcher holding every cue pattern; labels are 'kind|key|rank'."""
    from spacy.matcher import Matcher

    m = Matcher(_nlp().vocab)
    for key, rank, patterns in _METRIC_CUES:
        m.add(f"metric|{key}|{rank}", patterns)
    for key, patterns in _SCORE_CUES:
        m.add(f"score|{key}|1", patterns)
    for key, patterns in _TOPIC_CUES.items():
        m.add(f"topic|{key}|1", patterns)
    for (by, value), patterns in _GROUP_CUES.items():
        m.add(f"group|{by}:{value}|1", patterns)
    for key, patterns in _MARKERS.items():
        m.add(f"marker|{key}|1", patterns)
    return m


def _parse(text: str) -> Doc:
    """Tokenize, split sentences and lemmatize: lemmas are looked up lower-case ('Antalet' -> 'antal') in spaCy's
    Swedish lookup table (spaCy's own lookup lemmatizer looks up the text as printed, so it is not in the pipeline)."""
    doc = _nlp()(text)
    table = swedish_lemma_store()
    for tok in doc:
        tok.lemma_ = table.get(tok.lower_, tok.lower_)
    return doc


def _cues(doc: Doc) -> list[_Cue]:
    """All cue matches; within a kind, overlapping matches keep the longest."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    strings = doc.vocab.strings
    by_kind: dict[str, list[Span]] = {}
    for match_id, start, end in _matcher()(doc):
        label = strings[match_id]
        by_kind.setdefault(label.split("|")[0], []).append(Span(doc, start, end, label=label))
    out = []
    for spans in by_kind.values():
        for s in filter_spans(spans):
            kind, key, rank = s.label_.split("|")
            out.append(_Cue(kind, key, int(rank), s.start, s.end))
    return sorted(out, key=lambda c: (c.start, c.end))


# ----- figures ------------------------------------------------------------------------------------


def _token_index(doc: Doc) -> list[int]:
    """Character offset -> index of the token covering it (whitespace maps to the previous token)."""
    idx = [0] * (len(doc.text) + 1)
    for tok in doc:
        for k in range(tok.idx, tok.idx + max(len(tok.text), 1)):
            if k < len(idx):
                idx[k] = tok.i
    last = 0
    for k in range(len(idx)):  # fill gaps (whitespace outside tokens) forward
        if idx[k] < last:
            idx[k] = last
        last = idx[k]
    return idx


# '2000 fler än 2021': a number compared as more or fewer is a count, whatever it looks like
_MORE_OR_FEWER = frozenset({"fler", "färre"})


def _is_other_number(text: str) -> bool:
    """A token that starts a number but cannot be a year: '2115', '705', '12' (of '12 115')."""
    return text[:1].isdigit() and not _YEAR.fullmatch(text)


def _compared_count(doc: Doc, first: int, last: int) -> bool:
    """A 19xx/20xx number that the wording makes a count: compared as more or fewer ('2000 fler'), set against a
    year ('2004 under 2021'), given in brackets right after a year ('färre än 2021 (1980)'), or one end of
    'från A till B' whose other end is a number that is no year ('från 2004 till 2115': two years would be a span)."""
    nxt = _next_lower(doc, last)
    if nxt in _MORE_OR_FEWER:
        return True
    if nxt == "under" and _YEAR.fullmatch(_next_lower(doc, last, 1)):
        return True
    prv = _prev_lower(doc, first)
    if prv == "från" and nxt == "till" and _is_other_number(_next_lower(doc, last, 1)):
        return True
    if prv == "till" and first >= 3 and doc[first - 3].lower_ == "från" and _is_other_number(doc[first - 2].lower_):
        return True
    return (prv == "(" and nxt == ")" and first >= 2
            and bool(_YEAR.fullmatch(doc[first - 2].lower_)))


def _is_yearlike(m: re.Match) -> bool:
    """A four-digit 19xx/20xx number printed without unit, grouping or decimals."""
    return not m.group("pct") and bool(_YEAR.match(m.group("num")))


def _next_lower(doc: Doc, i: int, skip: int = 0) -> str:
    """Lower-case text of the token after index i (skipping `skip` more), '' at the end."""
    j = i + 1 + skip
    return doc[j].lower_ if 0 <= j < len(doc) else ""


def _prev_lower(doc: Doc, i: int) -> str:
    """Lower-case text of the token before index i, '' at the start."""
    return doc[i - 1].lower_ if i - 1 >= 0 else ""


def _is_count_noun(doc: Doc, i: int, cue_starts: set[int]) -> bool:
    """Token i names what is counted: a generic noun (ungdomar, personer), a group or a cue word."""
    if not 0 <= i < len(doc):
        return False
    return doc[i].lemma_ in _GENERIC_NOUNS or i in cue_starts


def _not_a_figure(doc: Doc, first: int, last: int, text: str, start: int) -> str | None:
    """Why a number is not a figure (date, age, reference, list marker) or None; 'amount' is out of scope."""
    nxt, prv = _next_lower(doc, last), _prev_lower(doc, first)
    if nxt.rstrip(".") in MONTHS:
        return "date"
    if nxt in _AGE_WORDS or nxt.startswith("-åring"):
        return "age"
    if prv in _REF_WORDS:
        return "reference"
    if nxt in _AMOUNT_WORDS:
        return "amount"
    line = text[text.rfind("\n", 0, start) + 1:start]
    if nxt == ")" and line.count("(") <= line.count(")") or not line.strip() and nxt == ".":
        return "list marker"  # "1) nå målgruppen", "2. Sammanfattning"
    return None


def _ranges(text: str) -> list[tuple[int, int]]:
    """Char spans of number ranges ('16-29', '1-5', '15- 17'): never single figures."""
    return [(m.start(), m.end()) for m in _RANGE.finditer(text)]


def _range_is_silent(doc: Doc, tix: list[int], span: tuple[int, int]) -> bool:
    """A range that is an age, a scale, a date or a span of years is not a figure to report."""
    first, last = tix[span[0]], tix[span[1] - 1]
    a, b = re.split(r"\s?[-–]\s?", normalise_spaces(doc.text[span[0]:span[1]]), maxsplit=1)
    if _YEAR.match(a) and _YEAR.match(b):
        return True
    nxt = _next_lower(doc, last)
    window = {doc[k].lower_ for k in range(max(0, first - 3), first)}
    return nxt in _AGE_WORDS or nxt.rstrip(".") in MONTHS or bool(window & _SCALE_WORDS)


def _scan(doc: Doc, group_starts: set[int]) -> tuple[list[_Figure], dict[int, int], list[int]]:
    """Figures, years (token -> year) and token indices of numbers out of scope (for `unmatched`).

    A 19xx/20xx number is a year unless a count noun follows it ('2000 ungdomar') or the wording makes it a
    count (_compared_count)."""
    text, tix = doc.text, _token_index(doc)
    ranges = _ranges(text)
    figures, years, out_of_scope = [], {}, []
    for sp in ranges:
        if not _range_is_silent(doc, tix, sp):
            out_of_scope.append(tix[sp[0]])
    for m in _FIGURE.finditer(text):
        if any(a <= m.start() < b for a, b in ranges):
            continue
        first, last = tix[m.start()], tix[m.end() - 1]
        num_last = tix[m.end("num") - 1]
        if _is_yearlike(m) and not _is_count_noun(doc, num_last + 1, group_starts) \
                and not _compared_count(doc, first, num_last):
            years[first] = int(m.group("num"))
            continue
        why = _not_a_figure(doc, first, last, text, m.start())
        if why == "amount":
            out_of_scope.append(first)
        if why:
            continue
        parsed = parse_number(m.group("num"))
        figures.append(_Figure(parsed.value, bool(m.group("pct")), m.start(), m.end(), first, last,
                               parsed.decimals == 0))
    return figures, years, out_of_scope


# ----- sentences ----------------------------------------------------------------------------------


def _sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of sentences: spaCy's sentencizer, further cut at line breaks."""
    out = []
    for sent in doc.sents:
        start = sent.start
        for tok in sent:
            if "\n" in tok.text:
                if tok.i > start:
                    out.append((start, tok.i))
                start = tok.i + 1
        if sent.end > start:
            out.append((start, sent.end))
    return out


def _sentences(doc: Doc, figures: list[_Figure], years: dict[int, int], cues: list[_Cue]) -> list[_Sent]:
    """Group figures, years and cues by sentence."""
    out, text = [], doc.text
    for a, b in _sentence_spans(doc):
        out.append(_Sent(doc, a, b, [f for f in figures if a <= f.first < b],
                         [c for c in cues if a <= c.start < b], {i: y for i, y in years.items() if a <= i < b},
                         text))
    return out


# ----- roles --------------------------------------------------------------------------------------


def _skip_qualifier_back(doc: Doc, i: int) -> int:
    """Index of the token before a figure starting at i, stepping over one qualifier (ca, drygt)."""
    j = i - 1
    if j >= 0 and doc[j].lower_ in _QUALIFIERS:
        j -= 1
    return j


def _marker_before(s: _Sent, fig: _Figure, key: str) -> bool:
    """A marker of this key ends right before the figure (a qualifier may sit in between)."""
    j = _skip_qualifier_back(s.doc, fig.first)
    return any(c.kind == "marker" and c.key == key and c.end - 1 == j for c in s.cues)


def _group_after(s: _Sent, fig: _Figure) -> tuple[str, str] | None:
    """A group noun right after the figure ('3329 kvinnor'), or in 'av de sökta kvinnorna' after it."""
    for c in s.cues:
        if c.kind != "group":
            continue
        if c.start == fig.last + 1:
            return _split_group(c.key)
        between = s.doc[fig.last + 1:c.start]
        if 0 < len(between) <= 3 and between[0].lower_ == "av" and not _has_boundary(between):
            return _split_group(c.key)
    return None


def _split_group(key: str) -> tuple[str, str]:
    """'gender:Kvinna' -> ('gender', 'Kvinna')."""
    by, value = key.split(":", 1)
    return by, value


def _has_boundary(tokens: Span) -> bool:
    """The tokens contain a clause boundary (punctuation or a word like 'varav')."""
    return any(t.text in _PUNCT_BOUNDARY or t.lower_ in _STRONG_BOUNDARY for t in tokens)


def _enclosing_paren(doc: Doc, fig: _Figure, lo: int) -> int | None:
    """Index of the '(' that opens the parenthesis the figure sits in (not past token lo), or None."""
    depth = 0
    for k in range(fig.first - 1, lo - 1, -1):
        if doc[k].text == ")":
            depth += 1
        elif doc[k].text == "(":
            if depth == 0:
                return k
            depth -= 1
    return None


def _paren_anchor(s: _Sent, idx: int) -> int | None:
    """The figure a parenthesis holding figure idx is attached to: '7154 ungdomar (3329 kvinnor ...'."""
    fig = s.figures[idx]
    open_ = _enclosing_paren(s.doc, fig, s.start)
    if open_ is None:
        return None
    for j in range(idx - 1, -1, -1):
        prev = s.figures[j]
        if prev.last < open_ and open_ - prev.last <= 2:
            between = s.doc[prev.last + 1:open_]
            if all(t.lemma_ in _GENERIC_NOUNS for t in between):
                return j
    return None


def _paren_year(s: _Sent, fig: _Figure) -> int | None:
    """A year printed inside the same parenthesis after the figure: '(49,7 procent 2021)', '(872, 2020)'."""
    for k in range(fig.last + 1, min(fig.last + 4, s.end)):
        tok = s.doc[k]
        if tok.text == ")":
            return None
        if k in s.years:
            return s.years[k]
    return None


def _than_year_paren(s: _Sent, fig: _Figure) -> int | None:
    """'färre än 2021 (660)': the year of a bare figure in parentheses right after 'än YEAR'."""
    doc = s.doc
    if fig.first - 2 < s.start or doc[fig.first - 1].text != "(" or _next_lower(doc, fig.last) != ")":
        return None
    y = fig.first - 2
    if y in s.years and any(doc[k].lower_ == "än" for k in range(max(s.start, y - 2), y)):
        return s.years[y]
    return None


def _from_partner(s: _Sent, idx: int) -> int | None:
    """For 'från N ... till M': the index of M when figure idx is N, else None."""
    fig, doc = s.figures[idx], s.doc
    before = _skip_qualifier_back(doc, fig.first)
    if before < s.start or doc[before].lower_ != "från":
        return None
    for k in range(fig.last + 1, min(fig.last + 5, s.end)):
        if doc[k].lower_ == "till":
            for j in range(idx + 1, len(s.figures)):
                if _skip_qualifier_back(doc, s.figures[j].first) == k:
                    return j
            return None
        if doc[k].text in _PUNCT_BOUNDARY and doc[k].text != ",":
            return None
    return None


def _diff_after(s: _Sent, fig: _Figure) -> int:
    """+1 for 'N fler', -1 for 'N färre' (a generic noun may sit between), else 0."""
    doc = s.doc
    for k in (fig.last + 1, fig.last + 2):
        if k >= s.end:
            return 0
        if doc[k].lower_ == "fler":
            return 1
        if doc[k].lower_ == "färre":
            return -1
        if doc[k].lemma_ not in _GENERIC_NOUNS:
            return 0
    return 0


def _year_follows(s: _Sent, fig: _Figure) -> bool:
    """A year or 'föregående år' follows the figure closely (for 'mot N ... 2021')."""
    for k in range(fig.last + 1, min(fig.last + 5, s.end)):
        if k in s.years or any(c.kind == "marker" and c.key == "prev_year" and c.start == k for c in s.cues):
            return True
    return False


def _roles(s: _Sent) -> list[_Role]:
    """The role of every figure in the sentence, left to right."""
    roles: list[_Role | None] = [None] * len(s.figures)
    for i, fig in enumerate(s.figures):
        if roles[i] is None:
            roles[i] = _role(s, i, fig)
        if roles[i].kind == "from":
            j = _from_partner(s, i)
            roles[j] = _Role("to", anchor=i)
    return roles  # type: ignore[return-value]


def _role(s: _Sent, i: int, fig: _Figure) -> _Role:
    """Decide one figure's role from the words around it."""
    anchor = _paren_anchor(s, i)
    if anchor is not None and _group_after(s, fig):
        return _Role("member", anchor=anchor)
    if anchor is not None and _paren_year(s, fig) is not None:
        return _Role("prior", year=_paren_year(s, fig))
    if _from_partner(s, i) is not None:
        return _Role("from")
    if _than_year_paren(s, fig) is not None:
        return _Role("prior", year=_than_year_paren(s, fig))
    for key in ("increase", "decrease"):
        if _marker_before(s, fig, key):
            return _Role(key)
    if _marker_before(s, fig, "prior") and not _group_after(s, fig):
        return _Role("prior")
    if _marker_before(s, fig, "against") and _year_follows(s, fig) and not _group_after(s, fig):
        return _Role("prior")
    sign = _diff_after(s, fig)
    if sign:
        return _Role("diff", sign=sign)
    if _marker_before(s, fig, "target"):
        return _Role("target")
    return _Role("main")


# ----- years --------------------------------------------------------------------------------------


def _attached_year(s: _Sent, fig: _Figure) -> int | None:
    """A year printed right after the figure: '70 procent 2021', '4909 personer under 2021', '(872, 2020)'."""
    doc, k, skipped = s.doc, fig.last + 1, 0
    while k < s.end and skipped <= 3:
        tok = doc[k]
        if k in s.years:
            return s.years[k]
        if tok.text == "(":
            close = next((j for j in range(k, s.end) if doc[j].text == ")"), None)
            if close is None:
                return None
            k = close + 1
            continue
        if tok.lemma_ in _GENERIC_NOUNS or tok.lower_ in {"under", "i", "år", ","}:
            k, skipped = k + 1, skipped + 1
            continue
        return None
    return None


def _compare_years(s: _Sent) -> set[int]:
    """Token indices of years that name the compared period: 'än (under) 2021', 'jämfört med 2021'."""
    out = set()
    for k in s.years:
        window = s.doc[max(s.start, k - 4):k]
        if any(t.lower_ in _COMPARE_WORDS for t in window):
            out.add(k)
    return out


def _attached_years(s: _Sent) -> set[int]:
    """Token indices of years attached to some figure of the sentence."""
    out = set()
    for fig in s.figures:
        y = _attached_year(s, fig)
        if y is not None:
            out |= {k for k, v in s.years.items() if v == y and k > fig.last}
    return out


def _main_year(s: _Sent, default_year: int | None) -> int | None:
    """The sentence's own year (first year not compared with and not tied to a figure), else the default."""
    skip = _compare_years(s) | _attached_years(s)
    free = [s.years[k] for k in sorted(s.years) if k not in skip]
    return free[0] if free else default_year


def _vs_year(s: _Sent, fig: _Figure, year: int | None) -> int | None:
    """The year a difference is measured against: a compared year after the figure, else the year before."""
    compared = _compare_years(s)
    after = [s.years[k] for k in sorted(compared) if k > fig.last]
    if after:
        return after[0]
    return year - 1 if year is not None else None


def _minus_one(year: int | None) -> int | None:
    """The previous year, None stays None."""
    return year - 1 if year is not None else None


# ----- metrics ------------------------------------------------------------------------------------


def _partitive(s: _Sent) -> list[tuple[int, int, str | None, set[int]]]:
    """'av de sökta männen', 'av ungdomarna som nåddes och som omfattades': (start, end, denominator, cue ids)."""
    doc, out = s.doc, []
    metric_at = {c.start: c for c in s.cues if c.kind == "metric"}
    group_at = {c.start for c in s.cues if c.kind == "group"}
    for k in range(s.start, s.end):
        if doc[k].lower_ != "av":
            continue
        j, cues, participle = k + 1, set(), False
        while j < s.end and doc[j].lower_ in _DETERMINERS:
            j += 1
        determined = j > k + 1
        if j < s.end and j in metric_at and (determined or _is_count_noun(doc, metric_at[j].end, group_at)):
            cues.add(j)
            participle = True
            j = metric_at[j].end
        if j < s.end and (doc[j].lemma_ in _GENERIC_NOUNS or j in group_at):
            j += 1
        elif not participle:
            continue
        while not participle and j < s.end and doc[j].lower_ == "som":
            hit = next((m for m in range(j + 1, min(j + 4, s.end)) if m in metric_at), None)
            if hit is None:
                break
            cues.add(hit)
            j = metric_at[hit].end
            if j + 1 < s.end and doc[j].lower_ == "och" and doc[j + 1].lower_ == "som":
                j += 1
        first = min(cues) if cues else None
        out.append((k, j, metric_at[first].key if first is not None else None, cues))
    return out


def _distance(s: _Sent, fig: _Figure, start: int, end: int) -> int:
    """Token distance between a figure and a cue span, plus penalties for clause boundaries crossed."""
    if start > fig.last:
        between = s.doc[fig.last + 1:start]
        gap = 0 if len(between) <= 2 and not _has_boundary(between) else len(between)
    else:
        between = s.doc[end:fig.first]
        gap = len(between)
    punct = sum(t.text in _PUNCT_BOUNDARY for t in between)
    strong = sum(t.lower_ in _STRONG_BOUNDARY for t in between)
    return gap + 4 * punct + 10 * strong


def _best_cue(s: _Sent, fig: _Figure, kinds: set[str], exclude: set[int]) -> _Cue | None:
    """The nearest cue of these kinds (generic verbs ranked lower), within reach, or None."""
    scored = []
    for c in s.cues:
        if c.kind in kinds and c.start not in exclude:
            score = _distance(s, fig, c.start, c.end) + (8 if c.rank == 2 else 0)
            if score <= _MAX_SCORE:
                scored.append((score, c.start, c))
    return min(scored, key=lambda t: (t[0], t[1]))[2] if scored else None


def _denominator(s: _Sent, fig: _Figure, parts: list[tuple[int, int, str | None, set[int]]]) -> str | None:
    """The denominator of a share: the nearest 'av de X' phrase in reach of the figure."""
    best = None
    for start, end, den, _ in parts:
        if den is None:
            continue
        score = _distance(s, fig, start, end)
        if score <= 12 and (best is None or score < best[0]):
            best = (score, den)
    return best[1] if best else None


def _share_name(num: str | None, den: str | None) -> str | None:
    """andel_<numerator>[_av_<denominator>]; a bare denominator names its one implied numerator."""
    if num is None:
        num = _DEFAULT_NUMERATOR.get(den) if den else None
        return f"andel_{num}" if num else None
    if den and den != num and den not in num and _IMPLIED_DENOMINATOR.get(num) != den:
        return f"andel_{num}_av_{den}"
    return f"andel_{num}"


def _counts_unknown_noun(s: _Sent, fig: _Figure) -> bool:
    """The figure is followed by a plural noun that no cue knows ('412 organisationer', '30 dagar')."""
    k = fig.last + 1
    if fig.percent or k >= s.end:
        return False
    tok = s.doc[k]
    if not tok.is_alpha or not tok.is_lower or len(tok.text) < 4 or tok.lower_ in _NOT_NOUNS:
        return False
    if tok.lemma_ in _GENERIC_NOUNS or any(c.start == k for c in s.cues if c.kind in ("metric", "group", "marker")):
        return False
    return tok.lower_.endswith(_PLURAL_ENDINGS)


def _own_metric(s: _Sent, fig: _Figure, topic: str | None) -> tuple[str, str] | None:
    """(metric, unit) from the cue words around the figure, or None when nothing fits."""
    if _counts_unknown_noun(s, fig):
        return None
    parts = _partitive(s)
    excluded = set().union(*(p[3] for p in parts)) if parts else set()
    count_noun = _is_count_noun(s.doc, fig.last + 1, {c.start for c in s.cues})
    prefix = f"{topic}_" if topic else ""
    if fig.percent:
        cue = _best_cue(s, fig, {"metric"}, excluded)
        name = _share_name(cue.key if cue else None, _denominator(s, fig, parts))
        return (prefix + name, "percent") if name else None
    kinds = set() if not fig.integer else {"metric"}
    if not count_noun:
        kinds.add("score")
    cue = _best_cue(s, fig, kinds, excluded)
    if cue is None:
        return None
    return prefix + cue.key, "score" if cue.kind == "score" else "count"


def _topic(s: _Sent, carried: str | None) -> str | None:
    """The programme the sentence talks about (its own mention wins), else the one carried over."""
    own = [c.key for c in s.cues if c.kind == "topic"]
    return own[0] if own else carried


def _jobbtorg(s: _Sent, fig: _Figure) -> tuple[str, str] | None:
    """A Jobbtorg named in the figure's clause ('Jobbtorg Kista ... 201 inskrivna')."""
    best = None
    for c in s.cues:
        if c.kind == "group" and c.key.startswith("jobbtorg:"):
            d = _distance(s, fig, c.start, c.end)
            if d <= 6 and not _has_boundary(s.doc[min(c.end, fig.last):max(c.start, fig.first)]):
                best = best if best and best[0] <= d else (d, c.key)
    return _split_group(best[1]) if best else None


def _gender(s: _Sent, fig: _Figure) -> tuple[str, str] | None:
    """A gender stated for the figure: right after it, or in its clause without a boundary between."""
    direct = _group_after(s, fig)
    if direct and direct[0] == "gender":
        return direct
    best = None
    for c in s.cues:
        if c.kind == "group" and c.key.startswith("gender:") and c.end <= fig.first:
            between = s.doc[c.end:fig.first]
            if len(between) <= 5 and not _has_boundary(between) and not any(t.like_num for t in between):
                best = c.key
    return _split_group(best) if best else None


# ----- assembling facts ---------------------------------------------------------------------------


def _qualifier(doc: Doc, fig: _Figure) -> str | None:
    """'drygt', 'ca', 'cirka' ... printed right before the figure (or before its parenthesis)."""
    j = fig.first - 1
    if j >= 0 and doc[j].text == "(":
        j -= 1
    return doc[j].lower_.rstrip(".") if j >= 0 and doc[j].lower_ in _QUALIFIERS else None


def _printed_span(s: _Sent, fig: _Figure, role: _Role) -> tuple[int, int]:
    """Char span of what was printed: the figure, '(660)' when bare in parentheses, '67 fler' for a difference."""
    doc, text = s.doc, s.doc_text
    start, end = fig.start, fig.end
    if start > 0 and text[start - 1] == "(" and end < len(text) and text[end] == ")":
        return start - 1, end + 1
    if role.kind == "diff" and fig.last + 1 < s.end and doc[fig.last + 1].lower_ in ("fler", "färre"):
        tok = doc[fig.last + 1]
        return start, tok.idx + len(tok.text)
    return start, end


def _anchor(facts: list[Fact | None], figs: list[_Figure], i: int, kinds: tuple[str, ...]) -> int | None:
    """Nearest earlier fact of the same unit, without a group, whose figure has one of these roles."""
    for j in range(i - 1, -1, -1):
        f = facts[j]
        if f is not None and figs[j].percent == figs[i].percent and f.group_by is None and f.comparison in kinds:
            return j
    return None


@dataclass(frozen=True)
class _Reading:
    """What the rules decided for one figure before it becomes a Fact."""

    metric: str
    unit: str
    year: int | None
    comparison: str | None
    vs_year: int | None
    group: tuple[str, str] | None


def _anchor_fact(s: _Sent, i: int, roles: list[_Role], facts: list[Fact | None]) -> Fact | None:
    """The fact figure i depends on: its parenthesis or 'från' partner, or the nearest earlier main fact."""
    role = roles[i]
    if role.kind in ("member", "to"):
        return facts[role.anchor] if role.anchor is not None else None
    if role.kind in ("prior", "diff", "increase", "decrease", "target"):
        j = _anchor(facts, s.figures, i, (None, "from"))
        return facts[j] if j is not None else None
    return None


def _metric_unit(s: _Sent, fig: _Figure, role: _Role, a: Fact | None, topic: str | None) -> tuple[str, str] | None:
    """Metric and unit: inherited from the anchor, else read from the cues; 'mal_' before a target."""
    if a is not None and role.kind != "target":
        return a.metric, a.unit
    base = (a.metric, a.unit) if a is not None else _own_metric(s, fig, topic)
    if base is None:
        return None
    return ("mal_" + base[0], base[1]) if role.kind == "target" else base


def _timing(s: _Sent, i: int, roles: list[_Role], a: Fact | None,
            default_year: int | None) -> tuple[int | None, str | None, int | None]:
    """Year, comparison kind and compared year of figure i."""
    fig, role = s.figures[i], roles[i]
    main_year, own_year = _main_year(s, default_year), _attached_year(s, fig)
    if role.kind == "from":
        partner = next((j for j, r in enumerate(roles) if r.kind == "to" and r.anchor == i), None)
        to_year = _attached_year(s, s.figures[partner]) if partner is not None else None
        return own_year or _minus_one(to_year or main_year), "from", None
    if role.kind == "to":
        return own_year or main_year, "to", None
    if role.kind == "prior":
        return role.year or own_year or _minus_one(a.year if a else main_year), "prior", None
    if role.kind in ("diff", "increase", "decrease"):
        year = a.year if a else main_year
        vs = _vs_year(s, fig, year)
        kind = role.kind if role.kind != "diff" else (f"diff_vs_{vs}" if vs is not None else "diff")
        return year, kind, vs
    return own_year or main_year, None, None


def _read(s: _Sent, i: int, roles: list[_Role], facts: list[Fact | None], topic: str | None,
          default_year: int | None) -> _Reading | None:
    """Metric, unit, year, comparison and group of figure i, using the facts already read."""
    fig, role = s.figures[i], roles[i]
    a = _anchor_fact(s, i, roles, facts)
    metric_unit = _metric_unit(s, fig, role, a, topic)
    if metric_unit is None:
        return None
    metric, unit = metric_unit
    if role.kind == "member" and a is not None:
        return _Reading(metric, unit, a.year, a.comparison, a.vs_year, _group_after(s, fig))
    year, comparison, vs_year = _timing(s, i, roles, a, default_year)
    return _Reading(metric, unit, year, comparison, vs_year, _gender(s, fig) or _jobbtorg(s, fig))


def _fact(s: _Sent, i: int, role: _Role, r: _Reading) -> Fact:
    """Build the Fact for figure i from its reading."""
    fig = s.figures[i]
    start, end = _printed_span(s, fig, role)
    value = fig.value * role.sign if role.kind == "diff" else fig.value
    by, gv = r.group if r.group else (None, None)
    return Fact(r.metric, value, r.unit, s.doc_text[start:end], r.year, r.comparison, r.vs_year, by, gv,
                _qualifier(s.doc, fig), s.text, start, end)


def _sentence_facts(s: _Sent, topic: str | None, default_year: int | None) -> tuple[list[Fact], bool]:
    """Facts of one sentence, and whether some figure in it could not be read."""
    roles = _roles(s)
    facts: list[Fact | None] = [None] * len(s.figures)
    missed = False
    for i in range(len(s.figures)):
        r = _read(s, i, roles, facts, topic, default_year)
        if r is None:
            missed = True
            continue
        facts[i] = _fact(s, i, roles[i], r)
    return [f for f in facts if f is not None], missed


@lru_cache(maxsize=256)
def _context_topic(context: str) -> str | None:
    """The programme a heading names ('7.2 Inskrivna vid Aim, samt resultat' -> 'aim')."""
    if not context.strip():
        return None
    topics = [c.key for c in _cues(_parse(context)) if c.kind == "topic"]
    return topics[0] if topics else None


def extract_facts(text: str, default_year: int | None = None, context: str = "") -> FactResult:
    """Read the figures of a paragraph: metric, year, value, unit, comparison, group; report the rest.

    `default_year` is the report year (for figures whose sentence names none); `context` is the heading
    the text sits under, which may name the programme (Aim, Ungvux, Studiesluss) the figures belong to."""
    if not isinstance(text, str) or not _DIGIT.search(text):
        return FactResult([], [])  # no figure, year or range to read (each needs a digit): no fact, nothing unmatched
    doc = _parse(text)
    cues = _cues(doc)
    figures, years, out_of_scope = _scan(doc, {c.start for c in cues if c.kind == "group"})
    topic = _context_topic(context) if isinstance(context, str) else None
    facts, unmatched = [], []
    for s in _sentences(doc, figures, years, cues):
        topic = _topic(s, topic)
        found, missed = _sentence_facts(s, topic, default_year)
        facts.extend(found)
        if missed or any(s.start <= k < s.end for k in out_of_scope):
            unmatched.append(s.text)
    return FactResult(facts, unmatched)


# ----- labelled fields (project blocks) -----------------------------------------------------------


@dataclass(frozen=True)
class LabelledField:
    """One 'Label: value' line of a project block, parsed; `error` says why a value stayed text."""

    field: str  # budget | cofinancing | period | department | partners | funder | unknown
    label: str  # as printed
    printed: str  # the value as printed
    value: Amount | Period | tuple[str, ...] | str | None
    error: str | None = None


_LABELS: dict[str, tuple[str, ...]] = {
    "budget": ("budget", "projektets budget", "projektbudget", "total budget", "totalbudget", "total projektbudget",
               "projektets totala budget", "storlek på budget", "budget totalt", "beviljad budget",
               "budget för projektet", "totalt budgeterat"),
    "cofinancing": ("medfinansiering", "nämndens medfinansiering", "egen medfinansiering",
                    "förvaltningens medfinansiering", "kontant medfinansiering", "medfinansiering från nämnden",
                    "nämndens egen medfinansiering"),
    "period": ("projektperiod", "period", "projekttid", "tidplan", "tidsplan", "start och avslutsdatum",
               "start och slutdatum", "startdatum och slutdatum", "löptid", "projektets löptid",
               "genomförandeperiod", "start och slut"),
    "department": ("ansvarig avdelning", "avdelning", "ansvarig enhet", "projektägare", "ansvarig verksamhet",
                   "ansvarig förvaltning", "ansvarig"),
    "partners": ("samarbetspartners", "samarbetspartner", "samarbetsparter", "samarbetspart", "samverkansparter",
                 "samverkanspartners", "samverkanspart", "partners", "partner", "parter", "samarbetsparters"),
    "funder": ("finansiär", "finansiärer", "finansieras av", "finansiering", "finansieringen", "extern finansiär",
               "bidragsgivare", "finansieringskälla", "medel från"),
}
_LABEL_TO_FIELD = {label: name for name, labels in _LABELS.items() for label in labels}


def _normalise_label(label: str) -> str:
    """'Start- och avslutsdatum:' -> 'start och avslutsdatum' (case, colon, dashes, brackets, spaces)."""
    s = normalise_spaces(label).lower()
    s = re.sub(r"\(.*?\)", " ", s)
    s = s.replace("-", " ").replace("–", " ")
    return re.sub(r"\s+", " ", s).strip(" :.\t")


def field_for_label(label: str) -> str | None:
    """The field a printed label names, or None when the label is not known."""
    return _LABEL_TO_FIELD.get(_normalise_label(label))


def _parse_value(field: str, printed: str) -> tuple[Amount | Period | tuple[str, ...] | str | None, str | None]:
    """Parse a field value; on failure keep the text and the parser's error (never guess)."""
    text = normalise_spaces(printed)
    if not text:
        return None, "empty value"
    try:
        if field in ("budget", "cofinancing"):
            return parse_amount(text, default_unit="kr"), None  # a bare figure on a budget line is kronor
        if field == "period":
            return parse_period(text), None
    except ParseError as e:
        return text, str(e)
    if field == "partners":
        return tuple(p.strip() for p in re.split(r",|;| och | samt ", text) if p.strip()), None
    return text, None


_PARTNER_CLAUSE = re.compile(r"^(?P<head>[^;]+?)\s*;\s*(?:projektet\s+)?(?:samverkar|samarbetar)\s+med\s+"
                             r"(?P<partners>.+?)\.?\s*$", re.IGNORECASE)


def _split_partner_clause(field: str | None, printed: str) -> list[tuple[str | None, str]]:
    """'Jobbtorg Stockholm; projektet samverkar med utbildningsförvaltningen.' -> department + partners."""
    m = _PARTNER_CLAUSE.match(printed) if field == "department" else None
    if not m:
        return [(field, printed)]
    return [(field, m.group("head")), ("partners", m.group("partners"))]


def _add(out: dict[str, LabelledField], key: str, item: LabelledField) -> None:
    """Store a field under its key, or '<key>#2', '#3' ... when the key is taken (nothing is dropped)."""
    n, base = 2, key
    while key in out:
        key, n = f"{base}#{n}", n + 1
    out[key] = item


def extract_labelled_fields(lines: list[tuple[str, str]]) -> dict[str, LabelledField]:
    """Map a project block's (label, value) lines to budget/cofinancing/period/department/partners/funder.

    Unknown labels are kept under 'unknown:<label>', a repeated field under '<field>#2', ... so that
    nothing is dropped. A department line that also names partners ('...; projektet samverkar med X')
    gives both fields, each with its own part of the printed value."""
    out: dict[str, LabelledField] = {}
    for label, printed in lines:
        label, printed = str(label), str(printed)
        for name, part in _split_partner_clause(field_for_label(label), printed):
            key = name or f"unknown:{_normalise_label(label)}"
            value, error = _parse_value(name, part) if name else (normalise_spaces(part), None)
            _add(out, key, LabelledField(name or "unknown", label, part, value, error))
    return out
