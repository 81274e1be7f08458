"""Adapters: a learner's course-style function behind a registry kernel's signature.

Each adapter builds the course's arguments (dicts of ``"W1"``, ``"b1"``,
caches ``((A_prev, W, b), Z)``) from the kernel's, calls the learner's
function, and turns its outputs (grads dicts, ``(A, cache)`` pairs, 0-d
costs) back into the kernel's tuples and lists. A broken course structure (a
missing key, a cost of shape (1, 1)) raises ``OutputError`` with a sentence
a learner can act on. The shallow network's ``predict`` and two-layer update
are parts of registry kernels; their kernel and cases live here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import impls
from impls import shallow_forward as sf
from impls import update_parameters as up
from impls.registry import Kernel
from vecbench.measure.check import Mismatch


class OutputError(Mismatch):
    """The learner's output does not have the course's structure (a missing key, a wrong type)."""


# --- conversions of the course's structures ------------------------------------------------

def _what(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__}"


def number(x: Any, what: str) -> float:
    """A course scalar (float, NumPy scalar, 0-d array, as np.squeeze leaves it) as a float."""
    if isinstance(x, (bool, np.bool_)):
        raise OutputError(f"{what} is {_what(x)}, expected a number")
    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    if isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "fiu":
        return float(x)
    raise OutputError(f"{what} is {_what(x)}, expected a number (squeeze it to shape ())")


def entry(d: Any, key: str, what: str) -> Any:
    if not isinstance(d, dict):
        raise OutputError(f"{what} is {_what(d)}, expected a dict")
    if key not in d:
        raise OutputError(f"{what} has no entry {key!r} (it has {', '.join(map(repr, d)) or 'none'})")
    return d[key]


def pair(out: Any, n: int, what: str) -> tuple:
    if not isinstance(out, (tuple, list)) or len(out) != n:
        shown = f"{len(out)} values" if isinstance(out, (tuple, list)) else _what(out)
        raise OutputError(f"{what} returned {shown}, expected {n} values")
    return tuple(out)


def as_dtype(out: Any, dtype: np.dtype) -> Any:
    """0/1 predictions given as booleans or integers, in the inputs' dtype."""
    if isinstance(out, np.ndarray) and out.dtype.kind in "biu":
        return out.astype(dtype)
    return out


def param_dict(params: Sequence[tuple]) -> dict[str, np.ndarray]:
    """[(W1, b1), ...] -> {"W1": W1, "b1": b1, ...}."""
    d = {}
    for l, (W, b) in enumerate(params, start=1):
        d[f"W{l}"], d[f"b{l}"] = W, b
    return d


def layer_pairs(d: Any, L: int, a: str, b: str, what: str) -> list[tuple]:
    return [(entry(d, f"{a}{l}", what), entry(d, f"{b}{l}", what)) for l in range(1, L + 1)]


# --- the adapters ---------------------------------------------------------------------------

class Adapted:
    """The learner's function behind the kernel's signature; ``notes`` collects
    what the course allows but a learner should know (an update in place).

    ``course(*args)`` builds the course's arguments from the kernel's (the
    kernel's own by default): ``timed`` calls the learner's function on them
    directly, so that a timing holds the learner's code and nothing of the
    adapter's translation.
    """

    def __init__(self, fn: Callable, call: Callable, course: Callable = lambda *args: args) -> None:
        self.fn, self._call, self.course, self.notes = fn, call, course, set()
        self.__name__ = getattr(fn, "__name__", "learner")

    def __call__(self, *args: Any) -> Any:
        return self._call(self, *args)

    def timed(self, *args: Any) -> tuple[Callable, tuple]:
        """The learner's own function and its course-form arguments, built once from the kernel's."""
        return self.fn, self.course(*args)


def as_direct(fn):
    return Adapted(fn, lambda self, *args: fn(*args))


def as_scalar_out(fn):
    return Adapted(fn, lambda self, *args: number(fn(*args), "the result"))


def as_first_of_pair(what):
    def adapt(fn):
        return Adapted(fn, lambda self, *args: pair(fn(*args), 2, what)[0])
    return adapt


def as_propagate(fn):
    def call(self, w, b, X, Y):
        grads, cost = pair(fn(w, b, X, Y), 2, "propagate")
        return entry(grads, "dw", "grads"), number(entry(grads, "db", "grads"), "grads['db']"), number(cost, "cost")
    return Adapted(fn, call)


def as_propagate_vecbench(fn):
    def call(self, w, b, X, Y):
        dw, db, cost = pair(fn(w, b, X, Y), 3, "propagate")
        return dw, number(db, "db"), number(cost, "cost")
    return Adapted(fn, call)


def as_logistic_predict(fn):
    return Adapted(fn, lambda self, w, b, X: as_dtype(fn(w, b, X), X.dtype))


def as_shallow_predict(fn):
    def course(X, W1, b1, W2, b2):
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X
    return Adapted(fn, lambda self, X, *params: as_dtype(fn(*course(X, *params)), X.dtype), course)


def as_forward_propagation(fn):
    def course(X, W1, b1, W2, b2):
        return X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    def call(self, *args):
        A2, cache = pair(fn(*course(*args)), 2, "forward_propagation")
        return A2, entry(cache, "Z1", "cache"), entry(cache, "A1", "cache"), entry(cache, "Z2", "cache")
    return Adapted(fn, call, course)


def as_backward_propagation(fn):
    def course(X, Y, W1, W2, A1, A2):
        b1, b2 = np.zeros((W1.shape[0], 1), W1.dtype), np.zeros((W2.shape[0], 1), W2.dtype)
        with np.errstate(all="ignore"):  # the pre-activations, for code that reads them (the course's does not)
            Z1, Z2 = np.arctanh(A1), np.log(A2) - np.log1p(-A2)
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}, X, Y

    def call(self, *args):
        grads = fn(*course(*args))
        return tuple(entry(grads, k, "grads") for k in ("dW1", "db1", "dW2", "db2"))
    return Adapted(fn, call, course)


def as_cost(extra: bool):
    def adapt(fn):
        def course(A, Y):
            return (A, Y, {}) if extra else (A, Y)
        return Adapted(fn, lambda self, *args: number(fn(*course(*args)), "cost"), course)
    return adapt


def as_update(fn):
    """The course's update_parameters(parameters, grads, learning_rate) on dicts.

    The course's own solution rebinds the entries of the dict it is given, and
    ``-=`` would change the arrays themselves; both are allowed by the course's
    contract, so the learner gets copies, and what it did to them is a note.
    """
    def course(params, grads, learning_rate):
        gdict = {}
        for l, (dW, db) in enumerate(grads, start=1):
            gdict[f"dW{l}"], gdict[f"db{l}"] = dW, db
        return {k: v.copy() for k, v in param_dict(params).items()}, gdict, learning_rate

    def call(self, params, grads, learning_rate):
        given, gdict, _ = course(params, grads, learning_rate)
        passed = dict(given)
        originals = {k: v.copy() for k, v in given.items()}
        out = fn(passed, gdict, learning_rate)
        if any(passed.get(k) is not v for k, v in given.items()):
            self.notes.add("it rebinds the entries of the parameters dict it is given (the course's "
                           "update_parameters does this; the caller's dict changes)")
        if any(not np.array_equal(v, originals[k]) for k, v in given.items()):
            self.notes.add("it changes the parameter arrays it is given in place (allowed for update_parameters: "
                           "the caller's arrays change)")
        return layer_pairs(out, len(params), "W", "b", "the returned parameters")
    return Adapted(fn, call, course)


def as_linear_forward(fn):
    return Adapted(fn, lambda self, A_prev, W, b: pair(fn(A_prev, W, b), 2, "linear_forward")[0])


def as_linear_activation_forward(fn):
    def call(self, A_prev, W, b, activation):
        A, cache = pair(fn(A_prev, W, b, activation), 2, "linear_activation_forward")
        _, Z = pair(cache, 2, "its cache")
        return A, Z
    return Adapted(fn, call)


def as_L_model_forward(fn):
    def course(X, params):
        return X, param_dict(params)

    def call(self, X, params):
        AL, caches = pair(fn(*course(X, params)), 2, "L_model_forward")
        if not isinstance(caches, (list, tuple)):
            raise OutputError(f"caches is {_what(caches)}, expected a list")
        out = []
        for l, cache in enumerate(caches):
            linear_cache, Z = pair(cache, 2, f"caches[{l}]")
            out.append((pair(linear_cache, 3, f"caches[{l}][0]")[0], Z))
        return AL, out
    return Adapted(fn, call, course)


def as_linear_backward(fn):
    def course(dZ, A_prev, W):
        return dZ, (A_prev, W, np.zeros((W.shape[0], 1), W.dtype))
    return Adapted(fn, lambda self, *args: pair(fn(*course(*args)), 3, "linear_backward"), course)


def as_linear_activation_backward(fn):
    def course(dA, A_prev, W, Z, activation):
        return dA, ((A_prev, W, np.zeros((W.shape[0], 1), W.dtype)), Z), activation
    return Adapted(fn, lambda self, *args: pair(fn(*course(*args)), 3, "linear_activation_backward"), course)


def as_L_model_backward(fn):
    def course(AL, Y, params, caches):
        return AL, Y, [((A_prev, W, b), Z) for (A_prev, Z), (W, b) in zip(caches, params, strict=True)]

    def call(self, AL, Y, params, caches):
        return layer_pairs(fn(*course(AL, Y, params, caches)), len(params), "dW", "db", "grads")
    return Adapted(fn, call, course)


# --- the shallow network's predict and update: parts of registry kernels ---------------------

def _predict_tier(forward):
    def predict(X, W1, b1, W2, b2):
        return (forward(X, W1, b1, W2, b2)[0] > 0.5).astype(X.dtype)
    predict.__doc__ = f"{forward.__name__}'s A2 > 0.5"
    return predict


#: The shallow network's predict(parameters, X): A2 > 0.5 of shallow_forward,
#: checked on shallow_forward's inputs (it is no kernel of its own in impls).
SHALLOW_PREDICT = Kernel(
    name="shallow_predict",
    summary="shallow_predict(X, W1, b1, W2, b2) -> (n_y, m) of 0/1: shallow_forward's A2 > 0.5",
    tiers={t: _predict_tier(sf.KERNEL.tiers[t]) for t in impls.CORE_TIERS},
    make_inputs=sf.make_inputs,
    sizes=sf.SIZES,
    edge_inputs=sf.edge_inputs,
    flops=sf.flops,
    bytes_moved=sf.KERNEL.bytes_moved,
    reduction=sf.KERNEL.reduction,
)

#: Kernels of this module, beside impls.KERNELS.
EXTRA_KERNELS = {SHALLOW_PREDICT.name: SHALLOW_PREDICT}


def kernel_spec(name: str) -> Kernel:
    return EXTRA_KERNELS.get(name) or impls.KERNELS[name]


def shallow_update_cases(kernel: Kernel, dtype: Any, preset: str, seed: int) -> list[tuple[str, tuple]]:
    """update_parameters' inputs for the shallow network's two layers (n_x, n_h, 1)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    ladder = [(f"n_x=2, n_h={n}", up.step_inputs((2, n, 1), rng, dtype, 1.2)) for n in sf.SIZES[preset]]
    return ladder + [
        ("edge: n_x, n_h, n_y all different (5, 3, 2)", up.step_inputs((5, 3, 2), rng, dtype, 1.2)),
        ("edge: learning rate 0: same values", up.step_inputs((4, 3, 1), rng, dtype, 0.0)),
        ("edge: learning rate 10: the step dominates", up.step_inputs((4, 3, 1), rng, dtype, 10.0)),
    ]
