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


def stored_chain(folder):
    """What ``verdict_power.py --out`` leaves for one thread setting: an A/A pair
    ``P0 P1`` whose B moved every sample but the fastest by +50%, a planted
    ``X1-25`` 30% slower in every sample, and one ``ab`` round of a 30%
    slowdown, its two sides' samples taken in pairs."""
    from tests.fakes import document, record
    from vecbench.measure import results, timing

    def run(scale=1.0, all_but_min=1.0, ab=None):
        doc = document([record("dot", tier, 1000, m, 0.02) for tier, m in (("numpy", 1e-4), ("numba", 2e-4))])
        for r in doc["records"]:
            r["samples"] = [scale * x * (1 if i == 0 else all_but_min) for i, x in enumerate(r["samples"])] * 2
            r["stats"] = timing.stats(r["samples"]).to_dict()
        if ab:
            doc["ab"] = {"side": ab, "alternation": "sample"}
        return doc

    folder.mkdir(parents=True)
    for name, doc in (("P0", run()), ("P1", run(all_but_min=1.5)), ("X1-25", run(scale=1.3)),
                      ("ab1-0-A", run(ab="A")), ("ab1-0-B", run(scale=1.3, ab="B"))):
        results.save(doc, out=folder / f"{name}.json")


def power_table(*argv):
    done = subprocess.run([sys.executable, str(TOOLS / "verdict_power.py"), *argv, "--threads", "1", "--pairs", "1",
                           "--levels", "25", "--ab-pairs", "1", "--ab-levels"], capture_output=True, text=True)
    rows = [line.split(" | ") for line in done.stdout.splitlines() if line.startswith("| compare") or
            line.startswith("| ab")]
    return done, {(r[0].strip("| "), r[2]): (int(r[4]), r[6]) for r in rows}


def test_verdict_power_rejudges_stored_runs_by_another_rule(tmp_path):
    stored_chain(tmp_path / "threads-1")
    done, by_min = power_table("--rejudge", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert by_min == {("compare", "0%"): (2, "0.0%"), ("compare", "25%"): (2, "100.0%"),
                      ("ab", "0%"): (2, "100.0%")}  # the ab round's B is slower: an A/A, it would be 0
    _, by_median = power_table("--rejudge", str(tmp_path), "--stat", "median")
    assert by_median[("compare", "0%")] == (2, "100.0%")  # the medians moved by half: false alarms
    assert sorted(p.name for p in (tmp_path / "threads-1").iterdir()) == [
        "P0.json", "P1.json", "X1-25.json", "ab1-0-A.json", "ab1-0-B.json"]  # nothing written


def test_verdict_power_divides_out_a_machine_that_ran_slower_but_not_a_planted_slowdown(tmp_path):
    from tests.fakes import document, record
    from vecbench.measure import results, timing

    def run(scale, probe):
        doc = document([record("dot", tier, 1000, m * scale, 0.02) for tier, m in (("numpy", 1e-4), ("numba", 2e-4))])
        probes = [[float(i), probe * (1 + 0.01 * (i % 3))] for i in range(30)]
        doc["speed_probe"] = {"workload": "test", "summary": timing.probe_summary(probes), "times": probes}
        return doc

    folder = tmp_path / "threads-1"
    folder.mkdir()
    # B of the A/A pair: the machine itself 20% slower, its probe too; the planted run: the code, not the probe
    for name, doc in (("P0", run(1.0, 4e-4)), ("P1", run(1.2, 4.8e-4)), ("X1-25", run(1.3, 4e-4))):
        results.save(doc, out=folder / f"{name}.json")
    _, raw = power_table("--rejudge", str(tmp_path), "--skip", "ab", "--no-adjust-speed")
    done, adjusted = power_table("--rejudge", str(tmp_path), "--skip", "ab")  # compare's default
    assert done.returncode == 0, done.stderr
    assert raw[("compare", "0%")] == (2, "100.0%") and adjusted[("compare", "0%")] == (2, "0.0%")
    assert raw[("compare", "25%")] == adjusted[("compare", "25%")] == (2, "100.0%")


def test_verdict_power_rejudge_of_a_folder_without_runs_is_one_line(tmp_path):
    (tmp_path / "threads-1").mkdir()
    done, _ = power_table("--rejudge", str(tmp_path), "--skip", "ab")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "P0.json" in done.stderr, done.stderr


def test_branch_learning_times_every_batch_and_both_references():
    out = subprocess.run([sys.executable, str(TOOLS / "branch_learning.py"), "--size", "4096", "--calls", "3",
                          "--batches", "4", "--masks", "2"], capture_output=True, text=True, check=True).stdout
    batches = re.search(r"one random mask, batches of 3: ([\d ]+)$", out, re.M).group(1).split()
    assert len(batches) == 4 and all(int(x) >= 0 for x in batches)
    assert re.search(r"^2 random masks in turn \(median\): +\d+$", out, re.M)
    assert re.search(r"^all-true mask \(median\): +\d+$", out, re.M)
    assert re.search(r"recovered -?\d+% of the mispredictions' cost$", out, re.M)


def test_branch_learning_refuses_an_empty_size():
    done = subprocess.run([sys.executable, str(TOOLS / "branch_learning.py"), "--size", "0"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "must be at least 1" in done.stderr and "Traceback" not in done.stderr
