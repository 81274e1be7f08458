"""The machine's ceilings: sustained memory bandwidth and peak FLOP/s.

A kernel's speed means little until it is set against what the machine can
do. ``vecbench roofline`` measures, in one run of a few seconds, the two roofs
of the roofline model, each with one thread and with all threads:

Memory bandwidth (STREAM-style)
    Numba ``prange`` kernels over float64 arrays, each array at least four
    times the last-level cache (STREAM's rule, so no pass is served from
    cache): ``copy`` (``a[i] = b[i]``), ``triad`` (``a[i] = b[i] + s *
    c[i]``), ``read`` (a sum over ``a``, reassociated so it vectorizes:
    what read-only kernels such as dot or gdot do) and ``write`` (``a[i] =
    s``: what a kernel that only writes, such as outer, can reach). Bytes are
    counted the STREAM way, and the way every kernel's cost model counts
    them: each array read once, each written once (copy 16 B per element,
    triad 24 B, read and write 8 B), ignoring the write-allocate read the
    cache adds before a store, which is why reading alone is fastest.
    Arrays are first touched by the same parallel loops (pages land near
    the threads that use them).
    Each kernel runs once untimed, then ``BANDWIDTH_REPS`` times; the best
    (shortest) repetition is the ceiling, as in STREAM, and the median is
    kept beside it to show the noise. The bandwidth roof is the best of the
    four: an upper bound for any kernel, reachable by read-only ones.

Peak FLOP/s
    ``np.matmul`` of two square matrices (BLAS dgemm/sgemm, ``2 n^3`` flops)
    in float64 and float32. ``n`` starts at ``GEMM_MIN_N`` and doubles until
    one product takes ``GEMM_TARGET_SECONDS`` (within ``GEMM_MAX_N`` and
    ``GEMM_MAX_SECONDS``), so
    a fast machine is not measured on a matrix too small to keep its cores
    busy; then best of ``GEMM_REPS``. BLAS threads are set with threadpoolctl
    and read back, Numba threads with ``numba.set_num_threads``; both are
    restored afterwards.

"All threads" is the CPUs this process may run on (its affinity mask),
capped by what Numba and the BLAS were started with. The environment is never
changed: ``OPENBLAS_CORETYPE`` (which picks OpenBLAS's kernels and can slow
them) and the thread variables are recorded as found, with threadpoolctl's
view of the BLAS (library, version, architecture, threading layer).

Beside the roofs, ``vecbench.ceilings.vectormath`` records how this build evaluates
exp/log/tanh (NumPy's SIMD target, Numba's IR and assembly): the reason the
kernels built on them sit below the bandwidth roof.

Ceilings are stored by ``vecbench.ceilings.store`` in ``results/ceilings.json``, one
entry per machine fingerprint, so ``vecbench run`` can attach them to its
results and ``vecbench report`` can draw them. On a shared machine the figures
are as noisy as the neighbours: compare ratios within one run, not across days.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba import njit, prange
from threadpoolctl import ThreadpoolController

from impls.tuning import PARALLEL, REASSOC
from vecbench.ceilings import vectormath
from vecbench.ceilings.store import SCHEMA, fingerprint

#: STREAM's rule: each array at least 4x the last-level cache.
LLC_MULTIPLE = 4
#: Used when the cache size cannot be read (and as a floor).
MIN_ARRAY_BYTES = 128 * 2**20
BANDWIDTH_REPS = 6
GEMM_MIN_N = 256
GEMM_MAX_N = 4096
GEMM_TARGET_SECONDS = 0.05
#: Never double into a product predicted (8x the last) to take longer than this.
GEMM_MAX_SECONDS = 0.3
GEMM_REPS = 3

#: Environment variables that change what BLAS or Numba do; recorded as found.
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER")

#: (name, float64 arrays touched, bytes counted per element)
STREAM_KERNELS = (("copy", 2, 16), ("triad", 3, 24), ("read", 1, 8), ("write", 1, 8))


# -- the STREAM kernels --------------------------------------------------------

@njit(parallel=PARALLEL, cache=True)
def _fill(a, value):
    for i in prange(a.size):
        a[i] = value


@njit(parallel=PARALLEL, cache=True)
def _copy(a, b):
    for i in prange(a.size):
        a[i] = b[i]


@njit(parallel=PARALLEL, cache=True)
def _triad(a, b, c, s):
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


@njit(parallel=PARALLEL, fastmath=REASSOC, cache=True)
def _read(a):
    total = 0.0
    for i in prange(a.size):  # a sum whose order may change, so it vectorizes
        total += a[i]
    return total


# -- the machine ---------------------------------------------------------------

def llc_bytes() -> int | None:
    """Size of the largest (last-level) cache of CPU 0, from sysfs."""
    best = None
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(size[-1:], 1)
        value = int(size.rstrip("KMG")) * scale if size.rstrip("KMG").isdigit() else None
        if value and (best is None or value > best):
            best = value
    return best


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def blas_config() -> dict[str, Any]:
    """threadpoolctl's view of the BLAS NumPy uses (first BLAS found)."""
    for info in ThreadpoolController().select(user_api="blas").info():
        keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads", "prefix")
        return {k: info.get(k) for k in keys}
    return {"internal_api": None}


def describe_machine() -> dict[str, Any]:
    """What the ceilings belong to, and the fingerprint that names it."""
    machine = {
        "cpu": cpu_model(),
        "arch": platform.machine(),
        "cpus": usable_cpus(),
        "llc_bytes": llc_bytes(),
        "memory_bytes": memory_bytes(),
        "blas": blas_config(),
        "env": {k: os.environ.get(k) for k in ENV_VARS},
    }
    return {"fingerprint": fingerprint(machine), **machine}


# -- measuring -----------------------------------------------------------------

def _timed(fn: Callable[[], Any], reps: int) -> list[float]:
    seconds = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def _record(name: str, kind: str, threads: int, work: float, seconds: list[float], **extra: Any) -> dict:
    best = min(seconds)
    return {"name": name, "kind": kind, "threads": threads, "value": work / best,
            "unit": "B/s" if kind == "bandwidth" else "FLOP/s",
            "best_seconds": best, "median_seconds": statistics.median(seconds),
            "reps": len(seconds), **extra}


def measure_bandwidth(thread_counts: list[int], array_bytes: int, reps: int = BANDWIDTH_REPS) -> list[dict]:
    """STREAM copy, triad, read and write at each thread count (Numba threads)."""
    n = array_bytes // 8
    a, b, c = np.empty(n), np.empty(n), np.empty(n)
    previous = numba.get_num_threads()
    records = []
    try:
        for threads in thread_counts:
            numba.set_num_threads(threads)
            for arr, value in ((a, 1.0), (b, 2.0), (c, 0.5)):
                _fill(arr, value)  # first touch by the threads that will stream it
            calls = {"copy": lambda: _copy(a, b), "triad": lambda: _triad(a, b, c, 3.0), "read": lambda: _read(b),
                     "write": lambda: _fill(a, 3.0)}
            for name, arrays, per_element in STREAM_KERNELS:
                calls[name]()  # untimed: compile or load from cache, fault pages in
                seconds = _timed(calls[name], reps)
                records.append(_record(name, "bandwidth", threads, per_element * n, seconds,
                                       array_bytes=8 * n, arrays=arrays))
    finally:
        numba.set_num_threads(previous)
    return records


def measure_gemm(thread_counts: list[int], dtypes: tuple[str, ...] = ("float64", "float32"),
                 reps: int = GEMM_REPS) -> list[dict]:
    """Best-of-``reps`` BLAS matmul FLOP/s per dtype and thread count."""
    controller = ThreadpoolController()
    rng = np.random.default_rng(0)
    records = []
    for dtype in dtypes:
        for threads in thread_counts:
            with controller.limit(limits=threads, user_api="blas"):
                actual = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
                n = GEMM_MIN_N
                while True:
                    A = rng.standard_normal((n, n)).astype(dtype)
                    B = rng.standard_normal((n, n)).astype(dtype)
                    first = _timed(lambda: np.matmul(A, B), 1)[0]  # also wakes the BLAS threads
                    if first >= GEMM_TARGET_SECONDS or n >= GEMM_MAX_N or 8 * first > GEMM_MAX_SECONDS:
                        break
                    n *= 2
                seconds = _timed(lambda: np.matmul(A, B), reps)
            name = {"float64": "dgemm", "float32": "sgemm"}[dtype]
            records.append(_record(name, "flops", threads, 2.0 * n**3, seconds, dtype=dtype, n=n,
                                   blas_threads=actual[0] if actual else None))
    return records


def thread_counts() -> list[int]:
    """One thread, and all the threads this process may use."""
    blas = blas_config().get("num_threads") or 1
    everything = max(1, min(usable_cpus(), numba.config.NUMBA_NUM_THREADS, max(blas, 1)))
    return sorted({1, everything})


def measure() -> dict[str, Any]:
    """Measure every ceiling on this machine; a few seconds."""
    machine = describe_machine()
    counts = thread_counts()
    array_bytes = max(LLC_MULTIPLE * (machine["llc_bytes"] or 0), MIN_ARRAY_BYTES)
    started = time.perf_counter()
    records = measure_bandwidth(counts, array_bytes) + measure_gemm(counts)
    return {
        "schema": SCHEMA,
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "machine": machine,
        "versions": {"numpy": np.__version__, "numba": numba.__version__, "python": platform.python_version()},
        "threads": {"single": 1, "all": max(counts)},
        "ceilings": records,
        "vector_math": {"numpy": vectormath.numpy_dispatch(), "numba": vectormath.numba_probe()},
    }


# -- vecbench roofline ---------------------------------------------------------


