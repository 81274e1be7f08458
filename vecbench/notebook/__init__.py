"""The notebook API, ``import vecbench as vb``: the CLI's verdicts and figures as objects.

``check(fn, "propagate")`` and ``check_module(globals())`` judge a learner's
course functions as ``vecbench check --impl`` does (``checking``);
``compare({"loops": f, "numpy": g}, setup, sizes)`` checks any functions
against a reference and times those that agree (``comparing``);
``bench(fn, "propagate")`` times a learner's function, once it matches,
beside the built-in tiers of its kernel (``benching``). Each result
prints as the CLI's text, shows in Jupyter as an HTML table, and has
``to_dict()``; the timed ones have ``plot()``, a matplotlib Figure that
Jupyter shows inline (``figure``; matplotlib is imported only then).
"""

from vecbench.notebook.benching import Bench, bench
from vecbench.notebook.checking import CheckResult, check, check_module
from vecbench.notebook.comparing import Comparison, compare

__all__ = ["Bench", "CheckResult", "Comparison", "bench", "check", "check_module", "compare"]
