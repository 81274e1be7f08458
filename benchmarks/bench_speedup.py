"""How many times faster one tier is than another, per kernel and size.

One class per registered kernel, params ``ratio`` x ``n``: ``numba/python``
is time(python) / time(numba) at size ``n``, both measured in the same
process right after each other on the same gated inputs. Two sizes are
tracked, the ends of the quick ladder: the largest, where the speedup
approaches its asymptote, and the smallest, where the call overhead of
NumPy can make the loops win (those calls are too short for asv's time
benchmarks; this track batches them). The sizes between are in the time
benchmarks and pytest-benchmark.
"""

from benchmarks import _common


class _Speedup:
    """time(slower tier) / time(faster tier), best of 3 batches each."""

    kernel = ""
    param_names = ["ratio", "n"]
    unit = "times faster"

    def setup(self, ratio, n):
        fast, slow = _common.RATIOS[ratio]
        self.fast = _common.prepared(self.kernel, fast, n)
        self.slow = _common.prepared(self.kernel, slow, n)

    def track_speedup(self, ratio, n):
        t_fast = _common.seconds_per_call(self.fast.fn, self.fast.args, self.fast.spec.mutates, repeats=3)
        t_slow = _common.seconds_per_call(self.slow.fn, self.slow.args, self.slow.spec.mutates, repeats=3)
        return t_slow / t_fast


def _params(spec):
    sizes = _common.ladder(spec)
    return [list(_common.RATIOS), list(dict.fromkeys([sizes[0], sizes[-1]]))]


_common.generate(globals(), _Speedup, _params)
__getattr__ = _common.missing_kernel_getattr(__name__, ("track_speedup",))
