"""Handing back to the system the memory that one-off work freed.

glibc keeps the heap a burst of temporaries freed (building a tab: its module's import, its
models' schemas, its plots' first layout) for later requests of the process, and resident
memory stays at the burst's peak. malloc_trim gives the free pages back; elsewhere (macOS,
Windows, musl) there is no such call and nothing is done.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _trim_function() -> Callable[[int], int] | None:
    try:
        process = ctypes.CDLL(None)  # the symbols already loaded: no search for libc
    except OSError:
        return None
    trim: Callable[[int], int] | None = getattr(process, "malloc_trim", None)
    return trim


_TRIM = _trim_function()


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
