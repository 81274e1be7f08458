"""What the figures were measured on: CPU, memory, OS, versions, BLAS, threads.

Every run stores ``describe()`` beside its records, so a figure is never read
without the machine, library builds and thread counts that produced it.
Thread counts are set by ``set_threads`` (BLAS and OpenMP pools through
threadpoolctl, Numba through ``numba.set_num_threads``) before measuring.
"""

from __future__ import annotations

import os
import platform
import sys
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path
from typing import Any

#: Environment variables that change what a kernel costs (BLAS kernels chosen,
#: thread pools, Numba's code generation). Recorded when set.
ENV_VARS = (
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OPENBLAS_VERBOSE",
    "OPENBLAS_THREAD_TIMEOUT", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES",
    "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "MKL_NUM_THREADS",
    "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "NUMBA_OPT", "NUMBA_LOOP_VECTORIZE",
    "NUMBA_SLP_VECTORIZE", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES", "NUMBA_DISABLE_JIT",
    "NUMBA_CACHE_DIR", "NUMBA_BOUNDSCHECK", "NUMBA_FASTMATH", "NPY_DISABLE_CPU_FEATURES",
    "PYTHONHASHSEED",
)


def available_cores() -> int:
    """Cores this process may run on (its affinity mask), else all cores."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def set_threads(n: int | None, stack: ExitStack) -> int:
    """Limit BLAS/OpenMP pools and Numba to ``n`` threads (default: all cores).

    The BLAS limit is undone when ``stack`` closes. Returns the count set.
    Raises ``ValueError`` when Numba was started with fewer threads.
    """
    import numba
    from threadpoolctl import threadpool_limits

    n = n or available_cores()
    if n > numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"--threads {n} exceeds the {numba.config.NUMBA_NUM_THREADS} threads Numba "
                         "started with (set NUMBA_NUM_THREADS to allow more)")
    stack.enter_context(threadpool_limits(limits=n))
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    stack.callback(numba.set_num_threads, previous)
    return n


def describe() -> dict[str, Any]:
    """The machine and software as JSON-ready values."""
    return {
        "hostname": platform.node(),
        "cpu": _cpu(),
        "memory_bytes": memory_bytes(),
        "os": platform.platform(),
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "packages": {name: _version(name) for name in ("numpy", "numba", "llvmlite", "vecbench")},
        "numpy_simd": _numpy_simd(),
        "blas": _blas(),
        "numba": _numba(),
        "env": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu() -> dict[str, Any]:
    info: dict[str, Any] = {"model": platform.processor() or platform.machine(), "arch": platform.machine(),
                            "logical_cores": os.cpu_count(), "available_cores": available_cores()}
    cpuinfo = _read("/proc/cpuinfo")
    if cpuinfo:
        cores, flags = set(), set()
        physical = None
        for line in cpuinfo.splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "model name":
                info["model"] = value
            elif key == "physical id":
                physical = value
            elif key == "core id":
                cores.add((physical, value))
            elif key == "flags" and not flags:
                flags = set(value.split())
        if cores:
            info["physical_cores"] = len(cores)
        info["simd"] = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512vl", "neon", "asimd")
                        if f in flags]
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    if governor:
        info["governor"] = governor.strip()
    try:
        import llvmlite.binding as llvm
        info["llvm_host_cpu"] = llvm.get_host_cpu_name()
    except Exception:  # informative only; never fail a run for it
        pass
    return info


def memory_bytes() -> int | None:
    """Bytes of physical memory, or None where the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _numpy_simd() -> dict[str, Any] | None:
    import numpy as np
    try:
        return np.show_config(mode="dicts").get("SIMD Extensions")
    except Exception:  # older NumPy has no dict mode
        return None


def _blas() -> list[dict[str, Any]]:
    """Every BLAS/OpenMP pool loaded in the process, as threadpoolctl sees it."""
    from threadpoolctl import threadpool_info
    keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture")
    pools = []
    for pool in threadpool_info():
        entry = {k: pool.get(k) for k in keep}
        entry["library"] = Path(pool.get("filepath", "")).name
        pools.append(entry)
    return pools


def _numba() -> dict[str, Any]:
    import numba
    info: dict[str, Any] = {"num_threads": numba.get_num_threads(),
                            "max_threads": numba.config.NUMBA_NUM_THREADS,
                            "jit_disabled": bool(numba.config.DISABLE_JIT)}
    try:
        info["threading_layer"] = numba.threading_layer()
    except ValueError:  # no parallel region has run yet
        info["threading_layer"] = None
    return info


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def summary(machine: dict[str, Any]) -> list[tuple[str, str]]:
    """Human-readable (label, value) rows of a stored machine description."""
    cpu = machine.get("cpu", {})
    mem = machine.get("memory_bytes")
    blas = "; ".join(
        f"{p.get('internal_api')} {p.get('version') or ''} ({p.get('architecture') or '?'}, "
        f"{p.get('num_threads')} threads)" for p in machine.get("blas", []) if p.get("user_api") == "blas"
    ) or "not detected"
    numba_info = machine.get("numba", {})
    pk = machine.get("packages", {})
    cores = f"{cpu.get('physical_cores', '?')} physical, {cpu.get('logical_cores', '?')} logical, " \
            f"{cpu.get('available_cores', '?')} available"
    rows = [
        ("CPU", f"{cpu.get('model', '?')} ({cpu.get('arch', '?')}; {', '.join(cpu.get('simd', [])) or 'no SIMD flags'})"),
        ("cores", cores),
        ("memory", f"{mem / 2**30:.1f} GiB" if mem else "?"),
        ("OS", machine.get("os", "?")),
        ("Python", machine.get("python", {}).get("version", "?")),
        ("NumPy / Numba / llvmlite", f"{pk.get('numpy')} / {pk.get('numba')} / {pk.get('llvmlite')}"),
        ("BLAS", blas),
        ("Numba threads", f"{numba_info.get('num_threads')} (layer {numba_info.get('threading_layer') or 'not started'})"
                          + (" — JIT DISABLED" if numba_info.get("jit_disabled") else "")),
    ]
    if machine.get("env"):
        rows.append(("environment", " ".join(f"{k}={v}" for k, v in machine["env"].items())))
    if machine.get("load_average"):
        rows.append(("load average", " ".join(f"{x:.2f}" for x in machine["load_average"])))
    if machine.get("ceilings"):
        from vecbench.ceilings.store import measured, summary_line
        found = measured(machine)  # `vecbench roofline`'s entry, or another tool's flat mapping
        rows.append(("ceilings", summary_line(found) if found
                     else ", ".join(f"{k}={v}" for k, v in machine["ceilings"].items())))
    return rows
