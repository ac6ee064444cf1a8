"""Importing this module loads what extraction reads lazily: spaCy's tokenizer pipeline and stop words (~0.7 s per
process, most of it importing spaCy), the Swedish lemma store (opened, not read: parsers.text.LemmaStore), the page
readers and the section extractors (~0.2 s). The extraction workers' fork server imports it once, so every forked
child starts with them in memory instead of loading them again for each document.

The loaded models live as long as the process, so they are moved out of the garbage collector's generations
(`gc.freeze()`): full collections no longer rescan a few hundred thousand model objects in the middle of a
document (up to 0.25 s a run), and forked children do not dirty the shared pages by collecting them.

Extraction then allocates tens of thousands of small objects that live until the document is done (words, lines,
cells, records), nearly none of them in reference cycles. At the default threshold (a young collection every 700
new objects) a run over the samples spent ~0.12 s of its 1.8 s in ~270 young, ~25 middle and 2 full collections;
with a young collection every GC_YOUNG_THRESHOLD new objects it spends half that. Cyclic garbage waits a little
longer (bounded by the threshold)."""
import gc

from parsers.facts import load_prose_parser
from parsers.text import swedish_lexicon
from extractors.pages import import_page_readers
from pipeline.extract import import_extractors

swedish_lexicon()
load_prose_parser()
import_page_readers()
import_extractors()
gc.freeze()
GC_YOUNG_THRESHOLD = 20_000
gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
