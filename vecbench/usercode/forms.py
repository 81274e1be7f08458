"""The course's function forms, and adapters between them and the registry's kernels.

The course writes its functions with dict parameters (``"W1"``, ``"b1"``),
caches (``((A_prev, W, b), Z)``), gradient dicts (``"dW1"``, ``"db1"``) and
helpers returning ``(A, cache)``; the registry's kernels take and return
tuples and lists (``impls.registry``). A ``Form`` is one way the course (or
vecbench) writes a function: the signature that identifies it, the registry
kernel it computes, and an adapter that turns the learner's function into a
callable with the kernel's own signature and output structure, so that it
can go through the same gate, ladder, edge inputs and gradient checks as a
built-in tier.

A name may have several forms (``predict`` of logistic regression and of the
shallow network, ``compute_cost`` of weeks 3 and 4, ``sigmoid`` of week 2 and
the week-4 helper); the parameters tell them apart, and where they cannot
(same parameters, different outputs) ``find`` tries them in order on a small
input and keeps the first the function's outputs fit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import impls
from impls import shallow_forward as sf
from impls import update_parameters as up
from impls.registry import Kernel
from vecbench.measure.check import Mismatch


class OutputError(Mismatch):
    """The learner's output does not have the course's structure (a missing key, a wrong type)."""


@dataclass(frozen=True)
class Form:
    """One way to write a course function.

    ``adapt(fn)`` returns the tier callable; ``label(path)`` names the output
    at ``path`` (indices into the kernel's output structure) in the course's
    words; ``cases(kernel, dtype, preset, seed)`` replaces the kernel's own
    cases where the form computes only part of the kernel (the shallow
    network's update of two layers); inputs whose label contains one of
    ``finite_only`` are judged on finiteness alone, not value (the cost at an
    output that rounded to exactly 0 or 1 is a convention, not a number the
    course defines).
    """

    name: str
    kernel: str
    signature: str
    week: str
    arity: int
    adapt: Callable[[Callable], Callable]
    label: Callable[[tuple], str] = lambda path: _default_label(path)
    first: tuple[str, ...] | None = None
    has_default: bool | None = None
    cases: Callable | None = None
    finite_only: tuple[str, ...] = ()
    mutation_allowed: bool = False

    @property
    def same_arguments(self) -> bool:
        """Whether the learner's function takes the kernel's arguments as they are."""
        return self.adapt.__name__ in ("_direct", "_scalar_out", "_logistic_predict")

    @property
    def describe(self) -> str:
        return f"{self.week} form: {self.signature}"

    def fits(self, fn: Callable) -> bool:
        """Whether ``fn``'s parameters fit this form."""
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return False
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            return True
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = [p for p in positional if p.default is p.empty]
        if not len(required) <= self.arity <= len(positional):
            return False
        if any(p.kind == p.KEYWORD_ONLY and p.default is p.empty for p in params):
            return False
        if self.first is not None and positional[0].name not in self.first:
            return False
        if self.has_default is not None:
            extra = positional[self.arity - 1] if len(positional) >= self.arity else None
            if (extra is not None and extra.default is not extra.empty) != self.has_default:
                return False
        return True


def _default_label(path: tuple) -> str:
    return "the output" if not path else "output " + "".join(f"[{i}]" for i in path)


def _names(*names: str) -> Callable[[tuple], str]:
    def label(path: tuple) -> str:
        if not path:
            return names[0] if len(names) == 1 else "the outputs"
        head = names[path[0]] if path[0] < len(names) else f"output [{path[0]}]"
        return head + "".join(f"[{i}]" for i in path[1:])
    return label


def _layer_label(a: str, b: str) -> Callable[[tuple], str]:
    """Labels of a list of per-layer pairs: (l, 0) -> a{l+1}, (l, 1) -> b{l+1}."""
    def label(path: tuple) -> str:
        if len(path) < 2:
            return "the outputs"
        return f"{(a, b)[path[1]]}{path[0] + 1}"
    return label


def _forward_label(path: tuple) -> str:
    if not path or path == (1,):
        return "the outputs"
    if path[0] == 0:
        return "AL"
    if len(path) >= 3:
        return f"caches[{path[1]}] " + ("A_prev" if path[2] == 0 else "Z")
    return f"caches[{path[1]}]"


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
    what the course allows but a learner should know (an update in place)."""

    def __init__(self, fn: Callable, call: Callable) -> None:
        self.fn, self._call, self.notes = fn, call, set()
        self.__name__ = getattr(fn, "__name__", "learner")

    def __call__(self, *args: Any) -> Any:
        return self._call(self, *args)


def _direct(fn):
    return Adapted(fn, lambda self, *args: fn(*args))


def _scalar_out(fn):
    return Adapted(fn, lambda self, *args: number(fn(*args), "the result"))


def _first_of_pair(what):
    def adapt(fn):
        return Adapted(fn, lambda self, *args: pair(fn(*args), 2, what)[0])
    return adapt


def _propagate(fn):
    def call(self, w, b, X, Y):
        grads, cost = pair(fn(w, b, X, Y), 2, "propagate")
        return entry(grads, "dw", "grads"), number(entry(grads, "db", "grads"), "grads['db']"), number(cost, "cost")
    return Adapted(fn, call)


def _propagate_vecbench(fn):
    def call(self, w, b, X, Y):
        dw, db, cost = pair(fn(w, b, X, Y), 3, "propagate")
        return dw, number(db, "db"), number(cost, "cost")
    return Adapted(fn, call)


def _logistic_predict(fn):
    return Adapted(fn, lambda self, w, b, X: as_dtype(fn(w, b, X), X.dtype))


def _shallow_predict(fn):
    def call(self, X, W1, b1, W2, b2):
        return as_dtype(fn({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X), X.dtype)
    return Adapted(fn, call)


def _forward_propagation(fn):
    def call(self, X, W1, b1, W2, b2):
        A2, cache = pair(fn(X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2}), 2, "forward_propagation")
        return A2, entry(cache, "Z1", "cache"), entry(cache, "A1", "cache"), entry(cache, "Z2", "cache")
    return Adapted(fn, call)


def _backward_propagation(fn):
    def call(self, X, Y, W1, W2, A1, A2):
        b1, b2 = np.zeros((W1.shape[0], 1), W1.dtype), np.zeros((W2.shape[0], 1), W2.dtype)
        with np.errstate(all="ignore"):  # the pre-activations, for code that reads them (the course's does not)
            Z1, Z2 = np.arctanh(A1), np.log(A2) - np.log1p(-A2)
        grads = fn({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}, X, Y)
        return tuple(entry(grads, k, "grads") for k in ("dW1", "db1", "dW2", "db2"))
    return Adapted(fn, call)


def _cost(extra: bool):
    def adapt(fn):
        def call(self, A, Y):
            return number(fn(A, Y, {}) if extra else fn(A, Y), "cost")
        return Adapted(fn, call)
    return adapt


def _update(fn):
    """The course's update_parameters(parameters, grads, learning_rate) on dicts.

    The course's own solution rebinds the entries of the dict it is given, and
    ``-=`` would change the arrays themselves; both are allowed by the course's
    contract, so the learner gets copies, and what it did to them is a note.
    """
    def call(self, params, grads, learning_rate):
        given = {k: v.copy() for k, v in param_dict(params).items()}
        passed = dict(given)
        originals = {k: v.copy() for k, v in given.items()}
        gdict = {}
        for l, (dW, db) in enumerate(grads, start=1):
            gdict[f"dW{l}"], gdict[f"db{l}"] = dW, db
        out = fn(passed, gdict, learning_rate)
        if any(passed.get(k) is not v for k, v in given.items()):
            self.notes.add("it rebinds the entries of the parameters dict it is given (the course's "
                           "update_parameters does this; the caller's dict changes)")
        if any(not np.array_equal(v, originals[k]) for k, v in given.items()):
            self.notes.add("it changes the parameter arrays it is given in place (allowed for update_parameters: "
                           "the caller's arrays change)")
        return layer_pairs(out, len(params), "W", "b", "the returned parameters")
    return Adapted(fn, call)


def _linear_forward(fn):
    return Adapted(fn, lambda self, A_prev, W, b: pair(fn(A_prev, W, b), 2, "linear_forward")[0])


def _linear_activation_forward(fn):
    def call(self, A_prev, W, b, activation):
        A, cache = pair(fn(A_prev, W, b, activation), 2, "linear_activation_forward")
        _, Z = pair(cache, 2, "its cache")
        return A, Z
    return Adapted(fn, call)


def _L_model_forward(fn):
    def call(self, X, params):
        AL, caches = pair(fn(X, param_dict(params)), 2, "L_model_forward")
        if not isinstance(caches, (list, tuple)):
            raise OutputError(f"caches is {_what(caches)}, expected a list")
        out = []
        for l, cache in enumerate(caches):
            linear_cache, Z = pair(cache, 2, f"caches[{l}]")
            out.append((pair(linear_cache, 3, f"caches[{l}][0]")[0], Z))
        return AL, out
    return Adapted(fn, call)


def _linear_backward(fn):
    def call(self, dZ, A_prev, W):
        b = np.zeros((W.shape[0], 1), W.dtype)
        return pair(fn(dZ, (A_prev, W, b)), 3, "linear_backward")
    return Adapted(fn, call)


def _linear_activation_backward(fn):
    def call(self, dA, A_prev, W, Z, activation):
        b = np.zeros((W.shape[0], 1), W.dtype)
        return pair(fn(dA, ((A_prev, W, b), Z), activation), 3, "linear_activation_backward")
    return Adapted(fn, call)


def _L_model_backward(fn):
    def call(self, AL, Y, params, caches):
        course = [((A_prev, W, b), Z) for (A_prev, Z), (W, b) in zip(caches, params, strict=True)]
        grads = fn(AL, Y, course)
        return layer_pairs(grads, len(params), "dW", "db", "grads")
    return Adapted(fn, call)


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


#: Edge inputs whose outputs rounded to exactly 0 or 1: judged on finiteness only.
EXACT = ("exactly 0 and 1",)


def _forms() -> dict[str, list[Form]]:
    F = Form
    table = [
        F("sigmoid", "sigmoid", "sigmoid(x) -> s", "week 2", 1, _direct, _names("s")),
        F("sigmoid", "sigmoid", "sigmoid(Z) -> (A, cache)", "week 4 helper", 1,
          _first_of_pair("sigmoid"), _names("A")),
        F("relu", "relu", "relu(Z) -> (A, cache)", "week 4 helper", 1, _first_of_pair("relu"), _names("A")),
        F("relu", "relu", "relu(Z) -> A", "vecbench", 1, _direct, _names("A")),
        F("sigmoid_derivative", "sigmoid_derivative", "sigmoid_derivative(x) -> ds", "week 2", 1, _direct,
          _names("ds")),
        F("image2vector", "image2vector", "image2vector(image) -> v", "week 2", 1, _direct, _names("v")),
        F("normalizeRows", "normalize_rows", "normalizeRows(x) -> x", "week 2", 1, _direct, _names("x")),
        F("normalize_rows", "normalize_rows", "normalize_rows(X) -> X", "vecbench", 1, _direct, _names("X")),
        F("softmax", "softmax", "softmax(x) -> s", "week 2", 1, _direct, _names("s")),
        F("L1", "l1_loss", "L1(yhat, y) -> loss", "week 2", 2, _scalar_out, _names("loss")),
        F("l1_loss", "l1_loss", "l1_loss(yhat, y) -> loss", "vecbench", 2, _scalar_out, _names("loss")),
        F("L2", "l2_loss", "L2(yhat, y) -> loss", "week 2", 2, _scalar_out, _names("loss")),
        F("l2_loss", "l2_loss", "l2_loss(yhat, y) -> loss", "vecbench", 2, _scalar_out, _names("loss")),
        F("propagate", "propagate", "propagate(w, b, X, Y) -> (grads, cost)", "week 2 logistic regression",
          4, _propagate, _names("grads['dw']", "grads['db']", "cost"), finite_only=("saturated logits",)),
        F("propagate", "propagate", "propagate(w, b, X, Y) -> (dw, db, cost)", "vecbench", 4,
          _propagate_vecbench, _names("dw", "db", "cost"), finite_only=("saturated logits",)),
        F("predict", "logistic_predict", "predict(w, b, X) -> Y_prediction", "week 2 logistic regression", 3,
          _logistic_predict, _names("Y_prediction")),
        F("logistic_predict", "logistic_predict", "logistic_predict(w, b, X) -> Y_prediction", "vecbench", 3,
          _logistic_predict, _names("Y_prediction")),
        F("predict", "shallow_predict", "predict(parameters, X) -> predictions", "week 3 shallow network", 2,
          _shallow_predict, _names("predictions")),
        F("forward_propagation", "shallow_forward", "forward_propagation(X, parameters) -> (A2, cache)",
          "week 3", 2, _forward_propagation, _names("A2", "cache['Z1']", "cache['A1']", "cache['Z2']")),
        F("shallow_forward", "shallow_forward", "shallow_forward(X, W1, b1, W2, b2) -> (A2, Z1, A1, Z2)",
          "vecbench", 5, _direct, _names("A2", "Z1", "A1", "Z2")),
        F("compute_cost", "cross_entropy_cost", "compute_cost(A2, Y, parameters) -> cost", "week 3", 3,
          _cost(True), _names("cost"), finite_only=EXACT),
        F("compute_cost", "cross_entropy_cost", "compute_cost(A2, Y) -> cost", "week 3", 2, _cost(False),
          _names("cost"), first=("A2",), finite_only=EXACT),
        F("compute_cost", "cross_entropy_cost", "compute_cost(AL, Y) -> cost", "week 4", 2, _cost(False),
          _names("cost"), finite_only=EXACT),
        F("cross_entropy_cost", "cross_entropy_cost", "cross_entropy_cost(A, Y) -> cost", "vecbench", 2,
          _cost(False), _names("cost"), finite_only=EXACT),
        F("backward_propagation", "shallow_backward", "backward_propagation(parameters, cache, X, Y) -> grads",
          "week 3", 4, _backward_propagation, _names("dW1", "db1", "dW2", "db2")),
        F("shallow_backward", "shallow_backward", "shallow_backward(X, Y, W1, W2, A1, A2) -> (dW1, db1, dW2, db2)",
          "vecbench", 6, _direct, _names("dW1", "db1", "dW2", "db2")),
        F("update_parameters", "update_parameters", "update_parameters(parameters, grads, learning_rate=1.2)",
          "week 3 shallow network", 3, _update, _layer_label("W", "b"), has_default=True,
          cases=shallow_update_cases, mutation_allowed=True),
        F("update_parameters", "update_parameters", "update_parameters(parameters, grads, learning_rate)",
          "week 4 deep network", 3, _update, _layer_label("W", "b"), mutation_allowed=True),
        F("update_parameters", "update_parameters", "update_parameters(params, grads, learning_rate) on lists",
          "vecbench", 3, _direct, _layer_label("W", "b")),
        F("linear_forward", "linear_forward", "linear_forward(A, W, b) -> (Z, cache)", "week 4", 3,
          _linear_forward, _names("Z")),
        F("linear_forward", "linear_forward", "linear_forward(A_prev, W, b) -> Z", "vecbench", 3, _direct,
          _names("Z")),
        F("linear_activation_forward", "linear_activation_forward",
          "linear_activation_forward(A_prev, W, b, activation) -> (A, cache)", "week 4", 4,
          _linear_activation_forward, _names("A", "Z")),
        F("linear_activation_forward", "linear_activation_forward",
          "linear_activation_forward(A_prev, W, b, activation) -> (A, Z)", "vecbench", 4, _direct,
          _names("A", "Z")),
        F("L_model_forward", "L_model_forward", "L_model_forward(X, parameters) -> (AL, caches)", "week 4", 2,
          _L_model_forward, _forward_label),
        F("L_model_forward", "L_model_forward", "L_model_forward(X, params) on lists", "vecbench", 2, _direct,
          _forward_label),
        F("linear_backward", "linear_backward", "linear_backward(dZ, cache) -> (dA_prev, dW, db)", "week 4", 2,
          _linear_backward, _names("dA_prev", "dW", "db")),
        F("linear_backward", "linear_backward", "linear_backward(dZ, A_prev, W) -> (dA_prev, dW, db)",
          "vecbench", 3, _direct, _names("dA_prev", "dW", "db")),
        F("relu_backward", "relu_backward", "relu_backward(dA, cache) -> dZ", "week 4 helper", 2, _direct,
          _names("dZ")),
        F("sigmoid_backward", "sigmoid_backward", "sigmoid_backward(dA, cache) -> dZ", "week 4 helper", 2,
          _direct, _names("dZ")),
        F("linear_activation_backward", "linear_activation_backward",
          "linear_activation_backward(dA, cache, activation) -> (dA_prev, dW, db)", "week 4", 3,
          _linear_activation_backward, _names("dA_prev", "dW", "db")),
        F("linear_activation_backward", "linear_activation_backward",
          "linear_activation_backward(dA, A_prev, W, Z, activation) -> (dA_prev, dW, db)", "vecbench", 5,
          _direct, _names("dA_prev", "dW", "db")),
        F("L_model_backward", "L_model_backward", "L_model_backward(AL, Y, caches) -> grads", "week 4", 3,
          _L_model_backward, _layer_label("dW", "db"), finite_only=EXACT),
        F("L_model_backward", "L_model_backward", "L_model_backward(AL, Y, params, caches) -> [(dW, db)]",
          "vecbench", 4, _direct, _layer_label("dW", "db"), finite_only=EXACT),
    ]
    forms: dict[str, list[Form]] = {}
    for form in table:
        forms.setdefault(form.name, []).append(form)
    return forms


#: Function name -> its forms, in the order they are tried.
FORMS = _forms()

#: The course's names, looked for in every file (vecbench's own names are
#: found when present, never reported missing).
COURSE_NAMES = tuple(n for n, fs in FORMS.items() if any(f.week != "vecbench" for f in fs))


@dataclass
class Candidate:
    """A function of the learner's with the forms its parameters fit."""

    name: str
    fn: Callable
    forms: list[Form] = field(default_factory=list)


def expected_signatures(name: str) -> str:
    return "; ".join(f"{f.signature} ({f.week})" for f in FORMS[name])
