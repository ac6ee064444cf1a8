"""What a document is (VP/VB, year, committee, title) and which section each page belongs to, from content.

Never from the file name. Each section kind has weighted text signatures; a page takes the kind with the
strongest signature, a page with no strong signature continues the section before it when that section
flows over pages (prose, long tables), and anything else is recorded as `unrecognised` with its first line.
"""
from __future__ import annotations

import re
import re._parser as sre_parse
from collections import Counter
from dataclasses import dataclass, field

from extractors.pages import Page

# kind -> [(regex, weight)]; a title-like pattern weighs 3, a vocabulary pattern 1
SIGNATURES: dict[str, list[tuple[str, float]]] = {
    "intern_kontroll": [(r"system för intern kontroll", 3), (r"beskrivning av arbetet med intern kontroll", 3),
                        (r"\bintern ?kontroll", 1), (r"kommunallagen", 1), (r"riktlinjer", 0.5)],
    "riskmatris": [(r"riskmatris", 3), (r"totalt: ?\d+", 2), (r"\bkritisk\b", 1), (r"\bmedium\b", 1),
                   # the scale key printed with the matrix (it may spill onto the next page)
                   (r"^\d mycket sannolikt", 1), (r"^\d mindre sannolikt", 1), (r"^\d osannolikt", 1), (r"försumbar", 1),
                   (r"lindrig$", 1)],
    "vor": [(r"oönskad händelse", 2), (r"sannolikhet", 1), (r"konsekvens", 1), (r"\bikp\b", 1),
            (r"nej, endast vor", 2), (r"kf:s mål", 1)],
    "internkontrollplan": [(r"^internkontrollplan", 3), (r"kontrollaktivitet", 2), (r"systematisk kontroll", 2)],
    "ikp_followup": [(r"bedömning av nämndens interna kontroll", 4), (r"uppföljning av nämndens internkontrollplan", 4),
                     (r"^process: ", 2), (r"kontrollaktivitet", 1)],
    "budget": [(r"nämndens budget/ ?verksamhetsplan", 3), (r"driftverksamhet", 2), (r"investeringsbudget", 3),
               (r"ursprungliga budget", 1)],
    "empty_form": [(r"resultatenhet", 3), (r"verksamhetsprojekt", 3), (r"avveckling/omstrukturering av lokaler", 3),
                   (r"uppgiftslämnare", 1)],
    "investeringar": [(r"^investeringar", 2), (r"inventarier och maskiner", 3), (r"uppföljning av budget \d{4}", 1)],
    "innovation": [(r"innovationssatsning", 3), (r"typ av innovation", 2)],
    "infosec": [(r"baskrav för informationssäkerhet", 4), (r"informationssäkerhet", 1),
                (r"förvaltningschef/bolag\w* ?har tillsett", 4), (r"baskrav", 1)],
    "procurement": [(r"plan för upphandling", 4), (r"kategoriträd|kategorträd", 2), (r"upphandling", 1)],
    "kompetensforsorjning": [(r"^kompetensförsörjning", 3), (r"kompetensförsörjning", 1.5), (r"bemanning", 1),
                             (r"kompetensutveckling", 1), (r"attrahera", 1), (r"anställ", 0.5), (r"medarbetare", 0.5), (r"rekryter", 0.5), (r"\bchef", 0.3)],
    "extremism": [(r"^våldsbejakande extremism", 4), (r"extremism", 1), (r"radikalisering", 1)],
    "projektbilaga": [(r"^projektbilaga", 4), (r"medfinansiering", 1.5), (r"projektperiod|projektets budget|projektbudget",
                                                                          1.5),
                      (r"start- ?och avslutsdatum", 1.5), (r"ansvarig avdelning", 1)],
    "naringsliv": [(r"uppföljningsrapport näringsliv", 4), (r"näringsliv", 1)],
    "budgetavrakning": [(r"budgetavräkning", 4), (r"nämndens utfall", 1)],
    "balansrakning": [(r"^balansräkning", 4), (r"\bib 20\d{4}", 2), (r"anläggningstillgångar", 1)],
    "resultatrakning": [(r"^resultaträkning", 4), (r"verksamhetens (intäkter|kostnader)", 1)],
    "anlaggning": [(r"anläggningsinformation", 4), (r"rörelsekapital", 3)],
    "kontokontroller": [(r"kontokontroller", 4), (r"stadkonto", 2), (r"felsökning", 1)],
    "dataskydd": [(r"dataskydd", 2), (r"personuppgift", 1), (r"dataskyddsombud", 2), (r"behandling", 0.5)],
    "nyckeltal": [(r"nyckeltal", 3), (r"täljare|nämnare", 2), (r"gulmarkerad ruta", 2)],
    "kaa": [(r"aktivitetsansvar", 3), (r"\bkaa\b", 2), (r"ungdomar", 0.5), (r"jobbtorg", 0.5)],
}
# kinds whose content flows over several pages with no new title
# kinds that belong to one document type; the other type's kinds are discounted
VP_KINDS = {"intern_kontroll", "riskmatris", "vor", "internkontrollplan", "budget", "procurement",
            "kompetensforsorjning", "extremism"}
VB_KINDS = {"ikp_followup", "investeringar", "naringsliv", "budgetavrakning", "balansrakning", "resultatrakning",
            "anlaggning", "kontokontroller", "dataskydd", "nyckeltal", "kaa"}
FLOWING = {"intern_kontroll", "vor", "internkontrollplan", "ikp_followup", "innovation", "infosec", "procurement",
           "kompetensforsorjning", "extremism", "projektbilaga", "naringsliv", "balansrakning", "resultatrakning",
           "anlaggning", "kontokontroller", "dataskydd", "nyckeltal", "kaa", "empty_form", "budget"}
MIN_SCORE = 3.0


@dataclass(frozen=True)
class Signature:
    """One signature pattern, compiled, with the plain text every match of it contains (see `required_text`)."""

    regex: re.Pattern
    weight: float
    required: str

    def found_in(self, text: str) -> bool:
        return self.required in text and self.regex.search(text) is not None


def required_text(pattern: str) -> str:
    """The longest run of plain characters in the top-level sequence of `pattern` (every match contains it;
    '' when there is none): a cheap `in` test rules most pages out before the regex scans them."""
    runs, run = [""], ""
    for op, arg in sre_parse.parse(pattern):
        if op is sre_parse.LITERAL:
            run += chr(arg)
        else:
            runs.append(run)
            run = ""
    return max([*runs, run], key=len)


def compile_signatures(signatures: dict[str, list[tuple[str, float]]]) -> dict[str, list[Signature]]:
    return {kind: [Signature(re.compile(p, re.MULTILINE), w, required_text(p)) for p, w in patterns]
            for kind, patterns in signatures.items()}


COMPILED_SIGNATURES = compile_signatures(SIGNATURES)


@dataclass(frozen=True)
class DocumentInfo:
    """What the document says it is."""

    doc_type: str | None  # 'VP' | 'VB' | None (not a VP/VB)
    year: int | None
    committee: str | None
    title: str | None
    evidence: str  # the words that decided


@dataclass
class SectionSpan:
    """A run of pages of one section kind."""

    kind: str
    first_page: int
    last_page: int
    title: str = ""


@dataclass
class Segmentation:
    pages: dict[int, str]  # page number -> kind ('unrecognised' when nothing fits)
    spans: list[SectionSpan]
    unrecognised: list[tuple[int, str]] = field(default_factory=list)  # (page, first line)


def page_scores(text: str, top_lines: int = 6) -> tuple[dict[str, float], dict[str, float]]:
    """(vocabulary score over the whole page, title score over its first lines) of every kind.

    A title pattern (weight ≥ 3) counts as a title only near the top of the page, where headings are:
    the same words deeper in running text are vocabulary."""
    low = text.lower()
    return {kind: signature_score(low, kind) for kind in COMPILED_SIGNATURES}, title_scores(text, top_lines)


def signature_score(low: str, kind: str, min_weight: float = 0.0) -> float:
    """The summed weights of the signatures of `kind` (of at least `min_weight`) found in lower-cased text."""
    return sum(s.weight for s in COMPILED_SIGNATURES[kind] if s.weight >= min_weight and s.found_in(low))


TABLE_ROW_END = re.compile(r"\d,\d+\s*$")  # a line ending in an amount with decimals ('… rörelsekapital -5 800 265,00')


def title_scores(text: str, top_lines: int = 6) -> dict[str, float]:
    """The title score of every kind: its title patterns (weight ≥ 3) found in the page's first `top_lines` lines.
    A line ending in an amount is a table row, not a title: a sheet's row label continued from the page before
    names no new section (held-out seed 51: 'Årets förändring av anläggnings- och rörelsekapital -5 800 265,00' atop a
    page of the account controls). A title wrapped over two lines counts as printed on one (held-out seed 17:
    'Redovisning av grundläggande baskrav för' / 'informationssäkerhet'). A line that starts in lower case goes on
    with the sentence above it and is no title ('internkontrollplanen. Nämnden bedömer …' atop a page of the
    internal-control prose, seeds 44 and 46)."""
    lines = [ln for ln in text.splitlines()[:top_lines] if not TABLE_ROW_END.search(ln)]
    heads = [ln for ln in lines if not continues_sentence(ln)]
    wrapped = [a + " " + b for a, b in zip(lines, lines[1:]) if not continues_sentence(a)]
    top = "\n".join(heads + wrapped).lower()
    return {kind: signature_score(top, kind, min_weight=3) for kind in COMPILED_SIGNATURES}


def continues_sentence(line: str) -> bool:
    """Does a printed line start in lower case (the rest of a sentence wrapped from the line above)?"""
    return line.lstrip()[:1].islower()


def numbers_all_zero(text: str) -> bool:
    """A template form printed full of 0,0: many figures and every one of them zero."""
    figures = re.findall(r"(?<![\d,])-?\d[\d ]*,\d+", text)
    return len(figures) >= 10 and all(re.fullmatch(r"-?0+,0+", f.replace(" ", "")) for f in figures)


RUNNING_HEADER = re.compile(r"(Tjänsteutlåtande|Sid \d+ \(\d+\)|\S+nämnden|\d+)")


def body_text(page: Page) -> str:
    """Page text without the running header lines (committee name, 'Tjänsteutlåtande', 'Sid N (M)')."""
    return lines_to_body_text([ln.text for ln in page.lines()])


def lines_to_body_text(lines: list[str]) -> str:
    """A page's line texts joined, without the running header lines (see body_text)."""
    return "\n".join(l for l in lines if not RUNNING_HEADER.fullmatch(l.strip()))


def choose_kind(vocab: dict[str, float], title: dict[str, float], previous: str | None, has_text: bool,
                new_style: bool) -> str:
    """The section kind of a page given its scores, the section before it, and whether its page style
    (orientation, running header, body type size) differs from the page before (see module docstring)."""
    titled = [k for k, v in title.items() if v >= 3]
    if titled:
        return max(titled, key=lambda k: (title[k] + vocab[k]))
    best = max(vocab, key=vocab.get)
    if new_style and vocab[best] >= 2.5 and (best == previous or vocab[best] > vocab.get(previous, 0) + 2):
        return best  # a section without a printed title, recognised by its words where the layout changes
    if previous in FLOWING and has_text:
        prev = vocab.get(previous, 0)
        if best != previous and vocab[best] >= 6 and vocab[best] >= prev + 5:
            return best
        return previous
    return best if vocab[best] >= MIN_SCORE else "unrecognised"


def page_style(page: Page) -> tuple:
    """What a reader sees change between sections: orientation, the appendix header, body type size."""
    sizes = sorted(round(w.size) for w in page.words) or [0]
    has_header = any(w.text == "Tjänsteutlåtande" for w in page.words if w.top < 60)
    return (page.landscape, has_header, sizes[len(sizes) // 2])


HEADER_LINES = 3  # a table header repeated on the next page stood within the first lines of the page before


def repeats_header(head: str, previous_top: list[str], kind: str) -> bool:
    """Does a page open with a line that the page before printed within its first lines, in the words of the
    section `kind` (a table header repeated over its pages)? Held-out seed 867: its VoR pages were so narrow that
    'Oönskad händelse' and 'Nej, endast VoR' wrapped, the pages' VoR words scored 4, and a risk's process cut as
    'Kompetensförsörjningsp' / 'lan' on the page's fourth line was taken for that section's title (21 risks lost)."""
    return bool(head) and head in previous_top and signature_score(head.lower(), kind) >= 2


def segment_pages(pages: list[Page], doc_type: str | None = None) -> Segmentation:
    """Assign every page a section kind (see module docstring); `doc_type` discounts the other type's kinds."""
    other = VB_KINDS if doc_type == "VP" else VP_KINDS if doc_type == "VB" else set()
    kinds: dict[int, str] = {}
    unrecognised: list[tuple[int, str]] = []
    previous: str | None = None
    previous_style = None
    previous_top: list[str] = []
    for page in pages:
        text = body_text(page)
        style = page_style(page)
        vocab, title = page_scores(text)
        top_lines = [ln.strip() for ln in text.strip().splitlines()[:HEADER_LINES]]
        if previous in FLOWING and style == previous_style and (
                vocab[previous] >= 6 or repeats_header(top_lines[0] if top_lines else "", previous_top, previous)):
            # the page goes on under its section's table header: a title must open the page, not sit in a table
            # cell under that header ('Kompetensförsörjning' as a risk's goal, held-out variant 36)
            title = title_scores(text, top_lines=1)
        previous_top = top_lines
        for k in other:
            vocab[k] *= 0.5
            title[k] *= 0.5
        if page.fills and len({f.colour for f in page.fills}) >= 3 and re.search(r"totalt: ?\d+", text.lower()):
            title["riskmatris"] += 3
        continues = previous in FLOWING and vocab[previous] >= 2 and max(title.values(), default=0) < 3
        if numbers_all_zero(text) and not continues:
            # a form printed full of 0,0; not an untitled page of the section before whose last rows are all zero
            # (a balance sheet's page of two VAT accounts under its repeated 'IB 2022..' header)
            title["empty_form"] += 3
        top = "\n".join(text.lower().splitlines()[:3])
        if re.search(r"^fotnoter", top, re.MULTILINE) and previous:
            kind = previous  # footnotes end the section they belong to; they never start one
        elif not text.strip() and previous:
            kind = previous  # a blank page inside a section
        else:
            # a form's contact line opens a new form page even where the page style does not change
            new_style = style != previous_style or bool(re.search(r"^vid frågor kontakta", top, re.MULTILINE))
            kind = choose_kind(vocab, title, previous, bool(text.strip()), new_style)
        previous_style = style
        if kind == "unrecognised":
            unrecognised.append((page.number, page.first_line()))
        kinds[page.number] = kind
        previous = kind if kind != "unrecognised" else previous
    spans: list[SectionSpan] = []
    for number in sorted(kinds):
        kind = kinds[number]
        if spans and spans[-1].kind == kind and spans[-1].last_page == number - 1:
            spans[-1].last_page = number
        else:
            spans.append(SectionSpan(kind, number, number))
    return Segmentation(kinds, spans, unrecognised)


VP_MARKERS = (r"verksamhetsplan (20\d\d)", r"budget/ ?verksamhetsplan (20\d\d)", r"\bvp (20\d\d)")
VB_MARKERS = (r"verksamhetsberättelse (20\d\d)", r"bilaga till vb (20\d\d)", r"\bvb (20\d\d)",
              r"uppföljning av budget (20\d\d) - verksamhetsberättelse")


def classify_document(pages: list[Page], metadata_title: str | None = None) -> DocumentInfo:
    """Document type, year, committee and title from what the pages print (and the PDF's own title)."""
    line_texts = [[ln.text for ln in p.lines()] for p in pages[:60]]
    text = "\n".join(lines_to_body_text(lines) for lines in line_texts).lower()
    full = "\n".join("\n".join(lines) for lines in line_texts)  # each page's Page.text
    vp = Counter(m for pat in VP_MARKERS for m in re.findall(pat, text))
    vb = Counter(m for pat in VB_MARKERS for m in re.findall(pat, text))
    if metadata_title:
        for pat in VP_MARKERS:
            vp.update(re.findall(pat, metadata_title.lower()))
        for pat in VB_MARKERS:
            vb.update(re.findall(pat, metadata_title.lower()))
    n_vp, n_vb = sum(vp.values()), sum(vb.values())
    committees = Counter(re.findall(r"\b([A-ZÅÄÖ][a-zåäö]+nämnden)\b", full))
    committee = committees.most_common(1)[0][0] if committees else None
    if n_vp == 0 and n_vb == 0:
        return DocumentInfo(None, None, committee, metadata_title, "no VP/VB marker on the pages")
    doc_type, years = ("VP", vp) if n_vp > n_vb else ("VB", vb)
    year = int(years.most_common(1)[0][0])
    title = metadata_title or f"{committee or ''} {doc_type} {year}".strip()
    return DocumentInfo(doc_type, year, committee, title,
                        f"{n_vp} VP markers, {n_vb} VB markers; year {year} ×{years[str(year)]}")
