"""One lock for every use of pdfium in a process: pdfium is not thread-safe, not even across separate documents
(pypdfium2's documentation; two threads at once crash the process or silently corrupt its state). Extraction runs
in worker processes, but the flow's own process opens PDFs from threads too: the review page renders evidence
crops in its server's thread pool (one request per image, several at once), and Prefect runs tasks in threads.
Every function that opens a PDF with pdfium holds this lock until it has closed everything it opened, so nothing
of pdfium is left for the garbage collector to free later from another thread."""
from __future__ import annotations

import threading

PDFIUM = threading.RLock()
