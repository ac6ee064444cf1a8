"""Importing this module loads what extraction reads lazily: spaCy's tokenizer pipeline and stop words (~0.7 s per
process, most of it importing spaCy), the Swedish lemma store (opened, not read: parsers.text.LemmaStore), the page
readers and the section extractors (~0.2 s). The extraction workers' fork server imports it once, so every forked
child starts with them in memory instead of loading them again for each document.

The loaded models live as long as the process, so they are moved out of the garbage collector's generations
(`gc.freeze()`): full collections no longer rescan a few hundred thousand model objects in the middle of a
document (up to 0.25 s a run), and forked children do not dirty the shared pages by collecting them."""
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
