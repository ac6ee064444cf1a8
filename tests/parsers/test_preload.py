"""parsers.preload: what the extraction workers' fork server loads once for every child."""
from __future__ import annotations

import sys


def test_preload_imports_every_section_extractor():
    import parsers.preload  # noqa: F401
    from pipeline.extract import EXTRACTORS

    modules = {spec.partition(":")[0] for spec in EXTRACTORS.values() if spec is not None}
    assert modules and modules <= set(sys.modules)
