"""Interleaved A/B: revisions resolved, sides measured in alternation, verdicts by compare's rule."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vecbench import UsageError
from vecbench.cli import main
from vecbench.measure import results
from vecbench.measure.settings import Settings
from vecbench.verdict import ab

ROOT = Path(__file__).resolve().parents[1]


def vecbench(*argv, cwd):
    return subprocess.run([sys.executable, "-m", "vecbench", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def one_line(done):
    err = done.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_an_unknown_revision_is_one_line_and_exit_2(tmp_path):
    done = vecbench("ab", "no-such-rev", "HEAD", "--repo", str(ROOT), cwd=tmp_path)
    assert done.returncode == 2
    assert "no-such-rev: neither a folder nor a commit" in one_line(done)
    assert not (tmp_path / "results").exists()


def test_a_folder_without_kernels_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="without an impls package"):
        ab.resolve(str(tmp_path / "empty"), ROOT, trees=tmp_path / "trees")


def test_a_commit_is_measured_from_its_own_impls(tmp_path):
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    rev = ab.resolve("HEAD", ROOT, trees=tmp_path / "trees")
    assert rev.commit == head and (rev.root / "impls" / "__init__.py").is_file()
    assert sorted(p.name for p in rev.root.iterdir()) == ["impls"]  # nothing else on the side's path
    again = ab.resolve(head, ROOT, trees=tmp_path / "trees")
    assert again.root == rev.root  # extracted once, its Numba cache kept


def test_kernels_that_do_not_import_are_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "old" / "impls"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('an older layout')\n")
    done = vecbench("ab", str(ROOT), str(tmp_path / "old"), "--kernels", "dot", "--quick", cwd=tmp_path)
    assert done.returncode == 2
    err = one_line(done)
    assert "side B" in err and "cannot be measured" in err and "an older layout" in err


def test_an_existing_output_is_never_overwritten(tmp_path):
    out = tmp_path / "ab.json"
    out.write_text("mine")
    done = vecbench("ab", "HEAD", "HEAD", "--repo", str(ROOT), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2 and "refusing to overwrite" in one_line(done)
    assert out.read_text() == "mine"


class FakeSide:
    """Stands in for an ``ab_side`` process: logs who was asked what, in order.

    Three steps; each has tiers ``t`` and ``u`` with 3 + 2 samples over two
    passes, except that B's ``u`` wants 4 + 3 of fewer calls, and A alone has ``v``.
    """

    log: list = []

    def __init__(self, label, revision, settings, cpus=None):
        self.label, self.revision, self.settings, self.cpus = label, revision, settings, cpus
        self.steps = [("k", 1), ("k", 2), ("k", 3)]
        self.missing, self.later = [], set()

    def ask(self, request):
        op = request["op"]
        FakeSide.log.append((self.label, op, request.get("n") or request.get("tier"), request.get("pass"),
                             request.get("number")))
        if op == "open":
            tiers = {"t": {"number": 10, "shares": [3, 2]}, "u": {"number": 20, "shares": [3, 2]}}
            if self.label == "B":
                tiers["u"] = {"number": 5, "shares": [4, 3]}
            else:
                tiers["v"] = {"number": 1, "shares": [3, 2]}
            return {"tiers": tiers}
        if op == "close":
            return {"later": True}
        if op == "end":
            return {"run": {"settings": {"plant": self.settings.plant}}}
        return {}

    def stop(self):
        pass


def test_the_sides_take_each_sample_in_turn_in_alternating_order(monkeypatch):
    monkeypatch.setattr(ab, "Side", FakeSide)
    FakeSide.log = []
    rev = ab.Revision("x", None, Path("."))
    doc_a, doc_b = ab.interleave(rev, rev, Settings(preset="quick"), {"all": 0.1})
    opens = [(side, n, p) for side, op, n, p, _ in FakeSide.log if op == "open"]
    assert [(side, n) for side, n, p in opens if p == 1] == [("A", 1), ("B", 1), ("B", 2), ("A", 2), ("A", 3),
                                                              ("B", 3)]
    assert len(opens) == 12 and sorted(n for _, n, p in opens if p == 2) == [1, 1, 2, 2, 3, 3]
    # between one open and its close: samples only, one per request, the two sides taking turns
    steps, current = [], None
    for side, op, what, _, number in FakeSide.log:
        if op == "open" and current is None:
            current = []
        elif op == "sample":
            current.append((side, what, number))
        elif op == "close" and current is not None:
            steps.append(current)
            current = None
    assert len(steps) == 6
    for samples in steps:
        by_tier = {}
        for side, tier, number in samples:
            by_tier.setdefault(tier, []).append((side, number))
        assert len(samples) in (3 + 3 + 4 + 4 + 3, 2 + 2 + 3 + 3 + 2)  # pass 1, pass 2
        # both sides time t and u: as many samples of each, the larger calls per sample, A and B in turn
        for tier, number, count in (("t", 10, 3), ("u", 20, 4)):
            got = by_tier[tier]
            assert {n for _, n in got} == {number}
            sides = [s for s, _ in got]
            assert sides.count("A") == sides.count("B") in (count, count - 1)
            pairs = [tuple(sides[i:i + 2]) for i in range(0, len(sides), 2)]
            assert all(sorted(pair) == ["A", "B"] for pair in pairs)
            assert len(set(pairs)) == 2  # which side goes first alternates
        assert {s for s, _ in by_tier["v"]} == {"A"}  # a tier of one side alone: sampled alone
    assert doc_a["settings"]["plant"] == {} and doc_b["settings"]["plant"] == {"all": 0.1}  # B alone planted
    assert doc_a["ab"]["alternation"] == doc_b["ab"]["alternation"] == "sample"


def test_both_sides_main_threads_share_a_cpu_and_fewer_threads_hold_every_thread(monkeypatch):
    monkeypatch.setattr(ab.os, "sched_getaffinity", lambda pid: {5, 2, 7, 3})
    assert ab.placement(1) == {"main": 2, "process": [2]} and ab.placement(3) == {"main": 2, "process": [2, 3, 5]}
    assert ab.placement(None) == ab.placement(4) == ab.placement(8) == {"main": 2, "process": None}
    assert ab.pinned_as({"main": [2], "others": [2, 3, 5, 7]}, ab.placement(None))
    assert ab.pinned_as({"main": [2], "others": [2, 3]}, ab.placement(3))
    assert not ab.pinned_as({"main": [2], "others": [2, 7]}, ab.placement(3))
    assert not ab.pinned_as({"main": [2, 3], "others": []}, ab.placement(1))


@pytest.mark.parametrize("threads", [1, None])
def test_a_side_reads_its_threads_cpus_back_where_it_was_placed(threads):
    """A real side process, asked only for its steps: its main thread on the
    placement's CPU, its other threads (BLAS, Numba) within the process's CPUs."""
    where = ab.placement(threads)
    if where is None:
        pytest.skip("no CPU affinity on this platform")
    side = ab.Side("A", ab.resolve(str(ROOT), ROOT), Settings(preset="quick", kernels=["dot"], threads=threads),
                   where)
    try:
        assert side.cpus["main"] == [where["main"]]
        if where["process"]:  # held before any pool started: no thread outside (one CPU: no pool threads at all)
            assert set(side.cpus["others"]) <= set(where["process"])
        else:  # the pools were started before the main thread was pinned: they keep every CPU
            assert len(side.cpus["others"]) > 1
    finally:
        side.stop()


@pytest.mark.slow
def test_a_slower_kernel_in_b_is_called_slower_and_fails_the_gate(tmp_path):
    tree = tmp_path / "slow"
    shutil.copytree(ROOT / "impls", tree / "impls", ignore=shutil.ignore_patterns("__pycache__"))
    dot = tree / "impls" / "dot.py"
    text = dot.read_text()
    assert "def dot_numpy(" in text
    assert text.count("\nKERNEL = Kernel(") == 1
    dot.write_text(text.replace("def dot_numpy(", "def _dot_numpy_once(").replace("\nKERNEL = Kernel(", '''
def dot_numpy(x, y):
    """Eight times the work: a regression of the kernel itself."""
    for _ in range(7):
        _dot_numpy_once(x, y)
    return _dot_numpy_once(x, y)


KERNEL = Kernel('''))
    out = tmp_path / "ab.json"
    done = vecbench("ab", "HEAD", str(tree), "--repo", str(ROOT), "--kernels", "dot", "--tiers", "numpy", "numba",
                    "--sizes", "100000", "--quick", "--threads", "1", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "1 slower, 0 broken" in done.stdout
    doc = json.loads(out.read_text())
    verdicts = {r["tier"]: r for r in doc["rows"]}
    assert verdicts["numpy"]["verdict"] == "slower" and verdicts["numpy"]["ratio"] > 4
    assert verdicts["numba"]["verdict"] != "slower" or verdicts["numba"]["ratio"] < 1.5
    run_a, run_b = (results.load(p) for p in ab.run_paths(out))
    assert run_a["ab"]["commit"] and Path(run_a["ab"]["impls"]).parent.parent.name == "trees"
    assert run_b["ab"]["commit"] is None and run_b["ab"]["revision"] == str(tree)
    assert doc["a"]["ab"]["side"] == "A" and doc["judge"]["threshold"] == ab.THRESHOLD
    assert doc["judge"]["stat"] == ab.STAT == "median"  # of the pairs' ratios, where compare judges minimums
    # --threads 1 holds both sides' threads to the same CPU, as read back in each side
    where = ab.placement(1)
    assert run_a["ab"]["placement"] == run_b["ab"]["placement"] == where
    assert run_a["ab"]["cpus"]["main"] == run_b["ab"]["cpus"]["main"] == [where["main"]]
    assert set(run_a["ab"]["cpus"]["others"]) <= set(where["process"] or run_a["ab"]["cpus"]["others"])


def test_compare_writes_the_same_verdict_document_and_never_overwrites_it(tmp_path, capsys):
    from tests.test_report import a_run, saved
    from vecbench.cli import main
    from vecbench.verdict import compare
    a, b = saved(tmp_path, a_run(), "a.json"), saved(tmp_path, a_run(scale=1.5), "b.json")
    out = tmp_path / "verdicts.json"
    assert main(["compare", str(a), str(b), "--json", str(out)]) == 1
    doc = json.loads(out.read_text())
    assert doc["schema"] == "vecbench-compare" and doc["regression"] is True
    assert doc["judge"]["stat"] == compare.DEFAULT_STAT == "min"
    assert doc["summary"].startswith(f"{doc['counts']['slower']} slower, 0 broken")
    timed = [r for r in doc["rows"] if r["a"] and r["a"] > 1e-5]
    assert timed and all(r["verdict"] == "slower" and r["ratio"] > 1.2 for r in timed)
    before = out.read_text()
    assert main(["compare", str(a), str(b), "--json", str(out)]) == 2
    assert out.read_text() == before and "refusing to overwrite" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["ab", "HEAD", "HEAD"], ["run"]])
def test_more_passes_than_the_plan_has_samples_is_one_line_and_exit_2(command, capsys):
    assert main([*command, "--quick", "--passes", "12"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "vecbench: error: --passes 12: the quick plan takes at most 11 samples per record, so at most 11 passes"


def test_passes_set_the_plan_and_the_command_that_repeats_the_run():
    settings = Settings(preset="quick", passes=5)
    assert settings.plan().passes == 5 and settings.to_dict()["plan"]["passes"] == 5
    assert settings.command()[-2:] == ["--passes", "5"]
    assert Settings(preset="quick").plan().passes == 2
