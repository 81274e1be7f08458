"""Check a learner's own course functions against the reference: ``vecbench check --impl PATH``.

``load(path)`` reads a .py file or a notebook's definitions, ``find`` picks
out the course's functions and the form each is written in, ``judge`` runs
one through the same gate, edge inputs and gradient checks as the built-in
tiers, and ``check_namespace`` does all of it for a namespace (a file's, or a
notebook's ``globals()``); ``tier`` makes the functions that match one
more tier of their kernels, for the runner to time (``vecbench run --impl``).
"""

from vecbench.usercode.forms import COURSE_NAMES, FORMS, Form
from vecbench.usercode.find import TIME_LIMIT, Found, find
from vecbench.usercode.judge import (STATUSES, FunctionVerdict, check_namespace, judge, missing_line,
                                     summary_line)
from vecbench.usercode.load import NOTEBOOK_NOTE, SKIPPED_IMPORTS, load
from vecbench.usercode.tier import from_files, tier_name, user_kernels, with_tier

__all__ = ["COURSE_NAMES", "FORMS", "Form", "Found", "FunctionVerdict", "NOTEBOOK_NOTE", "SKIPPED_IMPORTS", "STATUSES",
           "TIME_LIMIT", "check_namespace", "find", "from_files", "judge", "load", "missing_line", "summary_line",
           "tier_name", "user_kernels", "with_tier"]
