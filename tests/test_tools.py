"""The instrument's own checks in tools/ run and say what they measured."""

import re
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def test_machine_drift_reports_the_spread_on_one_thread_and_on_every_core():
    out = subprocess.run([sys.executable, str(TOOLS / "machine_drift.py"), "--seconds", "0.3", "--every", "0.01"],
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if "spread" in line]
    assert len(lines) == 2 and lines[0].startswith("1 thread")
    for line in lines:
        calls, median = re.search(r"(\d+) calls\s+median\s+([\d.]+) ms", line).groups()
        assert int(calls) >= 1 and float(median) > 0


def test_machine_drift_per_cpu_reads_every_cpu_and_compares_same_with_different_cpus():
    import os

    cpus = sorted(os.sched_getaffinity(0))
    out = subprocess.run([sys.executable, str(TOOLS / "machine_drift.py"), "--seconds", "0.3", "--every", "0.01",
                          "--per-cpu"], capture_output=True, text=True, check=True).stdout
    if len(cpus) < 2:
        assert "nothing to tell apart" in out
        return
    assert [line.split()[1] for line in out.splitlines() if line.startswith("CPU ")] == [str(c) for c in cpus]
    assert re.search(r"correlation of the CPUs' readings at the same moment: CPU \d+-\d+ [+-][\d.]+", out)
    for label in ("same CPU, moments apart", "different CPUs, same moment"):
        assert re.search(rf"^{label}\s+\|log ratio\| median [\d.]+, p90 [\d.]+$", out, re.M), out


def test_pass_noise_tells_samples_close_in_time_from_samples_far_apart(tmp_path):
    """Side B matches A sample by sample; both jump by 1.5x between passes."""
    import json

    def side(scale):
        samples = [scale * s * (1 + 0.001 * i) for s in (1.0, 1.5) for i in range(3)]
        record = {"kernel": "k", "tier": "numpy", "n": 1, "status": "ok", "samples": samples,
                  "stats": {"median": 1e-3}}
        return {"settings": {"plan": {"passes": 2}}, "records": [record]}

    (tmp_path / "x-A.json").write_text(json.dumps(side(1e-3)))
    (tmp_path / "x-B.json").write_text(json.dumps(side(1e-3)))
    out = subprocess.run([sys.executable, str(TOOLS / "pass_noise.py"), str(tmp_path / "x-A.json")],
                         capture_output=True, text=True, check=True).stdout
    medians = dict(re.findall(r"^(.+?)\s+\|log ratio\| median ([\d.]+)", out, re.M))
    assert float(medians["within a pass"]) < 0.01
    assert abs(float(medians["between passes"]) - 0.405) < 0.01  # log 1.5
    assert float(medians["A vs B, same pass"]) == 0.0
    assert float(medians["A vs B, pair by pair"]) == 0.0
