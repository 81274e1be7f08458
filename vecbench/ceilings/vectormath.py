"""Is exp/log/tanh vectorized here? NumPy's dispatch and Numba's machine code.

Kernels built on transcendental functions (sigmoid, softmax, the costs) run
far below the bandwidth roof when each element costs a call into scalar libm.
Whether that happens is a property of the build, not of the kernel:

- NumPy dispatches each ufunc loop at run time to the best SIMD target it was
  compiled for (``numpy.lib.introspect.opt_func_info``: ``X86_V3`` means the
  AVX2 build of the loop is in use). The target says where the loop was
  compiled, not that its math is SIMD: NumPy 2's float64 exp and log are
  vectorized for AVX-512 only, and its AVX2 loops call libm per element (a
  profile of ``np.exp`` on float64 shows ``__ieee754_exp_fma``; on float32,
  ``simd_exp_FLOAT``).
- Numba hands the loop to LLVM, whose vectorizer widens ``math.exp`` to the
  intrinsic ``llvm.exp.v4f64``; only an SVML-patched LLVM (conda's llvmlite
  with Intel's SVML library) can lower that to one vector call. Otherwise the
  backend splits it into one scalar ``exp`` call per lane. The probe below
  compiles a tiny loop per function and dtype and reads both the LLVM IR and
  the assembly, so the answer is measured on this build, not assumed.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numba
import numpy as np
from numba import njit
from rich.table import Table

FUNCTIONS = ("exp", "log", "tanh")
DTYPES = ("float64", "float32")


def _loops(x, out):
    for i in range(x.size):
        out[0, i] = math.exp(x[i])
    for i in range(x.size):
        out[1, i] = math.log(x[i])
    for i in range(x.size):
        out[2, i] = math.tanh(x[i])


@functools.cache  # one compile per process: the build does not change under us
def numba_probe() -> dict[str, Any]:
    """How Numba's compiled loops call exp/log/tanh, per dtype.

    ``ir_vector_width``: lanes of the widest ``llvm.<fn>.v<N>`` intrinsic the
    vectorizer emitted (1: not vectorized); ``asm``: ``"svml"`` when the
    machine code calls an SVML vector routine, ``"scalar libm"`` when it
    loads the scalar libm symbol, else ``"inlined"``.
    """
    probe = njit(_loops)  # not cached: the asm must come from this build's compiler
    found: dict[str, Any] = {}
    for dtype in DTYPES:
        x = np.ones(8, dtype)
        probe(x, np.empty((3, 8), dtype))
        signature = probe.signatures[-1]
        ir, asm = probe.inspect_llvm(signature), probe.inspect_asm(signature)
        for fn in FUNCTIONS:
            found.setdefault(fn, {})[dtype] = classify(fn, dtype, ir, asm)
    return {"svml": bool(numba.config.USING_SVML), "functions": found}


def classify(fn: str, dtype: str, ir: str, asm: str) -> dict[str, Any]:
    """How the compiled code in ``ir``/``asm`` evaluates ``fn`` for ``dtype``."""
    suffix = "f" if dtype == "float32" else ""
    widths = [int(w) for w in re.findall(rf"@llvm\.{fn}\.v(\d+)f(?:32|64)", ir)]
    if re.search(rf"__svml_{fn}", asm):
        how = "svml"
    elif re.search(rf"\$\b{fn}{suffix}\b|\bcall\w*\s+{fn}{suffix}\b", asm):
        how = "scalar libm"
    else:
        how = "inlined"
    return {"ir_vector_width": max(widths, default=1), "asm": how}


def numpy_dispatch() -> dict[str, Any]:
    """The SIMD target NumPy's exp/log/tanh loops run, per dtype."""
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # NumPy < 2.0
        return {}
    info = opt_func_info(func_name=f"^({'|'.join(FUNCTIONS)})$", signature="^(f|d)")
    codes = {"float64": "dd", "float32": "ff"}
    return {fn: {dtype: info.get(fn, {}).get(code, {}).get("current") for dtype, code in codes.items()}
            for fn in FUNCTIONS}


def table(numba_info: dict[str, Any], numpy_info: dict[str, Any]) -> Table:
    """One row per function x dtype: how each library evaluates it."""
    out = Table(title="how exp/log/tanh are evaluated on this build")
    for col in ("function", "dtype", "NumPy loop built for", "Numba LLVM IR", "Numba machine code"):
        out.add_column(col)
    for fn in FUNCTIONS:
        for dtype in DTYPES:
            nb = numba_info["functions"][fn][dtype]
            width = nb["ir_vector_width"]
            out.add_row(fn, dtype, numpy_info.get(fn, {}).get(dtype) or "?",
                        f"vectorized x{width}" if width > 1 else "scalar", nb["asm"])
    return out
