"""Inputs at one alignment: every array a measured call reads starts on a cache line.

Where an array starts, modulo the 64-byte cache line, is an accident of the
process: NumPy asks the C allocator for memory aligned to 16 bytes only,
and which of the four 16-byte slots of a line an array lands in depends on
what the process allocated before. It moves figures. Measured on the
development machine, one process, the same seeded inputs copied to each
offset (README, "What a figure means"): ``gdot`` numba_parallel at n=256
takes 8.3 µs with its arrays at 0 or 32 bytes into a line and 11.1 µs at 16
or 48; ``outer`` numba at n=300 11.5 µs against 13.5 µs. So two processes, or
two instruments, could disagree by a third about the same call. Every
instrument therefore copies its seeded inputs with ``aligned``, and the
copies a mutating kernel gets per call are made the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Every input array starts at a multiple of this many bytes (a cache line).
ALIGNMENT = 64


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype, order: str = "C") -> np.ndarray:
    """An uninitialised array whose data starts at a multiple of ``ALIGNMENT``."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buf = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = (-buf.ctypes.data) % ALIGNMENT
    flat = buf[start:start + nbytes].view(dtype)
    return flat.reshape(shape, order=order)


def aligned(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of ``obj`` in which every contiguous array starts at a
    multiple of ``ALIGNMENT`` (tuples, lists and dicts are followed; other
    values are deep-copied as they are). An object met twice is copied once,
    so inputs that share an array still share it, as with ``copy.deepcopy``.
    An array that is neither C- nor Fortran-contiguous (no kernel's inputs
    are) is copied as ``copy.deepcopy`` copies it, at NumPy's alignment."""
    import copy

    memo = {} if memo is None else memo
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, np.ndarray) and type(obj) is np.ndarray and obj.dtype != object:
        if obj.flags.c_contiguous or obj.flags.f_contiguous:
            out = aligned_empty(obj.shape, obj.dtype, "F" if obj.flags.f_contiguous and obj.ndim > 1 else "C")
            out[...] = obj
            out.flags.writeable = obj.flags.writeable
        else:
            out = copy.deepcopy(obj)
    elif isinstance(obj, tuple):
        items = [aligned(x, memo) for x in obj]
        out = type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    elif isinstance(obj, list):
        out = [aligned(x, memo) for x in obj]
    elif isinstance(obj, dict):
        out = {k: aligned(v, memo) for k, v in obj.items()}
    else:
        out = copy.deepcopy(obj)
    memo[id(obj)] = out
    return out


def offsets(obj: Any) -> list[int]:
    """Where each array in ``obj`` starts, modulo ``ALIGNMENT`` (for reading the state back)."""
    if isinstance(obj, np.ndarray):
        return [obj.ctypes.data % ALIGNMENT] if obj.size else []
    if isinstance(obj, (tuple, list)):
        return [o for x in obj for o in offsets(x)]
    if isinstance(obj, dict):
        return [o for x in obj.values() for o in offsets(x)]
    return []
