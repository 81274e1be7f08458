"""vecbench: the instrument that checks and times the kernels in ``impls``."""

__version__ = "0.1.0"


class VecbenchError(Exception):
    """A failure to report as one line (exit 1): bad file, failed gate, ..."""


class UsageError(VecbenchError):
    """A bad command line (exit 2): unknown kernel, tier, option value."""
