"""How many times faster one tier is than another, per kernel and size.

One class per registered kernel, params ``ratio`` x ``n``: ``numba/python``
is time(python) / time(numba) at size ``n``, both measured in the same
process right after each other on the same gated inputs. Every size of the
ladder is tracked, the smallest too: there the call overhead of NumPy can
make the loops win, which is part of the answer.
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


_common.generate(globals(), _Speedup, lambda spec: [list(_common.RATIOS), _common.ladder(spec)])
__getattr__ = _common.missing_kernel_getattr(__name__, ("track_speedup",))
