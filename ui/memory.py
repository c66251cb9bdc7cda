"""Handing back to the system the memory that one-off work freed.

glibc keeps the heap a burst of temporaries freed (building a tab: its module's import, its
models' schemas, its plots' first layout) for later requests of the process, and resident
memory stays at the burst's peak. malloc_trim gives the free pages back; elsewhere (macOS,
Windows, musl) there is no such call and nothing is done.

Large blocks go back by themselves once `return_large_blocks` has run: glibc maps a block of
128 kB or more on its own and unmaps it when freed, but it raises that threshold to the
largest such block freed so far, up to 32 MB. After one window grab (4 MB at 1200 x 800) every
later grab, plot image and big array came from the heap and stayed there when freed: with
every tab opened, about 6 MB of the resident memory was freed blocks.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

#: glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks from this size up are mapped on their own: a window grab, an image, a big array.
LARGE_BLOCK_BYTES = 256 * 1024
#: Free memory at the heap's top beyond this goes back at once (glibc's default is 128 kB,
#: raised with the threshold above; a megabyte spares a system call on every small swing).
TRIM_THRESHOLD_BYTES = 1024 * 1024


def _libc_function(name: str) -> Callable[..., int] | None:
    try:
        process = ctypes.CDLL(None)  # the symbols already loaded: no search for libc
    except OSError:
        return None
    found: Callable[..., int] | None = getattr(process, name, None)
    return found


_TRIM = _libc_function("malloc_trim")
_MALLOPT = _libc_function("mallopt")


def release_freed_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def return_large_blocks() -> bool:
    """Keep large blocks out of the heap for the whole process (call once, at start-up):
    each goes back to the system when freed. False where the C library has no mallopt."""
    if _MALLOPT is None:
        return False
    # Setting either value also stops glibc from raising the mapping threshold on its own.
    done = _MALLOPT(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) == 1
    return _MALLOPT(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1 and done
