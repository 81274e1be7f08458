"""Seconds per call of every kernel x tier x size: the history graphs.

One class per registered kernel (``Dot``, ``LinearBackward``, ...), each with
params ``tier`` x ``n`` (the kernel's quick ladder, as strings).

The class has no ``setup``, on purpose. With one, asv re-runs it before
every timed call and times each call alone, after its own bookkeeping; that
Python work between two calls disturbs the caches, and a 24 us call of
dot's numpy tier read 35 us in asv against 24 us in the runner and
pytest-benchmark (``vecbench agree``). Without one, asv batches calls into
samples of at least 10 ms, as the runner does. The first call of
``time_kernel`` in its process therefore prepares the call: seeded inputs,
the gate on them (a mismatch raises ``EquivalenceError``: the benchmark
fails and nothing is timed), the first call that compiles, and the warm-up
of the measurement core. It falls in asv's warm-up, whose timings are never
samples; ``warmup_time`` leaves it room. A preparation longer than that makes
asv settle on one call per sample: the figure is then still right, just
taken as with a setup. Skips (the python tier over its budget, a kernel that
writes into its inputs) raise ``SkipNotImplemented`` on that first call.
"""

from benchmarks import _common


class _KernelTime:
    """Seconds per call of ``tier`` at ladder size ``n`` (float64 inputs)."""

    kernel = ""
    param_names = ["tier", "n"]
    repeat = _common.REPEAT
    warmup_time = _common.WARMUP_TIME

    def time_kernel(self, tier, n):
        fn, args = _common.batched_call(self.kernel, tier, n)
        fn(*args)


_common.generate(globals(), _KernelTime, lambda spec: [list(spec.tiers), _common.ladder(spec)])
__getattr__ = _common.missing_kernel_getattr(__name__, ("time_kernel",))
