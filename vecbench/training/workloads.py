"""Training iterations as timed workloads of ``vecbench run``.

Each model of ``vecbench.training.train`` becomes a ``Kernel`` spec whose call is one
whole training iteration with one tier's kernels,

    train-<model>(X, Y, params, learning_rate) -> (params, cost)

(forward, cost, backward and update; ``params`` as in ``vecbench.training.train``).
The runner then budgets, gates, times and reports it with the very
machinery it uses for single kernels: the gate compares one iteration's new
parameters and cost with the reference tier's on the same inputs, and "time
per call" is the time per training iteration.

Ladder: size n is the number of training examples m, at the course's
widths (64x64x3 images for ``logreg`` and ``deep``, whose default ladder
ends at the course's 209 images; the planar flower for ``shallow``, ending
at ten times its 400 points). The cost model is the sum of the cost models
of the kernels one iteration calls, on the arguments it calls them with
(traced once with the reference tier).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import impls
from impls.registry import REFERENCE_TIER, Kernel
from vecbench import UsageError
from vecbench.measure import check
from vecbench.training import data, train

PREFIX = "train-"

#: Ladders per preset (n = m training examples).
SIZES = {
    "cat": {"quick": (1, 4, 16), "default": (1, 4, 16, 64, 209), "large": (209, 1045, 2090)},
    "planar": {"quick": (40, 400), "default": (40, 400, 4000), "large": (4000, 40000, 400000)},
}
PX = 64  # the course's image side


class _Tracing:
    """The reference tier's kernels, logging every call as ``(name, args)``."""

    def __init__(self, names: Sequence[str]):
        self.calls: list[tuple[str, tuple]] = []
        for name in names:
            fn = impls.KERNELS[name].tiers[REFERENCE_TIER]
            setattr(self, name, lambda *args, _n=name, _fn=fn: self._call(_n, _fn, args))

    def _call(self, name: str, fn, args: tuple) -> Any:
        self.calls.append((name, args))
        return impls.as_python_scalars(fn(*args))


def _model_inputs(model: str, n: int, rng: np.random.Generator, dtype: np.dtype,
                  weight_scale: float = 1.0) -> tuple:
    """``(X, Y, params, learning_rate)`` for ``n`` examples, laid out as the course does."""
    spec = train.MODELS[model]
    seed = int(rng.integers(2**31))
    x, y, _ = data.synthetic_cats(n, PX, seed) if spec.data_kind == "cat" else data.planar(n, seed)
    X, Y = data.flatten(x).astype(dtype), data.labels(y).astype(dtype)
    layers = train.layer_sizes(model, X.shape[0])
    # Parameters of a partly trained model rather than the course's start: from
    # zeros (logreg) every A is 0.5, which hides slips from the gate, and from
    # randn * 0.01 (shallow) db1 is a sum that cancels to almost nothing, so its
    # rounding dwarfs any tolerance relative to its size. The work is the same.
    if model == "logreg":
        params = [(rng.standard_normal((X.shape[0], 1)) * 0.01, float(rng.standard_normal() * 0.1))]
    elif model == "shallow":
        params = [(rng.standard_normal((n_out, n_in)), rng.standard_normal((n_out, 1)) * 0.5)
                  for n_in, n_out in zip(layers[:-1], layers[1:])]
    else:
        params = spec.init(layers, int(rng.integers(2**31)))
    params = [(W.astype(dtype) * weight_scale, b if isinstance(b, float) else b.astype(dtype))
              for W, b in params]
    return X, Y, params, spec.learning_rate


def _saturated_inputs(model: str, rng: np.random.Generator, dtype: np.dtype) -> tuple:
    """Two examples, weights x 100, and the output layer scaled by powers of 4
    until the float64 reference's every output probability is exactly 0 or 1.

    The cost guards only an exact 0 or 1 (``impls.cross_entropy_cost``). An
    output logit between the float32 and float64 rounding points (``Z`` in
    (-745, -104) or (17, 37)) is exactly 0 or 1 in a float32 tier but not in
    the float64 reference, and a wrongly labelled example's cost then differs
    by tens between the dtypes: a property of the course's formula, not of a
    tier. Past both rounding points every dtype takes the same guarded value.
    Scaling the last layer scales its logits (tanh and ReLU hidden layers
    are left alone), and a power of 4 scales them exactly.
    """
    X, Y, params, learning_rate = _model_inputs(model, 2, rng, dtype, 100.0)
    spec = train.MODELS[model]
    if "cross_entropy_cost" not in spec.kernels:  # logreg's propagate takes the logits
        return X, Y, params, learning_rate
    for _ in range(16):
        tracing = _Tracing(spec.kernels)
        spec.step(tracing, check.upcast(params), check.upcast(X), check.upcast(Y), learning_rate)
        A = next(args[0] for name, args in tracing.calls if name == "cross_entropy_cost")
        if np.all((A == 0) | (A == 1)):
            return X, Y, params, learning_rate
        W, b = params[-1]
        params = [*params[:-1], (W * dtype.type(4), b * dtype.type(4))]
    raise AssertionError(f"{model}: output logits too near 0 to saturate")


def _iteration(model: str, tier: str):
    spec = train.MODELS[model]
    k = train.TierKernels(tier, spec.kernels)

    def iterate(X, Y, params, learning_rate):
        return tuple(spec.step(k, params, X, Y, learning_rate))

    iterate.__name__ = f"train_{model}_{tier}"
    iterate.__doc__ = f"One {model} training iteration with the {tier} tier's kernels."
    return iterate


def workload(model: str) -> Kernel:
    """The ``train-<model>`` spec: one training iteration per call."""
    spec = train.MODELS[model]
    kernels = [impls.KERNELS[k] for k in spec.kernels]
    tiers = [t for t in impls.TIERS if all(t in k.tiers for k in kernels)]
    last: list = [None, None]  # (args, trace) of the last traced inputs

    def trace(args: tuple) -> list[tuple[str, tuple]]:
        if last[0] is not args:
            X, Y, params, learning_rate = args
            tracing = _Tracing(spec.kernels)
            spec.step(tracing, params, X, Y, learning_rate)
            last[:] = [args, tracing.calls]
        return last[1]

    def over_trace(cost: str):
        return lambda args: sum(getattr(impls.KERNELS[name], cost)(a) for name, a in trace(args))

    def edge_inputs(dtype: np.dtype) -> list[tuple[str, tuple]]:
        rng = np.random.default_rng(5)
        smallest = 1 if spec.data_kind == "cat" else 2
        return [(f"fewest examples (m = {smallest})", _model_inputs(model, smallest, rng, dtype)),
                ("weights x 100: saturated activations, every output exactly 0 or 1",
                 _saturated_inputs(model, rng, dtype))]

    return Kernel(
        name=PREFIX + model,
        summary=f"one training iteration of {model}: {' -> '.join(spec.kernels)}",
        tiers={t: _iteration(model, t) for t in tiers},
        make_inputs=lambda n, rng, dtype: _model_inputs(model, n, rng, dtype),
        sizes=SIZES[spec.data_kind],
        edge_inputs=edge_inputs,
        flops=over_trace("flops"),
        bytes_moved=over_trace("bytes_moved"),
        reduction=lambda args: max(impls.KERNELS[name].reduction(a) for name, a in trace(args)),
        jitted=tuple(fn for k in kernels for fn in k.jitted),
    )


def workloads() -> list[Kernel]:
    """One ``train-<model>`` spec per model of ``vecbench.training.train``."""
    return [workload(model) for model in train.MODELS]


def resolve(names: Sequence[str] | None, training: bool = True) -> list[Kernel]:
    """Kernel specs and training workloads named in ``names`` (all when empty).

    ``training=False`` leaves the workloads out of "all".
    """
    available = {**impls.KERNELS, **{w.name: w for w in workloads()}}
    if not names:
        return [k for name, k in available.items() if training or not name.startswith(PREFIX)]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise UsageError(f"unknown kernel {', '.join(unknown)}; choose from: {', '.join(available)}")
    return [available[n] for n in dict.fromkeys(names)]
