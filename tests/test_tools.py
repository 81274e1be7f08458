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
