"""Helpers of the tuned tiers: prange-only parallelism, outputs on huge pages.

``PARALLEL`` is the ``parallel=`` option of every ``numba_parallel`` tier:
only the explicit ``prange`` loops run in parallel. Numba's other automatic
rewrites (array expressions, ``np.zeros``, reductions into parallel loops)
would parallelise a few small bookkeeping lines at the price of compiling
several times longer.

A kernel that returns a new array pays for its pages the first time it
writes them: the kernel faults each page in and zeroes it. With 4 KiB pages
an 80 MB output costs some 20,000 page faults, more time than streaming the
data. NumPy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``)
on every large allocation, so its outputs fault in 2 MiB at a time; Numba
allocates with plain ``malloc`` and does not. ``advise_hugepages(A)`` makes
the same request for an array a tier has just allocated, before it is first
written; it is a no-op for small arrays, off Linux, and where transparent
huge pages are disabled (``madvise`` then fails harmlessly).

The hint covers only whole 2 MiB-aligned stretches of the buffer: ``malloc``
returns large buffers a few bytes past a page boundary, not a 2 MiB one, so
up to 2 MiB in all, at the ends, still faults in 4 KiB at a time: some 500
faults for any large output (NumPy's own outputs included), against one per
2 MiB for the rest. ``empty_on_huge_pages``
allocates 2 MiB more than asked and hands out the part that starts on a
2 MiB boundary; the spare part is never touched, so it costs address space,
not memory.

``madvise`` is declared by symbol name (``types.ExternalFunction``), not as
a ctypes pointer, so the tiers that call it can still be cached by Numba.
"""

import sys

import numpy as np
from numba import types
from numba.extending import register_jitable

PARALLEL = {"prange": True, "comprehension": False, "reduction": False, "inplace_binop": False,
            "setitem": False, "numpy": False, "stencil": False, "fusion": False}

#: The ``fastmath`` flags of tuned tiers whose sums may be reassociated, as
#: BLAS's and NumPy's pairwise sums are: LLVM vectorizes a reduction only
#: when it may reorder it (``nsz``: the sign of a zero sum may differ). No
#: other fast-math liberty (no NaN/inf assumptions, no approximate functions).
REASSOC = {"reassoc", "nsz", "contract"}  # a set: what numba accepts

#: Arrays smaller than this are left alone (NumPy's threshold too).
MIN_BYTES = 4 << 20
PAGE = 4096
HUGE_PAGE = 2 << 20  # a transparent huge page on x86-64 and arm64 (4 KiB base pages)
MADV_HUGEPAGE = 14  # <sys/mman.h> on Linux

if sys.platform.startswith("linux"):
    _madvise = types.ExternalFunction("madvise", types.int32(types.uintp, types.uintp, types.int32))

    @register_jitable
    def advise_hugepages(A):
        """Ask for huge pages under ``A``'s buffer (call before writing ``A``); returns ``A``."""
        nbytes = A.size * A.itemsize
        if nbytes >= MIN_BYTES:
            start = A.ctypes.data
            aligned = (start + PAGE - 1) & ~(PAGE - 1)  # madvise wants a page-aligned start
            _madvise(aligned, start + nbytes - aligned, MADV_HUGEPAGE)
        return A

    @register_jitable
    def empty_on_huge_pages(shape, like):
        """``np.empty(shape, like.dtype)`` starting on a 2 MiB boundary, advised
        for huge pages (module docstring); small arrays are plain ``np.empty``."""
        size = 1
        for s in shape:
            size *= s
        nbytes = size * like.itemsize
        if nbytes < MIN_BYTES:
            return np.empty(shape, like.dtype)
        buf = np.empty(size + HUGE_PAGE // like.itemsize, like.dtype)
        start = buf.ctypes.data
        skip = (((start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) - start) // like.itemsize
        _madvise(start + skip * like.itemsize, nbytes, MADV_HUGEPAGE)
        return buf[skip:skip + size].reshape(shape)
else:
    @register_jitable
    def advise_hugepages(A):
        """No-op: transparent huge pages are a Linux feature."""
        return A

    @register_jitable
    def empty_on_huge_pages(shape, like):
        """``np.empty(shape, like.dtype)``: transparent huge pages are a Linux feature."""
        return np.empty(shape, like.dtype)
