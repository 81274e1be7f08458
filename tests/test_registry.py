"""The registry is complete and honest: one module per kernel, real Numba."""

import importlib
import pkgutil

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

import impls
from impls.registry import CORE_TIERS, PRESETS
from tests.conftest import KERNEL_NAMES

NOT_KERNELS = {"registry", "tuning"}


def test_every_kernel_module_is_registered_and_nothing_else():
    modules = {m.name for m in pkgutil.iter_modules(impls.__path__)} - NOT_KERNELS
    assert modules == set(impls.KERNELS)


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_module_exports_its_spec_and_tiers_by_convention(name):
    module = importlib.import_module(f"impls.{name}")
    spec = impls.KERNELS[name]
    assert module.KERNEL is spec
    for tier, fn in spec.tiers.items():
        assert fn is getattr(module, f"{name}_{tier}"), f"{name}'s {tier} tier is not {name}_{tier}"


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_numba_tier_runs_real_numba_dispatchers(name):
    spec = impls.KERNELS[name]
    assert spec.jitted, "no dispatcher listed"
    for fn in spec.jitted:
        assert isinstance(fn, CPUDispatcher), f"{fn!r} is not compiled by Numba"
    if spec.tiers["numba"] not in spec.jitted:
        # a composite driver: it must at least be a different function from
        # the python tier, or the numba column would time the loops
        assert spec.tiers["numba"] is not spec.tiers["python"]


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_spec_declares_ladders_cost_model_and_edge_inputs(name):
    spec = impls.KERNELS[name]
    assert set(CORE_TIERS) <= set(spec.tiers)
    assert set(spec.sizes) == set(PRESETS)
    args = spec.inputs(spec.sizes["quick"][-1])
    assert spec.flops(args) > 0
    assert spec.bytes_moved(args) > 0
    assert spec.reduction(args) >= 1
    assert len(spec.edge_inputs(np.dtype(np.float64))) >= 2


@pytest.mark.parametrize("name", KERNEL_NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_make_inputs_is_seeded_and_honours_dtype(name, dtype):
    spec = impls.KERNELS[name]
    n = spec.sizes["quick"][0]
    a, b = spec.inputs(n, seed=1, dtype=dtype), spec.inputs(n, seed=1, dtype=dtype)
    arrays_a = [x for x in _arrays(a)]
    assert arrays_a, "make_inputs built no arrays"
    assert all(np.array_equal(x, y) for x, y in zip(arrays_a, _arrays(b)))
    assert all(x.dtype == dtype for x in arrays_a if x.dtype.kind == "f")


def test_call_rejects_unknown_names_with_the_valid_choices():
    with pytest.raises(KeyError, match="choose from"):
        impls.call("no_such_kernel", "numpy")
    with pytest.raises(KeyError, match="choose from"):
        impls.call("dot", "fortran")


def test_call_returns_python_float_for_scalar_outputs():
    x = np.arange(3.0)
    for tier in CORE_TIERS:
        out = impls.call("dot", tier, x, x)
        assert type(out) is float and out == 5.0


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _arrays(o)


@pytest.mark.parametrize("name", KERNEL_NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_edge_inputs_honour_dtype(name, dtype):
    # the gate judges a case by its first array's dtype: one stray float64
    # array would silently check a float32 case in float64
    for label, args in impls.KERNELS[name].edge_inputs(np.dtype(dtype)):
        floats = [x.dtype for x in _arrays(args) if x.dtype.kind == "f"]
        assert floats and all(dt == dtype for dt in floats), f"{label}: dtypes {set(map(str, floats))}"
