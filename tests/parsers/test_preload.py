"""What the extraction workers' fork server loads once for every child (parsers.preload)."""
from __future__ import annotations

import sys

import pipeline.extract
from pipeline.extract import import_extractors


def test_import_extractors_imports_each_module_and_skips_missing_ones(monkeypatch):
    monkeypatch.delitem(sys.modules, "xml.dom.minidom", raising=False)
    monkeypatch.setattr(pipeline.extract, "EXTRACTORS", {"a": "xml.dom.minidom:parseString", "b": None,
                                                         "c": "no_such_module_here:f", "d": "json:no_such_name"})
    import_extractors()  # a module that cannot be imported is left to extraction to report
    assert "xml.dom.minidom" in sys.modules

