"""The C loops of extractors/_textlayer.c, loaded with ctypes: each one makes a page's many small pdfium calls
(per character, per page object, per path segment) in C and fills the caller's numpy arrays.

The library is an optional extension built by `pip install` (pyproject.toml); pdfium's functions are handed to it
by address, taken from pypdfium2's own bindings, so it calls the library instance that opened the document and
needs neither pdfium's headers nor linking. Where it is not built (no C compiler), `compiled_loop` gives None and
the callers make the same calls from Python, with the same result."""
from __future__ import annotations

import ctypes
from functools import cache

import pypdfium2.raw as raw


@cache
def loops_library() -> ctypes.CDLL | None:
    """The built library, or None."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("extractors._textlayer")
        if spec is None or spec.origin is None:
            return None
        return ctypes.CDLL(spec.origin)
    except (ImportError, OSError):
        return None


def compiled_loop(name: str, pdfium_functions: tuple[str, ...], argtypes: list):
    """(the C function `name`, whose arguments are a pdfium handle, a count, the table of `pdfium_functions` it
    calls (in the order of its C struct), then `argtypes`; that table), or None when the library is not built."""
    lib = loops_library()
    if lib is None or not hasattr(lib, name):
        return None
    fn = getattr(lib, name)
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, *argtypes]
    fn.restype = ctypes.c_int
    table = type("PdfiumFunctions", (ctypes.Structure,), {"_fields_": [(f, ctypes.c_void_p) for f in pdfium_functions]})
    return fn, table(*(ctypes.cast(getattr(raw, f), ctypes.c_void_p) for f in pdfium_functions))


def address(handle) -> ctypes.c_void_p:
    """A pypdfium2 raw handle (text page, page) as the plain pointer the C loops take."""
    return ctypes.cast(handle, ctypes.c_void_p)
