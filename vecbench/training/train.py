"""End-to-end training, composed only of one tier's kernels.

Three course models, each a loop over kernels from ``impls`` looked up for a
single tier, so the very same training runs as Python loops, NumPy or Numba:

    logreg   logistic regression: w, b from zeros;
             propagate -> update_parameters; predict with logistic_predict
    shallow  one tanh hidden layer of n_h units, sigmoid output;
             shallow_forward -> cross_entropy_cost -> shallow_backward
             -> update_parameters
    deep     [LINEAR->RELU]*(L-1) -> LINEAR->SIGMOID;
             L_model_forward -> cross_entropy_cost -> L_model_backward
             -> update_parameters

Shapes (examples are columns): ``X (n_x, m)``, ``Y (1, m)`` of 0.0/1.0.
Parameters are a list of ``(W, b)`` per layer, ``W (n_l, n_{l-1})``,
``b (n_l, 1)``; logistic regression keeps the course's ``[(w (n_x, 1),
b float)]`` and, being a one-unit layer, is updated as ``W = w.T``.

Initialization follows the course's assignments, including their random
streams (``np.random.seed`` is the legacy ``RandomState``): the shallow
network ``randn * 0.01`` with seed 2, the deep one ``randn / sqrt(n_{l-1})``
with seed 1, biases zero. The cost is computed every iteration (as the
course does) and recorded every 100 iterations and at the last one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import impls
from vecbench import UsageError, VecbenchError

Params = list[tuple[np.ndarray, Any]]

#: Iterations between two recorded costs, as in the course.
COST_EVERY = 100


class TierKernels:
    """The kernels ``names`` of one ``tier``, resolved once, as attributes.

    Scalar outputs come back as Python floats (``impls.as_python_scalars``).
    """

    def __init__(self, tier: str, names: tuple[str, ...]):
        missing = [n for n in names if n not in impls.KERNELS]
        if missing:
            raise VecbenchError(f"kernel {', '.join(missing)} is not in the registry yet")
        for name in names:
            tiers = impls.KERNELS[name].tiers
            if tier not in tiers:
                raise UsageError(f"kernel {name} has no tier {tier!r}; choose from: {', '.join(tiers)}")
            fn = tiers[tier]
            setattr(self, name, lambda *args, _fn=fn: impls.as_python_scalars(_fn(*args)))
        self.tier = tier


# -- the three models --------------------------------------------------------

def logreg_init(layers: list[int], seed: int | None) -> Params:
    """``w (n_x, 1)`` zeros, ``b = 0.0`` (the course's initialize_with_zeros)."""
    return [(np.zeros((layers[0], 1)), 0.0)]


def logreg_step(k: TierKernels, params: Params, X: np.ndarray, Y: np.ndarray, learning_rate: float):
    [(w, b)] = params
    dw, db, cost = k.propagate(w, b, X, Y)
    [(W, B)] = k.update_parameters([(w.T, np.full((1, 1), b, w.dtype))], [(dw.T, np.full((1, 1), db, w.dtype))],
                                   learning_rate)
    return [(W.T, float(B[0, 0]))], cost


def logreg_predict(k: TierKernels, params: Params, X: np.ndarray) -> np.ndarray:
    [(w, b)] = params
    return k.logistic_predict(w, b, X)


def shallow_init(layers: list[int], seed: int | None) -> Params:
    """The course's initialize_parameters: ``randn * 0.01`` weights, zero biases."""
    n_x, n_h, n_y = layers
    rs = np.random.RandomState(2 if seed is None else seed)
    W1 = rs.randn(n_h, n_x) * 0.01
    W2 = rs.randn(n_y, n_h) * 0.01
    return [(W1, np.zeros((n_h, 1))), (W2, np.zeros((n_y, 1)))]


def shallow_step(k: TierKernels, params: Params, X: np.ndarray, Y: np.ndarray, learning_rate: float):
    (W1, b1), (W2, b2) = params
    A2, Z1, A1, Z2 = k.shallow_forward(X, W1, b1, W2, b2)
    cost = k.cross_entropy_cost(A2, Y)
    dW1, db1, dW2, db2 = k.shallow_backward(X, Y, W1, W2, A1, A2)
    return k.update_parameters(params, [(dW1, db1), (dW2, db2)], learning_rate), cost


def shallow_predict(k: TierKernels, params: Params, X: np.ndarray) -> np.ndarray:
    (W1, b1), (W2, b2) = params
    A2 = k.shallow_forward(X, W1, b1, W2, b2)[0]
    return (A2 > 0.5).astype(np.float64)


def deep_init(layers: list[int], seed: int | None) -> Params:
    """The course's initialize_parameters_deep: ``randn / sqrt(n_{l-1})``, zero biases."""
    rs = np.random.RandomState(1 if seed is None else seed)
    return [(rs.randn(n, n_prev) / np.sqrt(n_prev), np.zeros((n, 1)))
            for n_prev, n in zip(layers[:-1], layers[1:])]


def deep_step(k: TierKernels, params: Params, X: np.ndarray, Y: np.ndarray, learning_rate: float):
    AL, caches = k.L_model_forward(X, params)
    cost = k.cross_entropy_cost(AL, Y)
    grads = k.L_model_backward(AL, Y, params, caches)
    return k.update_parameters(params, grads, learning_rate), cost


def deep_predict(k: TierKernels, params: Params, X: np.ndarray) -> np.ndarray:
    AL = k.L_model_forward(X, params)[0]
    return (AL > 0.5).astype(np.float64)


@dataclass(frozen=True)
class Model:
    """One trainable model: its kernels, the course's defaults and its three steps."""

    name: str
    summary: str
    kernels: tuple[str, ...]
    data_kind: str  # the synthetic data set it trains on by default
    iterations: int
    learning_rate: float
    init: Callable[[list[int], int | None], Params]
    step: Callable[..., tuple[Params, float]]
    predict: Callable[[TierKernels, Params, np.ndarray], np.ndarray]


MODELS = {m.name: m for m in (
    Model("logreg", "logistic regression from zeros (course: 2000 iterations at 0.005)",
          ("propagate", "update_parameters", "logistic_predict"), "cat", 2000, 0.005,
          logreg_init, logreg_step, logreg_predict),
    Model("shallow", "one tanh hidden layer (course: n_h=4, 10000 iterations at 1.2, planar data)",
          ("shallow_forward", "cross_entropy_cost", "shallow_backward", "update_parameters"),
          "planar", 10000, 1.2, shallow_init, shallow_step, shallow_predict),
    Model("deep", "[LINEAR->RELU]*(L-1)->LINEAR->SIGMOID (course: [12288,20,7,5,1], 2500 at 0.0075)",
          ("L_model_forward", "cross_entropy_cost", "L_model_backward", "update_parameters"),
          "cat", 2500, 0.0075, deep_init, deep_step, deep_predict),
)}

#: The course's hidden sizes: n_h for the shallow network, the deep network's layers after n_x.
DEFAULT_N_H = 4
DEFAULT_DEEP_HIDDEN = (20, 7, 5)


def model(name: str) -> Model:
    try:
        return MODELS[name]
    except KeyError:
        raise UsageError(f"unknown model {name!r}; choose from: {', '.join(MODELS)}") from None


def layer_sizes(name: str, n_x: int, n_h: int | None = None, layers: list[int] | None = None) -> list[int]:
    """The layer sizes ``[n_x, ..., 1]`` of model ``name`` on ``n_x`` features."""
    if name == "logreg":
        return [n_x, 1]
    if name == "shallow":
        n_h = DEFAULT_N_H if n_h is None else n_h
        if n_h < 1:
            raise UsageError(f"--n-h must be at least 1 (got {n_h})")
        return [n_x, n_h, 1]
    layers = [n_x, *DEFAULT_DEEP_HIDDEN, 1] if layers is None else list(layers)
    if len(layers) < 2 or layers[0] != n_x or layers[-1] != 1 or min(layers) < 1:
        raise UsageError(f"--layers must run from n_x = {n_x} (the data's features) to 1 output unit, "
                         f"all sizes positive (got {','.join(map(str, layers))})")
    return layers


# -- training ----------------------------------------------------------------

@dataclass
class Run:
    """One training run: final parameters, recorded costs and per-iteration times."""

    model: str
    tier: str
    layers: list[int]
    learning_rate: float
    iterations: int  # asked for; fewer ran when a time budget cut the run short
    params: Params
    costs: list[tuple[int, float]] = field(default_factory=list)  # (iteration, cost before its update)
    iteration_seconds: list[float] = field(default_factory=list)

    @property
    def iterations_run(self) -> int:
        return len(self.iteration_seconds)

    @property
    def truncated(self) -> bool:
        return self.iterations_run < self.iterations

    @property
    def first_iteration_seconds(self) -> float:
        """The first iteration alone: it includes any JIT compilation."""
        return self.iteration_seconds[0]

    @property
    def seconds_per_iteration(self) -> float:
        """Median over the iterations after the first (the first if it is alone)."""
        rest = self.iteration_seconds[1:] or self.iteration_seconds
        return statistics.median(rest)

    @property
    def total_seconds(self) -> float:
        return sum(self.iteration_seconds)

    @property
    def projected_total_seconds(self) -> float:
        """What all ``iterations`` take: measured so far plus the rest at the median."""
        return self.total_seconds + (self.iterations - self.iterations_run) * self.seconds_per_iteration


def train(name: str, tier: str, X: np.ndarray, Y: np.ndarray, *, iterations: int | None = None,
          learning_rate: float | None = None, n_h: int | None = None, layers: list[int] | None = None,
          seed: int | None = None, budget: float | None = None, params: Params | None = None,
          on_cost: Callable[[int, float], None] | None = None) -> Run:
    """Gradient descent of model ``name`` with ``tier``'s kernels on ``X (n_x, m)``, ``Y (1, m)``.

    ``budget`` (seconds) stops the run after the iteration that spends it (at
    least one iteration runs); ``params`` starts from given parameters
    instead of the course's initialization. ``n_h`` (shallow) and ``layers``
    (deep) default to the course's sizes. ``on_cost(i, cost)`` is called
    with each recorded cost (progress display).
    """
    spec = model(name)
    k = TierKernels(tier, spec.kernels)
    iterations = spec.iterations if iterations is None else iterations
    learning_rate = spec.learning_rate if learning_rate is None else learning_rate
    if iterations < 1:
        raise UsageError(f"--iterations must be at least 1 (got {iterations})")
    layers = layer_sizes(name, X.shape[0], n_h, layers)
    if params is None:
        params = spec.init(layers, seed)
    run = Run(name, tier, layers, learning_rate, iterations, params)
    clock = time.perf_counter
    for i in range(iterations):
        start = clock()
        run.params, cost = spec.step(k, run.params, X, Y, learning_rate)
        run.iteration_seconds.append(clock() - start)
        last = i == iterations - 1 or (budget is not None and run.total_seconds >= budget)
        if not np.isfinite(cost):
            raise VecbenchError(f"{name} ({tier}): cost became {cost} at iteration {i}; "
                                "lower the learning rate")
        if i % COST_EVERY == 0 or last:
            run.costs.append((i, cost))
            if on_cost is not None:
                on_cost(i, cost)
        if last:
            break
    return run


def predict(name: str, tier: str, params: Params, X: np.ndarray) -> np.ndarray:
    """``(1, m)`` of 0.0/1.0 predictions of model ``name`` with ``tier``'s kernels."""
    spec = model(name)
    return spec.predict(TierKernels(tier, spec.kernels), params, X)


def accuracy(name: str, tier: str, params: Params, X: np.ndarray, Y: np.ndarray) -> float:
    """Percentage of examples (columns) predicted right."""
    return float(np.mean(predict(name, tier, params, X) == Y) * 100)

