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
from collections.abc import Callable
from dataclasses import dataclass, field

from vecbench.usercode.adapters import (as_backward_propagation, as_cost, as_direct, as_first_of_pair,
                                        as_forward_propagation, as_L_model_backward, as_L_model_forward,
                                        as_linear_activation_backward, as_linear_activation_forward,
                                        as_linear_backward, as_linear_forward, as_logistic_predict, as_propagate,
                                        as_propagate_vecbench, as_scalar_out, as_shallow_predict, as_update,
                                        shallow_update_cases)


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
        return self.adapt.__name__ in ("as_direct", "as_scalar_out", "as_logistic_predict")

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


#: Edge inputs whose outputs rounded to exactly 0 or 1: judged on finiteness only.
EXACT = ("exactly 0 and 1",)


def _forms() -> dict[str, list[Form]]:
    F = Form
    table = [
        F("sigmoid", "sigmoid", "sigmoid(x) -> s", "week 2", 1, as_direct, _names("s")),
        F("sigmoid", "sigmoid", "sigmoid(Z) -> (A, cache)", "week 4 helper", 1,
          as_first_of_pair("sigmoid"), _names("A")),
        F("relu", "relu", "relu(Z) -> (A, cache)", "week 4 helper", 1, as_first_of_pair("relu"), _names("A")),
        F("relu", "relu", "relu(Z) -> A", "vecbench", 1, as_direct, _names("A")),
        F("sigmoid_derivative", "sigmoid_derivative", "sigmoid_derivative(x) -> ds", "week 2", 1, as_direct,
          _names("ds")),
        F("image2vector", "image2vector", "image2vector(image) -> v", "week 2", 1, as_direct, _names("v")),
        F("normalizeRows", "normalize_rows", "normalizeRows(x) -> x", "week 2", 1, as_direct, _names("x")),
        F("normalize_rows", "normalize_rows", "normalize_rows(X) -> X", "vecbench", 1, as_direct, _names("X")),
        F("softmax", "softmax", "softmax(x) -> s", "week 2", 1, as_direct, _names("s")),
        F("L1", "l1_loss", "L1(yhat, y) -> loss", "week 2", 2, as_scalar_out, _names("loss")),
        F("l1_loss", "l1_loss", "l1_loss(yhat, y) -> loss", "vecbench", 2, as_scalar_out, _names("loss")),
        F("L2", "l2_loss", "L2(yhat, y) -> loss", "week 2", 2, as_scalar_out, _names("loss")),
        F("l2_loss", "l2_loss", "l2_loss(yhat, y) -> loss", "vecbench", 2, as_scalar_out, _names("loss")),
        F("propagate", "propagate", "propagate(w, b, X, Y) -> (grads, cost)", "week 2 logistic regression",
          4, as_propagate, _names("grads['dw']", "grads['db']", "cost"), finite_only=("saturated logits",)),
        F("propagate", "propagate", "propagate(w, b, X, Y) -> (dw, db, cost)", "vecbench", 4,
          as_propagate_vecbench, _names("dw", "db", "cost"), finite_only=("saturated logits",)),
        F("predict", "logistic_predict", "predict(w, b, X) -> Y_prediction", "week 2 logistic regression", 3,
          as_logistic_predict, _names("Y_prediction")),
        F("logistic_predict", "logistic_predict", "logistic_predict(w, b, X) -> Y_prediction", "vecbench", 3,
          as_logistic_predict, _names("Y_prediction")),
        F("predict", "shallow_predict", "predict(parameters, X) -> predictions", "week 3 shallow network", 2,
          as_shallow_predict, _names("predictions")),
        F("forward_propagation", "shallow_forward", "forward_propagation(X, parameters) -> (A2, cache)",
          "week 3", 2, as_forward_propagation, _names("A2", "cache['Z1']", "cache['A1']", "cache['Z2']")),
        F("shallow_forward", "shallow_forward", "shallow_forward(X, W1, b1, W2, b2) -> (A2, Z1, A1, Z2)",
          "vecbench", 5, as_direct, _names("A2", "Z1", "A1", "Z2")),
        F("compute_cost", "cross_entropy_cost", "compute_cost(A2, Y, parameters) -> cost", "week 3", 3,
          as_cost(True), _names("cost"), finite_only=EXACT),
        F("compute_cost", "cross_entropy_cost", "compute_cost(A2, Y) -> cost", "week 3", 2, as_cost(False),
          _names("cost"), first=("A2",), finite_only=EXACT),
        F("compute_cost", "cross_entropy_cost", "compute_cost(AL, Y) -> cost", "week 4", 2, as_cost(False),
          _names("cost"), finite_only=EXACT),
        F("cross_entropy_cost", "cross_entropy_cost", "cross_entropy_cost(A, Y) -> cost", "vecbench", 2,
          as_cost(False), _names("cost"), finite_only=EXACT),
        F("backward_propagation", "shallow_backward", "backward_propagation(parameters, cache, X, Y) -> grads",
          "week 3", 4, as_backward_propagation, _names("dW1", "db1", "dW2", "db2")),
        F("shallow_backward", "shallow_backward", "shallow_backward(X, Y, W1, W2, A1, A2) -> (dW1, db1, dW2, db2)",
          "vecbench", 6, as_direct, _names("dW1", "db1", "dW2", "db2")),
        F("update_parameters", "update_parameters", "update_parameters(parameters, grads, learning_rate=1.2)",
          "week 3 shallow network", 3, as_update, _layer_label("W", "b"), has_default=True,
          cases=shallow_update_cases, mutation_allowed=True),
        F("update_parameters", "update_parameters", "update_parameters(parameters, grads, learning_rate)",
          "week 4 deep network", 3, as_update, _layer_label("W", "b"), mutation_allowed=True),
        F("update_parameters", "update_parameters", "update_parameters(params, grads, learning_rate) on lists",
          "vecbench", 3, as_direct, _layer_label("W", "b")),
        F("linear_forward", "linear_forward", "linear_forward(A, W, b) -> (Z, cache)", "week 4", 3,
          as_linear_forward, _names("Z")),
        F("linear_forward", "linear_forward", "linear_forward(A_prev, W, b) -> Z", "vecbench", 3, as_direct,
          _names("Z")),
        F("linear_activation_forward", "linear_activation_forward",
          "linear_activation_forward(A_prev, W, b, activation) -> (A, cache)", "week 4", 4,
          as_linear_activation_forward, _names("A", "Z")),
        F("linear_activation_forward", "linear_activation_forward",
          "linear_activation_forward(A_prev, W, b, activation) -> (A, Z)", "vecbench", 4, as_direct,
          _names("A", "Z")),
        F("L_model_forward", "L_model_forward", "L_model_forward(X, parameters) -> (AL, caches)", "week 4", 2,
          as_L_model_forward, _forward_label),
        F("L_model_forward", "L_model_forward", "L_model_forward(X, params) on lists", "vecbench", 2, as_direct,
          _forward_label),
        F("linear_backward", "linear_backward", "linear_backward(dZ, cache) -> (dA_prev, dW, db)", "week 4", 2,
          as_linear_backward, _names("dA_prev", "dW", "db")),
        F("linear_backward", "linear_backward", "linear_backward(dZ, A_prev, W) -> (dA_prev, dW, db)",
          "vecbench", 3, as_direct, _names("dA_prev", "dW", "db")),
        F("relu_backward", "relu_backward", "relu_backward(dA, cache) -> dZ", "week 4 helper", 2, as_direct,
          _names("dZ")),
        F("sigmoid_backward", "sigmoid_backward", "sigmoid_backward(dA, cache) -> dZ", "week 4 helper", 2,
          as_direct, _names("dZ")),
        F("linear_activation_backward", "linear_activation_backward",
          "linear_activation_backward(dA, cache, activation) -> (dA_prev, dW, db)", "week 4", 3,
          as_linear_activation_backward, _names("dA_prev", "dW", "db")),
        F("linear_activation_backward", "linear_activation_backward",
          "linear_activation_backward(dA, A_prev, W, Z, activation) -> (dA_prev, dW, db)", "vecbench", 5,
          as_direct, _names("dA_prev", "dW", "db")),
        F("L_model_backward", "L_model_backward", "L_model_backward(AL, Y, caches) -> grads", "week 4", 3,
          as_L_model_backward, _layer_label("dW", "db"), finite_only=EXACT),
        F("L_model_backward", "L_model_backward", "L_model_backward(AL, Y, params, caches) -> [(dW, db)]",
          "vecbench", 4, as_direct, _layer_label("dW", "db"), finite_only=EXACT),
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
