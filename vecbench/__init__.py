"""vecbench: the instrument that checks and times the kernels in ``impls``.

``import vecbench as vb`` also gives the notebook API (``vb.check``,
``vb.check_module``, ``vb.compare``, ``vb.bench``; ``vecbench.notebook``),
imported on first use so that the command line never loads it.
"""

__version__ = "0.1.0"

#: Names ``vecbench.notebook`` lends the package, looked up on first use.
NOTEBOOK_API = ("bench", "check", "check_module", "compare", "Bench", "CheckResult", "Comparison")


class VecbenchError(Exception):
    """A failure to report as one line (exit 1): bad file, failed gate, ..."""


class UsageError(VecbenchError):
    """A bad command line (exit 2): unknown kernel, tier, option value."""


def __getattr__(name: str):
    if name in NOTEBOOK_API:
        from vecbench import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'vecbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *NOTEBOOK_API])
