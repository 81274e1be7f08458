"""Seconds per call of every kernel x tier x size: the history graphs.

One class per registered kernel (``Dot``, ``LinearBackward``, ...), each with
params ``tier`` x ``n`` (the kernel's quick ladder, as strings). ``setup``
builds seeded inputs, gates the tier on them and warms it up; sizes whose
call is under ``MIN_CALL`` are skipped here and timed by pytest-benchmark.
"""

from benchmarks import _common


class _KernelTime:
    """Seconds per call of ``tier`` at ladder size ``n`` (float64 inputs)."""

    kernel = ""
    param_names = ["tier", "n"]
    repeat = _common.REPEAT

    def setup(self, tier, n):
        seconds = _common.call_seconds(self.kernel, tier, n)
        if seconds < _common.MIN_CALL:
            raise NotImplementedError(
                f"{seconds * 1e6:.2g} us per call is under asv's {_common.MIN_CALL * 1e6:.0f} us floor "
                "(one call per sample); see tests/test_benchmarks.py")
        case = _common.prepared(self.kernel, tier, n)
        # asv re-runs setup before every timed call. The first time in this
        # process, warm as the runner does before its samples (other pools
        # idle, then one call); later, add nothing, so that the timed calls
        # follow each other as the runner's back-to-back calls do, this
        # tier's pool awake (asleep, it takes 0.2-10 ms to wake on a small VM).
        _common.warm_once(case.spec.name, tier, n)
        self.fn, self.args = case.fn, case.fresh_args()

    def time_kernel(self, tier, n):
        self.fn(*self.args)


_common.generate(globals(), _KernelTime, lambda spec: [list(spec.tiers), _common.ladder(spec)])
__getattr__ = _common.missing_kernel_getattr(__name__, ("time_kernel",))
