"""Text repair for PDF line wraps, whitespace normalisation, and keys that link names across documents."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from parsers.numbers import normalise_spaces

CONJUNCTIONS = ("och", "eller", "samt", "respektive", "resp.", "som", "till")


def lemma_cache_dir() -> Path | None:
    """Where the lemma table's fast copy is kept: MUNI_CACHE_DIR, else the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache, then muni-pipeline); None when no home is known."""
    if os.environ.get("MUNI_CACHE_DIR"):
        return Path(os.environ["MUNI_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "muni-pipeline"
    try:
        return Path.home() / ".cache" / "muni-pipeline"
    except RuntimeError:  # no home directory to be found
        return None


def load_lemma_table(source: Path, cache_dir: Path | None) -> dict[str, str]:
    """The JSON table at `source` (gzipped), through a marshal copy in `cache_dir`: parsing the JSON costs ~0.9 s
    in every process that loads it (the workers' fork server before the first document, the CLI), reading the copy
    ~0.3 s. The copy is named for the source's size and modification time and the Python version (marshal's
    format follows it), written atomically, and ignored (then rewritten) when it cannot be read; no cache folder,
    or one that cannot be written, only costs the parse."""
    import gzip
    import json
    import marshal
    import sys

    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{sys.version_info[:2]}|{marshal.version}"
                         .encode()).hexdigest()[:16]
    copy = cache_dir / f"{source.name.split('.')[0]}-{key}.marshal" if cache_dir else None
    if copy is not None and copy.is_file():
        try:
            table = marshal.loads(copy.read_bytes())
            if isinstance(table, dict) and table:
                return table
        except (OSError, ValueError, EOFError, TypeError):
            pass  # unreadable: parsed again below, and the copy rewritten
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        table = json.load(fh)
    if copy is not None:
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            tmp = copy.with_name(f"{copy.name}.{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(table))
            os.replace(tmp, copy)
        except OSError:
            pass
    return table


@lru_cache(maxsize=1)
def swedish_lemma_lookup() -> dict[str, str]:
    """spaCy's Swedish lookup lemmatizer's table, word form -> lemma, as spacy-lookups-data ships it (no download;
    the same entries spaCy's `lemma_lookup` table holds, without building that table's hashed copy: ~2.5 s)."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - repair then falls back to shape rules
        return {}
    source = Path(spacy_lookups_data.__file__).parent / "data" / "sv_lemma_lookup.json.gz"
    return load_lemma_table(source, lemma_cache_dir())


class Lexicon:
    """A set of lower-cased Swedish word forms, answered from the lookup table itself: `w in lexicon` is `w` being
    a lower-cased form or lemma of the table, or a stop word. Almost every form in the table is lower-case already,
    so only the others are lower-cased into a set of their own; a set of all 660 000 forms cost ~0.6 s per process
    (the workers' fork server loads it before the first document)."""

    __slots__ = ("_table", "_others")

    def __init__(self, table: dict[str, str], others: frozenset[str]):
        self._table, self._others = table, others

    def __contains__(self, word: object) -> bool:
        return word in self._others or (word in self._table and word == word.lower())  # type: ignore[union-attr]


@lru_cache(maxsize=1)
def swedish_lexicon() -> Lexicon:
    """Word forms (lower-cased) of spaCy's Swedish lookup lemmatizer and their lemmas, with spaCy's stop words
    (the lemma table lacks short words: av, och, på, samt …)."""
    table = swedish_lemma_lookup()
    if not table:  # no lookup data installed: no lexicon (not even the stop words), as before
        return Lexicon({}, frozenset())
    upper = frozenset(k.lower() for k in table if not k.islower() and k != k.lower())
    return Lexicon(table, upper | swedish_lemmas() | stop_words())


@lru_cache(maxsize=1)
def swedish_lemmas() -> frozenset[str]:
    """Base forms (lemmas, lower-cased) of spaCy's Swedish lookup lemmatizer."""
    return frozenset(v.lower() for v in swedish_lemma_lookup().values())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Swedish function words (spaCy's list, shipped with spaCy)."""
    from spacy.lang.sv.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _is_word(w: str) -> bool:
    return w.lower() in swedish_lexicon()


def join_wrapped(first: str, second: str) -> str:
    """Join two line fragments of one cell the way the reader reads them.

    `IT-` + `resurser` -> `IT-resurser`; `kompetensförsörjnings-` + `och ...` -> a real hyphen plus a
    space; `flyktingmottagand` + `e` -> one word (a mid-word cut, no hyphen printed); otherwise a space."""
    a, b = first.rstrip(), second.lstrip()
    if not a:
        return b
    if not b:
        return a
    if a.endswith("-") and len(a) > 1 and a[-2].isalpha():  # a hyphen ends a word; "2022-02-01 -" is a dash
        nxt = b.split(" ", 1)[0].lower()
        if nxt in CONJUNCTIONS:
            return a + " " + b
        return a + b
    last = re.search(r"(\w+)$", a)
    head = re.match(r"(\w+)", b)
    if last and head and b[0].islower():
        left, right = last.group(1), head.group(1)
        joined = left + right
        if _mid_word(left, right, joined):
            return a + b
    return a + " " + b


def _mid_word(left: str, right: str, joined: str) -> bool:
    """Was `left|right` one word cut at the line end? Two real words stay apart; otherwise a fragment
    that is no word on its own, before a short tail or another non-word, was cut mid-word."""
    if _is_word(left) and _is_word(right):
        return False
    if _is_word(joined):
        return True
    if right.lower() in stop_words():  # "… incidentrapportering | och …": a short function word starts anew
        return False
    if not _is_word(left) and len(right) <= 3:
        return True
    return not _is_word(left) and not _is_word(right)


def repair_lines(lines: list[str]) -> str:
    """A cell's lines joined into running text (see join_wrapped), whitespace normalised."""
    out = ""
    for line in lines:
        out = join_wrapped(out, normalise_spaces(line)) if out else normalise_spaces(line)
    return out


def join_prose_lines(texts: list[str]) -> str:
    """Join the lines of flowing text (a heading, a comment, a paragraph): a space between lines, except
    after a line ending in a hyphen, which join_wrapped mends ('IT-' + 'resurser'). Prose wraps at
    spaces, so a line end is never read as a mid-word cut (that would glue '3825' to 'män')."""
    out = ""
    for text in (normalise_spaces(t) for t in texts):
        if not text:
            continue
        out = text if not out else (join_wrapped(out, text) if out.endswith("-") else f"{out} {text}")
    return out


def normalise_whitespace(text: str) -> str:
    return normalise_spaces(text.replace("\n", " "))


def project_key(name: str) -> str:
    """A key that links one project across lists and documents despite case, dashes, quotes and wraps.

    Letters and digits only, lower-cased, NFKC: 'Utvecklingsplattform för kombinations-\nutbildningar'
    and 'UTVECKLINGSPLATTFORM FÖR KOMBINATIONSUTBILDNINGAR' give the same key."""
    s = unicodedata.normalize("NFKC", str(name)).lower()
    s = re.sub(r"^\s*\d+\s*[a-z]?\s*[.)]\s*", "", s)  # a list number printed before the name
    return re.sub(r"[^0-9a-zåäöéüæø]", "", s)
