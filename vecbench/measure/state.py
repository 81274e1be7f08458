"""Process state that moves a figure: pinned before measuring, then read back.

The same call can take five times longer in one process than in another
because of what ran before it. The cause measured on this project's machine
is glibc's *dynamic mmap threshold*: an allocation at or over the threshold
gets fresh pages from the kernel (a page fault per 4 KiB page on its first
touch), anything under it is carved from heap memory the process already
owns. The threshold starts at 128 KiB and rises to the size of the largest
mmapped block freed so far (at most 32 MiB), and the heap is trimmed back to
the OS past twice that. So a 512 KiB NumPy temporary faults 128 times per
call in a fresh process and not at all once the process has freed a larger
array: a NumPy sigmoid at 256x256 took 1.02 ms per call in a fresh process
and 0.51 ms after one ``np.ones(2_000_000)`` was freed.

``pin`` fixes that state for the rest of the process, in every instrument
that measures (the runner, asv's benchmark processes, pytest-benchmark):

- ``warm`` (the default) is the state a long-running program reaches: glibc's
  own ceiling of the dynamic threshold, 32 MiB, and the trim threshold at
  twice it, 64 MiB. Setting them explicitly also turns the dynamic rule off,
  so nothing freed later moves them.
- ``cold`` pins glibc's start-up values (128 KiB, 128 KiB): every temporary of
  128 KiB or more gets fresh pages, as in a process that has freed nothing
  large. A figure of its own, asked for explicitly and recorded as such.

``read_back`` does not trust the settings: it asks the allocator itself
(the chunk header's mmapped bit of probe allocations: from which size on
``malloc`` hands out fresh pages, and ``mallinfo2``'s
releasable top) so that tests and result files hold what was in force in the
measuring process. NumPy's huge-page advice for large arrays is pinned on
too (it is a process-wide switch whose default depends on the kernel).
Thread counts are set by ``machine.set_threads``; ``read_back`` reports them
as the pools themselves state them.

Only the standard library is needed at import, so that the asv suite can load
this file when it measures commits from before it existed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from typing import Any

KiB, MiB = 2**10, 2**20

#: Allocator modes: name -> (mmap threshold, trim threshold), bytes.
ALLOCATOR_MODES = {"warm": (32 * MiB, 64 * MiB), "cold": (128 * KiB, 128 * KiB)}
DEFAULT_ALLOCATOR = "warm"

#: What each mode means, for result files and the README.
MEANING = {
    "warm": "steady state of a long-running program: glibc's mmap threshold pinned at its 32 MiB ceiling "
            "(trim 64 MiB), so temporaries under 32 MiB reuse heap memory",
    "cold": "a fresh process: glibc's mmap threshold pinned at its 128 KiB start (trim 128 KiB), so every "
            "temporary of 128 KiB or more gets fresh pages",
}
#: Said of both modes in result files (``clear_heap``).
BATCHES = ("the heap's free memory is handed back before each tier's batch of calls (malloc_trim), so the free "
           "memory a batch finds at the heap's top is what its own calls freed")

# mallopt parameters, from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# bit of a chunk's size field (the word before the pointer malloc returns)
_IS_MMAPPED = 0x2


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (whose allocator this module knows), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version.restype = ctypes.c_char_p
        libc.gnu_get_libc_version()
    except (OSError, AttributeError):
        return None
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


def glibc_version() -> str | None:
    libc = _glibc()
    return libc.gnu_get_libc_version().decode() if libc else None


#: The mode pinned in this process, once ``pin_allocator`` ran.
_pinned: str | None = None


def pin_allocator(mode: str = DEFAULT_ALLOCATOR) -> str | None:
    """Set glibc's mmap and trim thresholds for ``mode``; returns the mode, or
    None where the C library is not glibc (nothing is changed there).

    Raises ``ValueError`` for an unknown mode, ``RuntimeError`` if glibc
    refuses a value.
    """
    global _pinned
    if mode not in ALLOCATOR_MODES:
        raise ValueError(f"unknown allocator mode {mode!r}; choose from {', '.join(ALLOCATOR_MODES)}")
    libc = _glibc()
    if libc is None:
        return None
    mmap_threshold, trim_threshold = ALLOCATOR_MODES[mode]
    for param, value in ((_M_MMAP_THRESHOLD, mmap_threshold), (_M_TRIM_THRESHOLD, trim_threshold)):
        if libc.mallopt(param, value) != 1:
            raise RuntimeError(f"glibc refused mallopt({param}, {value})")
    if mode == "cold":  # hand free heap memory back, or it would serve what should get fresh pages
        libc.malloc_trim(0)
    _pinned = mode
    return mode


#: Said in result files of the BLAS pool between batches (``park_blas``).
BLAS_POOL = ("OpenBLAS's worker threads are ended before each tier's batch of calls (blas_thread_shutdown_) "
             "and started again by its warm-up call, instead of waited out while they spin")

_parkers: tuple | None = None  # looked up once NumPy is loaded; () where it has no OpenBLAS
_parked = 0  # how many times ``park_blas`` ended the pools, read back into result files


def _blas_parkers() -> tuple:
    """``blas_thread_shutdown_`` of every OpenBLAS this process has loaded (found by threadpoolctl;
    looked up once NumPy is loaded, then kept)."""
    global _parkers
    if _parkers is not None:
        return _parkers
    if "numpy" not in sys.modules:
        return ()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # no way to find the libraries: nothing parked, ever
        _parkers = ()
        return _parkers
    found = []
    for info in threadpool_info():
        if info.get("internal_api") == "openblas":
            try:
                found.append(ctypes.CDLL(info["filepath"]).blas_thread_shutdown_)
            except (OSError, AttributeError):  # another build of OpenBLAS: its pool is waited out instead
                pass
    _parkers = tuple(found)
    return _parkers


def park_blas() -> int:
    """End OpenBLAS's worker threads; the next threaded BLAS call starts them
    again. Returns how many pools were parked (0 without OpenBLAS).

    After its work an OpenBLAS worker spins for about 0.1 s (2**28 cycles,
    ``OPENBLAS_THREAD_TIMEOUT``) before it sleeps, and on two cores that
    spinning thread takes a core from whatever is timed next. Waiting it
    out (``timing.quiesce``) took 30-34 s of a default run. Ended instead,
    it costs about 0.08 ms here, and the next call about 3.5 ms more to start
    the threads again, which the batch's untimed warm-up call pays: a
    400x400 matmul took 1.25-1.46 ms per call in the calls after it either
    way. Only between batches and from the thread that calls BLAS (no other
    thread of a measuring process calls it)."""
    global _parked
    parkers = _blas_parkers()
    for shutdown in parkers:
        shutdown()
    _parked += bool(parkers)
    return len(parkers)


def clear_heap() -> None:
    """Hand the heap's free memory back to the OS (glibc's ``malloc_trim(0)``;
    nothing off glibc).

    The thresholds alone do not decide where a large block comes from:
    ``malloc`` serves a request from free heap memory before it asks for
    fresh pages, so a 32 MiB output (over the mmap threshold) takes 8192
    fresh pages per call, or none when earlier kernels left 32 MiB or more
    free at the heap's top (the trim threshold lets up to 64 MiB stay).
    Measured in one run: ``relu`` numba at 2048x2048 took 15.6-16.0 ms per
    call in the passes that found the heap bare and 1.6-2.5 ms in the
    others. Every instrument calls this before a tier's batch of calls, just
    before the untimed warm-up call (``core.warm``), so the free memory a
    batch finds at the heap's top is what that tier's own calls freed, not
    what ran before it. Free memory below a live block stays the process's
    (only its pages go back, and the warm-up call touches them again), so a
    large enough hole there can still serve a large output."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _madvise_switch():
    """NumPy's process-wide switch of huge-page advice for large arrays (None if absent)."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            return None
    return _set_madvise_hugepage


def pin_numpy_hugepages() -> None:
    """Turn NumPy's huge-page advice for large arrays on (its default depends on the kernel)."""
    switch = _madvise_switch()
    if switch is not None:
        switch(True)


def numpy_hugepages() -> bool | None:
    """Whether NumPy advises huge pages for large arrays now (read, then restored)."""
    switch = _madvise_switch()
    if switch is None:
        return None
    was = bool(switch(True))
    switch(was)
    return was


def pin(allocator: str = DEFAULT_ALLOCATOR) -> dict[str, Any]:
    """Pin every piece of process state this module knows; returns ``read_back()``."""
    pin_allocator(allocator)
    pin_numpy_hugepages()
    return read_back()


def fresh_pages_from() -> int | None:
    """The smallest allocation, to 4 KiB, that ``malloc`` now serves with
    fresh pages from the OS (``None`` off glibc): the mmap threshold in
    force, unless the heap holds more free memory than that (which then
    serves). Each probe is freed at once and never touched.

    With the thresholds pinned this changes nothing. Unpinned, freeing an
    mmapped probe raises glibc's dynamic threshold, so call it only after
    ``pin_allocator``."""
    libc = _glibc()
    if libc is None:
        return None

    def mmapped(size: int) -> bool:
        ptr = libc.malloc(size)
        if not ptr:
            raise MemoryError(size)
        try:
            return bool(ctypes.c_size_t.from_address(ptr - ctypes.sizeof(ctypes.c_size_t)).value & _IS_MMAPPED)
        finally:
            libc.free(ptr)

    lo, hi = 4 * KiB, 256 * MiB  # served from the heap at lo; look for the first mmapped size
    if mmapped(lo) or not mmapped(hi):
        return None
    while hi - lo > 4 * KiB:
        # on whole 4 KiB steps: with mids between them, the answer fell anywhere within 4 KiB past the size
        # whose chunk (its 8-byte header included) reaches the threshold, e.g. 131070 bytes for 128 KiB
        mid = (lo + hi) // 2 // (4 * KiB) * (4 * KiB)
        if mmapped(mid):
            hi = mid
        else:
            lo = mid
    return hi


def heap_keeps(size: int = 8 * MiB) -> bool | None:
    """Whether the heap keeps ``size`` bytes freed at its top instead of
    trimming them back to the OS, i.e. whether the trim threshold is over
    ``size`` (``None`` off glibc, or where ``size`` would be mmapped)."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    libc.mallinfo2.restype = _Mallinfo2
    ptr = libc.malloc(size)
    if not ptr:
        raise MemoryError(size)
    if ctypes.c_size_t.from_address(ptr - ctypes.sizeof(ctypes.c_size_t)).value & _IS_MMAPPED:
        libc.free(ptr)
        return None
    ctypes.memset(ptr + size - 64, 0, 64)  # the heap really grows to hold it
    libc.free(ptr)
    return libc.mallinfo2().keepcost >= size


def threads() -> dict[str, Any]:
    """Thread counts as the pools state them: BLAS/OpenMP (threadpoolctl) and Numba."""
    out: dict[str, Any] = {}
    try:
        from threadpoolctl import threadpool_info
        pools = sorted({(p.get("user_api"), p.get("internal_api"), p.get("num_threads")) for p in threadpool_info()})
        out["pools"] = [{"user_api": u, "internal_api": i, "num_threads": n} for u, i, n in pools]
    except ImportError:
        pass
    if "numba" in sys.modules:
        import numba
        out["numba_threads"] = numba.get_num_threads()
        try:
            out["numba_threading_layer"] = numba.threading_layer()
        except ValueError:  # no parallel region has run yet: the layer is chosen on first use
            out["numba_threading_layer"] = None
    return out


#: Linux's free page reporting (a virtio balloon's): free memory in blocks of ``2**page_reporting_order``
#: pages is handed to the host, and a page touched again comes back from it at a cost of its own.
PAGE_REPORTING = "/sys/module/page_reporting/parameters"


def page_reporting() -> dict[str, Any] | None:
    """The kernel's free page reporting parameters as found (numbers as numbers; some kernels add
    counters, such as ``reported_kib``), or None where the kernel does not report free pages."""
    try:
        names = sorted(os.listdir(PAGE_REPORTING))
    except OSError:
        return None
    found: dict[str, Any] = {}
    for name in names:
        try:
            with open(os.path.join(PAGE_REPORTING, name)) as f:
                value = f.read().strip()
        except OSError:
            continue
        found[name] = int(value) if value.lstrip("-").isdigit() else value
    return found


def read_back() -> dict[str, Any]:
    """The state in force in this process, as measured, for result files."""
    mode = _pinned
    state: dict[str, Any] = {
        "allocator": {
            "mode": mode,
            "meaning": MEANING.get(mode, "not pinned: the allocator's thresholds depend on what the "
                                         "process freed before"),
            "glibc": glibc_version(),
            "pinned": ALLOCATOR_MODES.get(mode),
            "fresh_pages_from": fresh_pages_from() if mode else None,
            "keeps_8MiB_freed": heap_keeps() if mode else None,
            "batches": BATCHES if mode and glibc_version() else None,
        },
        "env": {k: os.environ[k] for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                          "GLIBC_TUNABLES") if k in os.environ},
    }
    if "numpy" in sys.modules:
        state["numpy_hugepages"] = numpy_hugepages()
    if _blas_parkers():
        state["blas_pool"] = {"between_batches": BLAS_POOL, "parked": _parked}
    reporting = page_reporting()
    if reporting is not None:
        state["page_reporting"] = reporting
    state.update(threads())
    return state
