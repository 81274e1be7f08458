"""The budget's growth fit: a loop's time per call at a larger size, predicted from the smaller sizes.

``vecbench run`` skips a budgeted tier (``python``, a learner's ``--impl``)
whose predicted call exceeds ``--budget``, and records the estimate.
"""

from __future__ import annotations

import numpy as np

from impls.registry import Kernel

#: The growth exponent fitted from the smaller sizes is clamped to this range:
#: tiny sizes are dominated by call overhead and would predict flat growth.
EXPONENT_RANGE = (1.0, 3.0)


def work_of(kernel: Kernel, args: tuple, n: int) -> float:
    """The amount of work the budget extrapolates over: flops, else bytes, else n."""
    for cost in (kernel.flops, kernel.bytes_moved):
        w = float(cost(args))
        if w > 0:
            return w
    return float(max(n, 1))


def predict(points: list[tuple[float, float]], work: float) -> tuple[float, float] | None:
    """Predicted seconds per call at ``work`` from measured ``(work, seconds)``.

    Fits ``log t = a + k log work`` on the last three points (``k`` clamped
    to ``EXPONENT_RANGE``; one point assumes ``k = 1``) and extrapolates from
    the largest measured point. Returns ``(estimate, k)``, or None without data.
    """
    pts = [(w, t) for w, t in points if w > 0 and t > 0][-3:]
    if not pts:
        return None
    w_last, t_last = pts[-1]
    k = 1.0
    if len(pts) >= 2 and len({w for w, _ in pts}) >= 2:
        x = np.log([w for w, _ in pts])
        y = np.log([t for _, t in pts])
        k = float(np.polyfit(x, y, 1)[0])
    k = min(max(k, EXPONENT_RANGE[0]), EXPONENT_RANGE[1])
    return t_last * (work / w_last) ** k, k
