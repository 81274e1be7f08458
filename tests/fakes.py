"""Fake clocks, kernels and run documents for the runner's tests.

A ``FakeClock`` stands in for the timer: fake tiers advance it by a chosen
cost instead of spending real time, so measurements are exact and instant.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

import impls
from impls.registry import Kernel, nbytes
from vecbench.measure import results


class FakeClock:
    """A timer that moves only when told to (plus 1 ns per reading, like a real clock)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1e-9
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fake_kernel(clock: FakeClock, cost: dict[str, callable], name: str = "fake",
                sizes=(10, 20, 40, 80, 160), log: list | None = None, wrong: str | None = None,
                mutates: bool = False) -> Kernel:
    """A kernel ``Z -> 2 Z`` whose tier ``t`` advances ``clock`` by ``cost[t](n)`` per call.

    ``log`` receives ``(tier, n)`` for every call; tier ``wrong`` returns ``3 Z``.
    """
    def tier_fn(tier):
        def fn(Z):
            if log is not None:
                log.append((tier, Z.size))
            clock.advance(cost[tier](Z.size))
            out = Z * (3.0 if tier == wrong else 2.0)
            if mutates:
                Z[...] = -1.0
            return out
        fn.__name__ = f"{name}_{tier}"
        return fn

    return Kernel(
        name=name, summary="fake: Z (n,) -> 2 Z",
        tiers={t: tier_fn(t) for t in cost},
        make_inputs=lambda n, rng, dtype: (rng.standard_normal(n).astype(dtype),),
        sizes={"quick": tuple(sizes), "default": tuple(sizes), "large": tuple(sizes)},
        edge_inputs=lambda dtype: [],
        flops=lambda args: float(args[0].size),
        bytes_moved=lambda args: 2.0 * nbytes(*args),
        mutates=mutates,
    )


def register(monkeypatch: pytest.MonkeyPatch, *kernels: Kernel) -> None:
    """Make ``kernels`` visible to ``impls.call`` (and so to the gate) for one test."""
    monkeypatch.setattr(impls, "KERNELS", MappingProxyType({**impls.KERNELS, **{k.name: k for k in kernels}}))


def record(kernel: str, tier: str, n: int, median: float, spread: float = 0.02, status: str = "ok",
           **extra) -> dict:
    """A run record with samples spread +-``spread`` around ``median``."""
    rec = {"kernel": kernel, "tier": tier, "n": n, "dtype": "float64", "status": status,
           "shapes": [[n], [n]], "flops": 2.0 * n, "bytes": 16.0 * n, "intensity": 0.125}
    if status == "ok":
        samples = [median * (1 + spread * d) for d in (-1, -0.5, 0, 0.5, 1)]
        rec.update(samples=samples, number=10, first_call=median * 5, compile=median * 4,
                   verdict={"ok": True, "error": 1e-16, "tolerance": 1e-13, "reason": None},
                   stats={"median": median, "q1": median * (1 - spread / 2), "q3": median * (1 + spread / 2),
                          "iqr": median * spread, "min": samples[0], "max": samples[-1], "mean": median},
                   gflops=2.0 * n / median / 1e9 if median else None,
                   gbytes_per_s=16.0 * n / median / 1e9 if median else None)
    rec.update(extra)
    return rec


def document(records: list[dict], **settings) -> dict:
    """A valid run document around ``records``."""
    from vecbench.measure.records import add_speedups
    by_size: dict = {}
    for r in records:
        by_size.setdefault((r["kernel"], r["n"]), []).append(r)
    for group in by_size.values():
        add_speedups(group)
    return {
        "schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION, "vecbench_version": "test",
        "started": "2025-01-02T03:04:05+00:00", "finished": "2025-01-02T03:05:05+00:00", "wall_time": 60.0,
        "complete": True, "command": ["vecbench", "run"],
        "settings": {"preset": "quick", "dtype": "float64", "timer": "perf_counter", "seed": 0, "budget": 0.1,
                     "threads": 2, "timer_tick": 1e-7, **settings},
        "machine": {"cpu": {"model": "Test CPU", "available_cores": 2}, "load_average": [0.1, 0.1, 0.1],
                    "numba": {"num_threads": 2}, "blas": [], "packages": {"numpy": "2"}},
        "records": records,
    }
