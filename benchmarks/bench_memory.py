"""Peak resident memory of one call at a large size: what temporaries cost.

A chained NumPy expression allocates a full-size temporary per step
(``np.where(Z >= 0, 1 / (1 + E), E / (1 + E))`` holds several at once); the
loop tiers write one output. asv's ``peakmem`` is the high-water mark of the
whole process, so the figures include the interpreter, NumPy and Numba
(about the same for every tier of a kernel) and the inputs: compare the tiers
of one kernel, not kernels with each other.

To keep the mark set by the call, the gate runs at the smallest ladder size
(its reference and copies would otherwise set it), and so does the warm-up,
which also keeps Numba's compiler out of the figure when its cache is cold.
"""

import functools

from benchmarks import _common


@functools.cache
def _prepared(kernel, tier, n):
    small = _common.prepared(kernel, tier, str(_common.spec_of(kernel).sizes[_common.LADDER][0]))
    args = small.spec.inputs(int(n), _common.SEED, _common.DTYPE)
    return _common.Case(small.spec, tier, int(n), args)


class _PeakMemory:
    """Peak RSS of the process while ``tier`` runs once at size ``n``."""

    kernel = ""
    param_names = ["tier", "n"]

    def setup(self, tier, n):
        case = _prepared(self.kernel, tier, n)
        self.fn, self.args = case.fn, case.fresh_args()

    def peakmem_kernel(self, tier, n):
        self.fn(*self.args)


def _params(spec):
    # The python tier runs the numba tier's loops (DESIGN.md) and at these
    # sizes is far over the time budget: it is not measured here.
    tiers = [t for t in spec.tiers if t != "python"]
    return [tiers, [_common.ladder(spec, _common.MEMORY_LADDER)[-1]]]


_common.generate(globals(), _PeakMemory, _params)
__getattr__ = _common.missing_kernel_getattr(__name__, ("peakmem_kernel",))
