"""Run files: round trip, atomic new files that never overwrite, strict loading."""

import json
import os

import pytest

from tests.fakes import document, record
from vecbench import VecbenchError, files
from vecbench.cli import main
from vecbench.measure import results


def a_run():
    return document([record("dot", "python", 1000, 1e-4), record("dot", "numpy", 1000, 1e-6),
                     record("dot", "numba", 1000, 2e-6, status="failed", reason="error 1 > tolerance 1e-13",
                            verdict={"ok": False, "error": float("inf"), "tolerance": 1e-13, "reason": "x"}),
                     record("dot", "python", 10**7, 0, status="skipped", estimate=9.0, reason="over budget")])


def test_a_run_round_trips_through_save_and_load(tmp_path):
    doc = a_run()
    path = results.save(doc, runs_dir=tmp_path)
    loaded = results.load(path)
    assert loaded == results.finite_or_none(doc)
    assert loaded["records"][2]["verdict"]["error"] is None  # inf is stored as null: strict JSON
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_each_save_makes_a_new_file_and_never_overwrites(tmp_path):
    doc = a_run()
    paths = [results.save(doc, runs_dir=tmp_path) for _ in range(3)]
    assert len(set(paths)) == 3
    assert [p.name for p in paths] == ["run-20250102T030405-quick.json", "run-20250102T030405-quick-2.json",
                                       "run-20250102T030405-quick-3.json"]
    mine = tmp_path / "mine.json"
    mine.write_text("precious")
    with pytest.raises(VecbenchError, match="refusing to overwrite"):
        results.save(doc, out=mine)
    assert mine.read_text() == "precious"


@pytest.mark.parametrize("step", ["fsync", "link"])
def test_a_failed_write_leaves_no_partial_or_temporary_file(tmp_path, monkeypatch, step):
    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, step, crash)
    with pytest.raises(OSError, match="disk full"):
        files.write_new(tmp_path / "run.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_saved_files_are_readable_like_any_other_file(tmp_path):
    path = results.save(a_run(), runs_dir=tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_latest_is_the_most_recent_run(tmp_path):
    older = results.save(a_run(), runs_dir=tmp_path)
    newer = results.save(a_run(), runs_dir=tmp_path)
    os.utime(older, (1, 1))
    assert results.latest(tmp_path) == newer
    with pytest.raises(VecbenchError, match="no run found"):
        results.latest(tmp_path / "empty")


def broken(mutate):
    doc = results.finite_or_none(a_run())
    mutate(doc)
    return json.dumps(doc)


@pytest.mark.parametrize("text,needle", [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a vecbench run file"),
    ('{"benchmarks": []}', "not a vecbench run file"),
    (broken(lambda d: d.update(schema_version=99)), "schema version 99 is not supported"),
    (broken(lambda d: d.pop("records")), "'records' missing"),
    (broken(lambda d: d["records"][0].pop("tier")), "record 0 lacks tier"),
    (broken(lambda d: d["records"][0].update(status="great")), "unknown status 'great'"),
    (broken(lambda d: d["records"][1]["stats"].update(median="fast")), "malformed stats"),
    (broken(lambda d: d["records"][1].update(samples=[])), "malformed samples"),
])
def test_malformed_or_foreign_files_are_one_line_errors(tmp_path, capsys, text, needle):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(VecbenchError, match=needle):
        results.load(bad)
    # report: exit 1; compare: a file that is not a run is bad input, exit 2
    for argv, status in ((["report", str(bad)], 1), (["compare", str(bad), str(bad)], 2)):
        assert main(argv) == status
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.json")]) == 1
    assert "no such file" in capsys.readouterr().err
