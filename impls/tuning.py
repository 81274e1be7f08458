"""Helpers of the tuned tiers: prange-only parallelism, outputs in recycled memory.

``PARALLEL`` is the ``parallel=`` option of every ``numba_parallel`` tier:
only the explicit ``prange`` loops run in parallel. Numba's other automatic
rewrites (array expressions, ``np.zeros``, reductions into parallel loops)
would parallelise a few small bookkeeping lines at the price of compiling
several times longer.

A kernel that returns a new array pays for its memory the first time it
writes it. ``malloc`` hands a large buffer straight from the OS (on glibc
always from 32 MiB up, often from 128 KiB), and the OS must map and zero
every page before the kernel's first store lands: writing a 32 MiB output
into fresh memory took 6.3 ms (median; 528 page faults) on the development
machine, into memory already written 1.6 ms. NumPy pays this on every large
output, and so did the tuned tiers, which kept relu, multiply,
normalize_rows and outer below 70% of the memory bandwidth in most runs.

``recycled_empty(shape, dtype)`` is ``np.empty`` for large outputs from
``POOL``, which keeps the memory of outputs the caller has dropped and hands
it out again, as the caching allocators of GPU frameworks do. Each array
still comes back new: its memory is shared with no live array, and its
contents are garbage, as ``np.empty``'s are, until the kernel writes them.
Blocks are anonymous memory maps that start on a 2 MiB boundary, advised for
transparent huge pages (Linux), so even a first use faults once per 2 MiB,
not once per 4 KiB. At most ``KEEP_BYTES`` of dropped blocks are kept, the
most recently dropped first; the rest go back to the OS. Small outputs are
plain ``np.empty``: malloc already recycles them.

The tuned tiers are thin Python functions that take their output from
``recycled_empty`` and pass it to a private jitted body.
"""

import ctypes
import math
import mmap
import threading
import weakref
from typing import Any

import numpy as np

PARALLEL = {"prange": True, "comprehension": False, "reduction": False, "inplace_binop": False,
            "setitem": False, "numpy": False, "stencil": False, "fusion": False}

#: The ``fastmath`` flags of tuned tiers whose sums may be reassociated, as
#: BLAS's and NumPy's pairwise sums are: LLVM vectorizes a reduction only
#: when it may reorder it (``nsz``: the sign of a zero sum may differ). No
#: other fast-math liberty (no NaN/inf assumptions, no approximate functions).
REASSOC = {"reassoc", "nsz", "contract"}  # a set: what numba accepts

#: Outputs smaller than this come from plain ``np.empty`` (NumPy's huge-page threshold too).
MIN_BYTES = 4 << 20
HUGE_PAGE = 2 << 20  # a transparent huge page on x86-64 and arm64 (4 KiB base pages)
#: Most bytes of dropped outputs ``POOL`` keeps for reuse.
KEEP_BYTES = 512 << 20


class OutputPool:
    """Memory for large outputs, recycled once the arrays using it are dropped.

    A block serves one array at a time: it comes back to the pool when the
    array and every view of it are garbage. Thread-safe.
    """

    def __init__(self, keep_bytes: int = KEEP_BYTES):
        self.keep_bytes = keep_bytes
        self._free: list[tuple[int, mmap.mmap, int]] = []  # (span, map, offset), oldest dropped first
        self._lock = threading.Lock()

    @property
    def kept_bytes(self) -> int:
        """Bytes of dropped blocks kept for reuse."""
        with self._lock:
            return sum(span for span, _, _ in self._free)

    def empty(self, shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
        """A new C-ordered array of ``shape`` and ``dtype``, contents undefined."""
        dtype = np.dtype(dtype)
        count = math.prod(shape) if isinstance(shape, tuple) else int(shape)
        if count * dtype.itemsize < MIN_BYTES:  # the common small case first: it must cost next to nothing
            return np.empty(shape, dtype)
        shape = tuple(int(s) for s in shape) if isinstance(shape, tuple) else (int(shape),)
        nbytes = count * dtype.itemsize
        span = -(-nbytes // HUGE_PAGE) * HUGE_PAGE
        mapping, offset = self._take(span) or self._map(span)
        flat = np.frombuffer(mapping, dtype, count, offset)
        # flat.base, the buffer object NumPy made, ends the base chain of every
        # view of the array: it goes only after the array and all its views
        weakref.finalize(flat.base, self._give_back, span, mapping, offset).atexit = False
        return flat.reshape(shape)

    def _take(self, span: int) -> tuple[mmap.mmap, int] | None:
        with self._lock:
            for k in range(len(self._free) - 1, -1, -1):
                if self._free[k][0] == span:
                    return self._free.pop(k)[1:]
        return None

    def _give_back(self, span: int, mapping: mmap.mmap, offset: int) -> None:
        with self._lock:
            self._free.append((span, mapping, offset))
            kept = sum(s for s, _, _ in self._free)
            while kept > self.keep_bytes:  # unmapped when the last reference goes
                kept -= self._free.pop(0)[0]

    @staticmethod
    def _map(span: int) -> tuple[mmap.mmap, int]:
        """A new block: ``span`` bytes from a 2 MiB boundary, advised for huge pages."""
        if hasattr(mmap, "MAP_PRIVATE"):  # private: shared anonymous memory is shmem, without huge pages
            mapping = mmap.mmap(-1, span + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        else:
            mapping = mmap.mmap(-1, span + HUGE_PAGE)
        offset = -ctypes.addressof(ctypes.c_char.from_buffer(mapping)) % HUGE_PAGE
        if hasattr(mmap, "MADV_HUGEPAGE"):
            try:
                mapping.madvise(mmap.MADV_HUGEPAGE, offset, span)
            except OSError:  # transparent huge pages disabled: 4 KiB pages, still recycled
                pass
        return mapping, offset


#: The pool every tuned tier's large outputs come from.
POOL = OutputPool()


def recycled_empty(shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
    """``np.empty(shape, dtype)``, large ones in recycled memory (module docstring)."""
    return POOL.empty(shape, dtype)
