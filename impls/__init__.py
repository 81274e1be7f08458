"""The kernels vecbench measures, in three tiers side by side.

``KERNELS`` maps each kernel's name to its spec (``impls.registry.Kernel``);
it is an explicit list, so adding a kernel is one module plus one line here.
``call(kernel, tier, *args)`` runs one tier and returns NumPy outputs, with
scalar outputs as Python floats.

This package never imports ``vecbench``: it is what is measured, not the
instrument.
"""

from types import MappingProxyType

import numpy as np

from impls import (L_model_backward, L_model_forward, cross_entropy_cost, dot, gdot, image2vector, l1_loss,
                   l2_loss, linear_activation_backward, linear_activation_forward, linear_backward,
                   linear_forward, logistic_predict, multiply, normalize_rows, outer, propagate, relu,
                   relu_backward, shallow_backward, shallow_forward, sigmoid, sigmoid_backward,
                   sigmoid_derivative, softmax, update_parameters)
from impls.registry import CORE_TIERS, PRESETS, REFERENCE_TIER, GradProblem, Kernel

KERNELS = MappingProxyType({k.name: k for k in (
    # the vectorization demo
    dot.KERNEL,
    outer.KERNEL,
    multiply.KERNEL,
    gdot.KERNEL,
    # NumPy basics
    sigmoid.KERNEL,
    sigmoid_derivative.KERNEL,
    relu.KERNEL,
    softmax.KERNEL,
    normalize_rows.KERNEL,
    image2vector.KERNEL,
    l1_loss.KERNEL,
    l2_loss.KERNEL,
    # logistic regression
    cross_entropy_cost.KERNEL,
    propagate.KERNEL,
    logistic_predict.KERNEL,
    # the shallow network
    shallow_forward.KERNEL,
    shallow_backward.KERNEL,
    # the deep network
    linear_forward.KERNEL,
    linear_activation_forward.KERNEL,
    L_model_forward.KERNEL,
    linear_backward.KERNEL,
    relu_backward.KERNEL,
    sigmoid_backward.KERNEL,
    linear_activation_backward.KERNEL,
    L_model_backward.KERNEL,
    update_parameters.KERNEL,
)})

#: Every tier any kernel has, core tiers first.
TIERS = CORE_TIERS + tuple(sorted(
    {t for k in KERNELS.values() for t in k.tiers} - set(CORE_TIERS)))


def call(kernel, tier, *args):
    """Run ``tier`` of ``kernel`` on ``args``; scalar outputs become floats."""
    try:
        spec = KERNELS[kernel]
    except KeyError:
        raise KeyError(f"unknown kernel {kernel!r}; choose from {', '.join(KERNELS)}") from None
    try:
        fn = spec.tiers[tier]
    except KeyError:
        raise KeyError(f"kernel {kernel!r} has no tier {tier!r}; choose from {', '.join(spec.tiers)}") from None
    return as_python_scalars(fn(*args))


def as_python_scalars(out):
    """Turn NumPy/Numba scalar outputs into Python floats, recursively."""
    if isinstance(out, tuple):
        return tuple(as_python_scalars(o) for o in out)
    if isinstance(out, list):
        return [as_python_scalars(o) for o in out]
    if isinstance(out, (float, np.floating)):
        return float(out)
    return out


__all__ = ["CORE_TIERS", "KERNELS", "PRESETS", "REFERENCE_TIER", "TIERS",
           "GradProblem", "Kernel", "call"]
