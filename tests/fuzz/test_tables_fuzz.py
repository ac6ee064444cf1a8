"""Fuzzing table reconstruction from word boxes: the samples' real section pages, mutated (words dropped,
duplicated, moved, resized, retexted, noise words, rules and fills dropped or added), through every section
extractor, the page model's line grouping, classification and segmentation. Extractors report what they cannot
read as problems; no exception may escape them."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from extractors.classify import classify_document, segment_pages
from extractors.pages import Word, words_to_lines
from pipeline.extract import EXTRACTORS, SectionContext, SectionResult, resolve
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.mutate import mutated_page

# (document stem, section kind): every kind with an extractor in the two samples
SECTIONS = [("amn-vp-2022", k) for k in ("riskmatris", "vor", "internkontrollplan", "budget", "innovation",
                                          "infosec", "procurement", "projektbilaga")] + \
           [("amn-vb-2022", k) for k in ("ikp_followup", "investeringar", "budgetavrakning", "balansrakning",
                                          "resultatrakning", "anlaggning", "kontokontroller", "nyckeltal", "kaa")]
MAX_PAGES = 2  # the first pages of a section: enough for headers, rows and a page break, and fast


@pytest.fixture(scope="module")
def sections(sample_corpus):
    """(stem, kind) -> (pages of the section, its context), from the samples' real segmentation."""
    out = {}
    for stem, _, _, pages in sample_corpus.docs:
        info = classify_document(pages)
        for span in segment_pages(pages, info.doc_type).spans:
            sp = [p for p in pages if span.first_page <= p.number <= span.last_page][:MAX_PAGES]
            out.setdefault((stem, span.kind), (sp, SectionContext(info, span)))
    return out


def test_every_fuzzed_section_is_in_the_samples(sections):
    assert set(SECTIONS) <= set(sections)
    assert {k for _, k in SECTIONS} == {k for k, spec in EXTRACTORS.items() if spec}


HEAVY = {"vor", "kaa"}  # read prose with spaCy and a lexicon: fewer examples by default


def run_mutated(sections, stem: str, kind: str, data) -> None:
    pages, ctx = sections[(stem, kind)]
    mutated = [data.draw(mutated_page(p)) for p in pages]
    result = resolve(EXTRACTORS[kind])(mutated, ctx)
    assert isinstance(result, SectionResult)
    for problem in result.problems:
        assert problem.message


@pytest.mark.parametrize("stem,kind", [s for s in SECTIONS if s[1] not in HEAVY])
@fuzz_settings(6)
@given(data=st.data())
def test_extractors_survive_mutated_pages(sections, stem: str, kind: str, data):
    run_mutated(sections, stem, kind, data)


@pytest.mark.parametrize("stem,kind", [s for s in SECTIONS if s[1] in HEAVY])
@fuzz_settings(2)
@given(data=st.data())
def test_prose_reading_extractors_survive_mutated_pages(sections, stem: str, kind: str, data):
    run_mutated(sections, stem, kind, data)


@fuzz_settings(8)
@given(data=st.data())
def test_classification_and_segmentation_survive_mutated_pages(sample_corpus, data):
    _, _, _, pages = sample_corpus.docs[data.draw(st.integers(0, 1))]
    start = data.draw(st.integers(0, len(pages) - 4))
    mutated = [data.draw(mutated_page(p)) for p in pages[start:start + 4]]
    info = classify_document(mutated)
    seg = segment_pages(mutated, info.doc_type)
    assert all(s.first_page <= s.last_page for s in seg.spans)


boxes = st.tuples(st.floats(-1e4, 1e4, allow_nan=False), st.floats(-1e4, 1e4, allow_nan=False),
                  st.floats(0, 500, allow_nan=False), st.floats(0, 40, allow_nan=False))


@fuzz_settings(200)
@given(st.lists(st.tuples(st.text(max_size=6), boxes), max_size=60), st.floats(0, 10, allow_nan=False))
def test_words_to_lines_keeps_every_word_once(raw, tolerance: float):
    words = [Word(t, x, y, x + w, y + h) for t, (x, y, w, h) in raw]
    lines = words_to_lines(words, tolerance)
    assert sorted(id(w) for line in lines for w in line.words) == sorted(id(w) for w in words)
    for line in lines:
        assert [w.x0 for w in line.words] == sorted(w.x0 for w in line.words)
