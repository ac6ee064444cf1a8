"""Importing this module loads the models extraction reads lazily (the Swedish lexicon and spaCy's pipeline).

Imported in the extraction workers' fork server (bench.run's "preloaded" throughput figure), so every forked
child starts with them in memory instead of loading them again: what pipeline/workers.py's PRELOAD would do
if it named this step.
"""
from parsers.facts import _nlp
from parsers.text import swedish_lexicon

swedish_lexicon()
_nlp()
