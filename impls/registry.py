"""The kernel spec: what every kernel module declares, and what consumers read.

A kernel module defines its tiers side by side (``<name>_python``,
``<name>_numpy``, ``<name>_numba``), how to build inputs, and a cost model,
then ends with ``KERNEL = Kernel(...)``. Everything that checks, runs or
benchmarks kernels (``vecbench``, ``benchmarks/``, ``tests/``) reads these specs
and nothing else.

Conventions shared by every kernel:

- inputs are NumPy arrays (or lists/tuples of them, or Python floats); the
  array dtype is float64 or float32 and every array output has the input dtype;
- scalar outputs are Python floats (``impls.call`` converts NumPy scalars);
- multi-output kernels return tuples in a documented order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

#: The three tiers every kernel has. Tuned variants (``numba_parallel``, ...)
#: are extra tiers a kernel may add, named for what differs.
CORE_TIERS = ("python", "numpy", "numba")

#: The tier every other tier is checked against.
REFERENCE_TIER = "numpy"

#: Size presets of a ladder: ``quick`` for smoke runs and tests, ``default``
#: for ``vecbench run``, ``large`` for out-of-cache behaviour.
PRESETS = ("quick", "default", "large")

Args = tuple[Any, ...]

#: Ladders shared by kernels of the same shape family.
#: An (n, n) activation, elementwise: n = 2048 is 4 M elements, 32 MiB in float64.
SQUARE_ACTIVATION = MappingProxyType({
    "quick": (4, 64, 256),
    "default": (4, 64, 256, 1_024, 2_048),
    "large": (1_024, 2_048, 4_096),
})
#: An (n, n) layer over n examples: compute-bound from a few hundred on.
SQUARE_LAYER = MappingProxyType({
    "quick": (4, 16, 48),
    "default": (16, 64, 128, 256, 512),
    "large": (1_024, 2_048, 4_096),
})


@dataclass(frozen=True)
class GradProblem:
    """A finite-difference check of one backward kernel.

    ``objective()`` returns the scalar cost as a function of the arrays in
    ``params`` (read in place, so perturbing an element in place changes it);
    ``analytic[i]`` is the gradient the tier under test claims for
    ``params[i]`` (same shape); ``labels[i]`` names it (``"dW2"``).
    """

    objective: Callable[[], float]
    params: Sequence[np.ndarray]
    analytic: Sequence[np.ndarray]
    labels: Sequence[str]


@dataclass(frozen=True)
class Kernel:
    """One kernel: its tiers side by side, its inputs and its cost model.

    Attributes
    ----------
    name : str
        Course name of the kernel (``"propagate"``).
    summary : str
        One line: what it computes, with shapes.
    tiers : Mapping[str, Callable]
        Tier name -> implementation. Contains every tier of ``CORE_TIERS``.
    make_inputs : Callable[[int, np.random.Generator, np.dtype], Args]
        Builds the positional arguments for ladder size ``n``.
    sizes : Mapping[str, tuple[int, ...]]
        Ladder per preset of ``PRESETS`` (ascending sizes ``n``).
    edge_inputs : Callable[[np.dtype], list[tuple[str, Args]]]
        Adversarial inputs, each with a label saying what it probes.
    flops : Callable[[Args], float]
        Floating-point operations of one call (a transcendental counts 1).
    bytes_moved : Callable[[Args], float]
        Bytes that must cross memory in one call: each input read once, each
        output written once (what a perfect implementation moves).
    reduction : Callable[[Args], int]
        Longest sum behind any output element; sets the tolerance.
    elements : Callable[[Args], float] | None
        For kernels built on exp/log/tanh: the elements one call evaluates
        them on. The runner then records elements per second, the natural
        speed of such kernels, which rarely reach the bandwidth roof.
    jitted : tuple
        Numba dispatchers the ``numba`` tier runs. Defaults to the numba tier
        itself; a composite kernel whose numba tier is a thin driver over
        per-layer dispatchers lists those here.
    gradient : Callable[[Args, Callable], GradProblem] | None
        For backward kernels: builds a finite-difference check of the given
        tier function on the given inputs.
    extra : Mapping
        What a few kernels say of themselves. ``"no_ceiling"``: tier -> why
        "% of ceiling" means nothing for it (a view moves no bytes).
    """

    name: str
    summary: str
    tiers: Mapping[str, Callable[..., Any]]
    make_inputs: Callable[[int, np.random.Generator, np.dtype], Args]
    sizes: Mapping[str, tuple[int, ...]]
    edge_inputs: Callable[[np.dtype], list[tuple[str, Args]]]
    flops: Callable[[Args], float]
    bytes_moved: Callable[[Args], float]
    reduction: Callable[[Args], int] = lambda args: 1
    elements: Callable[[Args], float] | None = None
    jitted: tuple[Any, ...] = ()
    gradient: Callable[[Args, Callable[..., Any]], GradProblem] | None = None
    mutates: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [t for t in CORE_TIERS if t not in self.tiers]
        if missing:
            raise ValueError(f"kernel {self.name!r} lacks tiers {missing}")
        if set(self.sizes) != set(PRESETS):
            raise ValueError(f"kernel {self.name!r} sizes must have presets {PRESETS}")
        for preset, ladder in self.sizes.items():
            if not ladder or list(ladder) != sorted(ladder):
                raise ValueError(f"kernel {self.name!r} {preset} ladder must ascend")
        if not self.jitted:
            object.__setattr__(self, "jitted", (self.tiers["numba"],))

    def inputs(self, n: int, seed: int = 0, dtype: Any = np.float64) -> Args:
        """Seeded inputs for ladder size ``n``."""
        return self.make_inputs(n, np.random.default_rng(seed), np.dtype(dtype))


def nbytes(*objs: Any) -> int:
    """Total bytes of the arrays in ``objs`` (nested tuples/lists allowed)."""
    total = 0
    for obj in objs:
        if isinstance(obj, np.ndarray):
            total += obj.nbytes
        elif isinstance(obj, (tuple, list)):
            total += nbytes(*obj)
        elif isinstance(obj, float):
            total += 8
    return total


def shapes(obj: Any) -> Any:
    """The shape structure of an argument tuple (for records and ids)."""
    if isinstance(obj, np.ndarray):
        return list(obj.shape)
    if isinstance(obj, (tuple, list)):
        return [shapes(o) for o in obj]
    if isinstance(obj, str):
        return obj
    return type(obj).__name__
