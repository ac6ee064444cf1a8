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
CLOSING_PUNCTUATION = re.compile(r"[,.;:!?)\]]")  # printed right after the word before it, never after a space


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


LEMMA_STORE_FORMAT = 1  # bump when the store's tables change: older stores are then built again


def lemma_store_path(source: Path, cache_dir: Path) -> Path:
    """Where the store of the lemma table at `source` lives in `cache_dir`: named for the source's path, size and
    modification time and the store's format, so a new table or a new format gets a store of its own."""
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{LEMMA_STORE_FORMAT}".encode()).hexdigest()[:16]
    return cache_dir / f"{source.name.split('.')[0]}-{key}.sqlite"


def build_lemma_store(table: dict[str, str], path: Path) -> None:
    """Write the lemma table (form -> lemma) and its lexicon (every form and lemma lower-cased, lemmas marked) as an
    SQLite file at `path`, atomically: a half-written store is never seen, and builders racing each other agree."""
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    words = {k.lower(): 0 for k in table}
    words.update((v.lower(), 1) for v in table.values())
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")  # a temporary file, renamed into place only once complete
        con.execute("PRAGMA synchronous = OFF")
        con.execute("CREATE TABLE forms (form TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
        con.execute("CREATE TABLE words (word TEXT PRIMARY KEY, is_lemma INTEGER NOT NULL) WITHOUT ROWID")
        con.executemany("INSERT INTO forms VALUES (?, ?)", sorted(table.items()))
        con.executemany("INSERT INTO words VALUES (?, ?)", sorted(words.items()))
        con.commit()
    finally:
        con.close()
    os.replace(tmp, path)


def read_lemma_json(source: Path) -> dict[str, str]:
    """The lemma table as spacy-lookups-data ships it (gzipped JSON, ~0.9 s to parse)."""
    import gzip
    import json

    with gzip.open(source, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def is_lemma_store(path: Path) -> bool:
    """Can the file at `path` be read as a lemma store (not missing, not truncated, not some other file)?"""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            con.execute("SELECT form, lemma FROM forms LIMIT 1").fetchall()
            con.execute("SELECT word, is_lemma FROM words LIMIT 1").fetchall()
        finally:
            con.close()
        return True
    except sqlite3.Error:
        return False


def open_lemma_store(source: Path, cache_dir: Path | None) -> "LemmaStore":
    """The store of the lemma table at `source`: the one in `cache_dir` when it is readable, else built there from
    the JSON (once per table and machine: ~3 s); without a cache folder that can be written, built in a temporary
    folder for this process."""
    if cache_dir is not None:
        path = lemma_store_path(source, cache_dir)
        if path.is_file() and is_lemma_store(path):
            return LemmaStore(path)
        try:
            build_lemma_store(read_lemma_json(source), path)
            return LemmaStore(path)
        except OSError:
            pass  # a cache folder that cannot be written: this process builds its own below
    return temporary_lemma_store(read_lemma_json(source))


def temporary_lemma_store(table: dict[str, str]) -> "LemmaStore":
    """A store of `table` in a temporary folder of its own, for this process (and the children it forks); the
    folder is removed when the process that made it exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="muni-lemmas-"))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    build_lemma_store(table, folder / "lemmas.sqlite")
    return LemmaStore(folder / "lemmas.sqlite")


class LemmaStore:
    """spaCy's Swedish lookup lemma table (660 000 forms) and the lexicon made from it, answered from an SQLite file
    one word at a time, each answer kept for the process: extraction asks about ~50 words per document, so loading
    the table into memory (0.3 s, and 0.15 s for the lexicon's sets, serial in the workers' fork server before
    the first document) cost more than all its questions. The file is opened read-only, once per process (a
    connection must not cross a fork)."""

    def __init__(self, path: Path):
        import threading

        self.path = path
        self._pid: int | None = None
        self._con = None
        self._lock = threading.Lock()
        self._lemmas: dict[str, str | None] = {}
        self._words: dict[str, int | None] = {}

    def _one(self, sql: str, key: str):
        import sqlite3

        with self._lock:
            if self._pid != os.getpid():
                self._con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                self._pid = os.getpid()
            row = self._con.execute(sql, (key,)).fetchone()
        return row[0] if row else None

    def get(self, form: str, default: str | None = None) -> str | None:
        """The lemma of `form` as the table spells the form (case matters), else `default`."""
        if form not in self._lemmas:
            self._lemmas[form] = self._one("SELECT lemma FROM forms WHERE form = ?", form)
        found = self._lemmas[form]
        return default if found is None else found

    def _word(self, word: str) -> int | None:
        if word not in self._words:
            self._words[word] = self._one("SELECT is_lemma FROM words WHERE word = ?", word)
        return self._words[word]

    def is_word(self, word: str) -> bool:
        """Is `word` a form or a lemma of the table, lower-cased?"""
        return self._word(word) is not None

    def is_lemma(self, word: str) -> bool:
        """Is `word` a lemma of the table, lower-cased?"""
        return self._word(word) == 1


@lru_cache(maxsize=1)
def swedish_lemma_store() -> LemmaStore:
    """spaCy's Swedish lookup lemmatizer's table, as spacy-lookups-data ships it (no download), in its store: word
    form -> lemma by `.get(form, default)`, as spaCy's `lemma_lookup` table holds them."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - repair then falls back to shape rules
        return temporary_lemma_store({})
    source = Path(spacy_lookups_data.__file__).parent / "data" / "sv_lemma_lookup.json.gz"
    return open_lemma_store(source, lemma_cache_dir())


class Lexicon:
    """Lower-cased Swedish word forms: `w in lexicon` is `w` being a lower-cased form or lemma of the lemma table, or
    one of spaCy's stop words (the table lacks short words: av, och, på, samt …)."""

    __slots__ = ("_store", "_stop")

    def __init__(self, store: LemmaStore, stop: frozenset[str]):
        self._store, self._stop = store, stop

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._stop or self._store.is_word(word))


class Lemmas:
    """Base forms (lemmas, lower-cased) of the lemma table: `w in lemmas`."""

    __slots__ = ("_store",)

    def __init__(self, store: LemmaStore):
        self._store = store

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._store.is_lemma(word)


@lru_cache(maxsize=1)
def swedish_lexicon() -> Lexicon:
    """Word forms (lower-cased) of spaCy's Swedish lookup lemmatizer and their lemmas, with spaCy's stop words."""
    return Lexicon(swedish_lemma_store(), stop_words())


@lru_cache(maxsize=1)
def swedish_lemmas() -> Lemmas:
    """Base forms (lemmas, lower-cased) of spaCy's Swedish lookup lemmatizer."""
    return Lemmas(swedish_lemma_store())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Swedish function words (spaCy's list, shipped with spaCy)."""
    from spacy.lang.sv.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def is_word(token: str) -> bool:
    """Is `token` a Swedish word form (spaCy's lookup lexicon)?"""
    return token.lower() in swedish_lexicon()


def join_at_space(first: str, second: str) -> str:
    """Two lines wrapped at a space, joined: with that space, unless the second starts with closing punctuation,
    which is printed right after the word before it, so the line was cut before it ('elektron' + '. media',
    held-out seed 529)."""
    return first + second if CLOSING_PUNCTUATION.match(second) else f"{first} {second}"


def join_wrapped(first: str, second: str) -> str:
    """Join two line fragments of one cell the way the reader reads them.

    `IT-` + `resurser` -> `IT-resurser`; `kompetensförsörjnings-` + `och ...` -> a real hyphen plus a
    space; `flyktingmottagand` + `e` -> one word (a mid-word cut, no hyphen printed); a line that starts with
    closing punctuation was cut before it (`elektron` + `.`: no space stands before a full stop or a comma);
    otherwise a space."""
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
        if _mid_word(left, right, joined, lone=len(b) == len(right) or b[len(right)] == " "):
            return a + b
    return join_at_space(a, b)


SINGLE_LETTER_WORDS = frozenset("iåö")  # the Swedish words of one letter; the lexicon lists every letter


def _mid_word(left: str, right: str, joined: str, lone: bool = True) -> bool:
    """Was `left|right` one word cut at the line end? Two real words stay apart; otherwise a fragment
    that is no word on its own, before a short tail or another non-word, was cut mid-word. A lone letter
    that is no Swedish word ('e', unlike 'i', 'å', 'ö') after which the whole is a word was cut too
    ('Avslutad' / 'e'); `lone`: the letter stands alone ('a)' is a list mark)."""
    if lone and len(right) == 1 and right.lower() not in SINGLE_LETTER_WORDS and is_word(joined):
        return True
    if is_word(left) and is_word(right):
        return False
    if is_word(joined):
        return True
    if right.lower() in stop_words():  # "… incidentrapportering | och …": a short function word starts anew
        return False
    if not is_word(left) and len(right) <= 3:
        return True
    return not is_word(left) and not is_word(right)


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
        out = text if not out else (join_wrapped(out, text) if out.endswith("-") else join_at_space(out, text))
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
