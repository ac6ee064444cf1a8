"""Importing this module loads the language data extraction reads lazily: the Swedish lexicon and spaCy's
pipeline (about 6 s per process), and imports the section extractors (~0.1 s). The extraction workers' fork
server imports it once, so every forked child starts with them in memory instead of loading them again for each
document."""
from parsers.facts import _nlp
from parsers.text import swedish_lexicon
from pipeline.extract import import_extractors

swedish_lexicon()
_nlp()
import_extractors()
