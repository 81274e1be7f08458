"""The process state asv measured in, read back in its benchmark processes.

Every benchmark process is set up by ``_common.setup_process`` (the same code
as ``vecbench run``'s, ``vecbench.measure.core``); these tracks read back
what was in force there, so the history shows it beside every figure: the
smallest allocation that got fresh pages from the OS (the pinned warm state
puts it at 32 MiB, a fresh unpinned process at 128 KiB) and the threads of
the BLAS pool and of Numba.
"""

from benchmarks import _common


class ProcessState:
    """What ``vecbench.measure.state.read_back`` says in asv's measuring process."""

    def track_fresh_pages_from(self):
        return _common.read_state()["allocator"].get("fresh_pages_from") or 0

    track_fresh_pages_from.unit = "bytes"

    def track_blas_threads(self):
        pools = _common.read_state().get("pools", [])
        return max((p["num_threads"] for p in pools if p["user_api"] == "blas"), default=0)

    track_blas_threads.unit = "threads"

    def track_numba_threads(self):
        return _common.read_state().get("numba_threads", 0)

    track_numba_threads.unit = "threads"
