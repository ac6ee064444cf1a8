"""pdfium is not thread-safe, not even across documents: the functions that open PDFs with it (the page reader,
the first look, page images) hold one lock from opening to closing, so the flow's process may call them from
several threads at once — the review page renders evidence crops in its server's thread pool."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pypdfium2

from extractors.pages import read_pages
from extractors.pdf import inspect_pdf
from extractors.render import render_page_image
from tests.conftest import SAMPLES

VP, VB = SAMPLES / "pdfs" / "amn-vp-2022.pdf", SAMPLES / "pdfs" / "amn-vb-2022.pdf"


def job(i: int):
    if i % 3 == 0:
        return render_page_image(VB, 1 + i % 80, 0.5).tobytes()
    if i % 3 == 1:
        return inspect_pdf(VP).page_count
    return [w.text for p in read_pages(VP, [1 + i % 50]) for w in p.words]


def test_no_two_threads_hold_a_pdfium_document_at_once_and_results_are_as_one_at_a_time(monkeypatch):
    real = pypdfium2.PdfDocument
    guard = threading.Lock()
    state = {"open": 0, "most": 0}

    class Counted(real):  # every document opened through pypdfium2, counted from opening to closing
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            with guard:
                state["open"] += 1
                state["most"] = max(state["most"], state["open"])
            time.sleep(0.01)  # widen the window another thread would use
            self._counted = True

        def close(self):
            if getattr(self, "_counted", False):
                self._counted = False
                with guard:
                    state["open"] -= 1
            super().close()

    monkeypatch.setattr(pypdfium2, "PdfDocument", Counted)
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(job, range(36)))
    assert state == {"open": 0, "most": 1}
    assert together == [job(i) for i in range(36)]
