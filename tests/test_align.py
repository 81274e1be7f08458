"""Every instrument measures on inputs whose arrays start on a cache line."""

import collections

import numpy as np
import pytest

from impls import KERNELS
from vecbench.measure import core, timing
from vecbench.measure.align import ALIGNMENT, aligned, offsets
from vecbench.measure.settings import Settings
from vecbench.measure.sweep import Sweep


def misaligned(shape, offset=16, order="C"):
    buf = np.empty(int(np.prod(shape)) * 8 + 2 * ALIGNMENT, dtype=np.uint8)
    start = (-buf.ctypes.data) % ALIGNMENT + offset
    a = buf[start:start + int(np.prod(shape)) * 8].view(np.float64).reshape(shape, order=order)
    a[...] = np.arange(a.size).reshape(shape)
    return a


def test_a_copy_keeps_values_layout_and_sharing_and_starts_every_array_on_a_line():
    Pair = collections.namedtuple("Pair", "x y")
    shared = misaligned((3, 5))
    f = np.asfortranarray(misaligned((4, 6)))
    strided = misaligned((6, 6))[:, ::2]
    args = ({"W1": shared, "b1": misaligned((3, 1))}, [shared, f], Pair(misaligned((7,)), 2.5), strided, "relu")
    assert offsets(args[0]) == [16, 16]
    out = aligned(args)
    assert offsets(out[:3]) == [0] * 5
    assert out[0]["W1"] is out[1][0]  # shared before, shared after
    assert out[0]["W1"] is not shared and np.array_equal(out[0]["W1"], shared)
    assert out[1][1].flags.f_contiguous and np.array_equal(out[1][1], f)
    assert isinstance(out[2], Pair) and out[2].y == 2.5
    assert np.array_equal(out[3], strided) and out[3] is not strided  # copied as deepcopy copies it
    assert out[4] == "relu"


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_prepared_inputs_and_a_mutating_kernels_fresh_copies_start_on_a_line(name):
    spec = KERNELS[name]
    n = spec.sizes["quick"][0]
    args = core.inputs(spec, n)
    assert set(offsets(args)) <= {0}
    call = timing.Call(spec.tiers["numpy"], args, timing.TIMERS["perf_counter"], spec.mutates)
    assert set(offsets(call.fresh_args())) <= {0}


def test_the_runner_records_read_the_inputs_alignment_back():
    settings = Settings(preset="quick", kernels=["gdot"], tiers=["numpy"], sizes=[16])
    sweep = Sweep(settings, timing.TIMERS["perf_counter"], 1e-9)
    records = sweep.measure_size(KERNELS["gdot"], 16)
    assert [r["input_offsets"] for r in records] == [[0]]
