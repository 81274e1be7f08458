"""The ceilings: counted the STREAM way, stored by machine, atomically."""

import json

import numba
import numpy as np
import pytest

from vecbench import VecbenchError
from vecbench.ceilings import roofline, vectormath
from vecbench.ceilings import store as ceilings
from vecbench.cli import main


@pytest.fixture
def tiny(monkeypatch):
    """Shrink the measurement so a test measures in milliseconds."""
    monkeypatch.setattr(roofline, "LLC_MULTIPLE", 0)
    monkeypatch.setattr(roofline, "MIN_ARRAY_BYTES", 2**16)
    monkeypatch.setattr(roofline, "BANDWIDTH_REPS", 2)
    monkeypatch.setattr(roofline, "GEMM_MIN_N", 16)
    monkeypatch.setattr(roofline, "GEMM_MAX_N", 32)


def test_bandwidth_counts_bytes_the_stream_way_and_restores_numba_threads():
    before = numba.get_num_threads()
    records = roofline.measure_bandwidth([1], array_bytes=8 * 1000, reps=2)
    assert numba.get_num_threads() == before
    by_name = {r["name"]: r for r in records}
    assert set(by_name) == {"copy", "triad", "read", "write"}
    # copy reads one array and writes one, triad reads two and writes one
    assert by_name["copy"]["value"] * by_name["copy"]["best_seconds"] == pytest.approx(16 * 1000)
    assert by_name["triad"]["value"] * by_name["triad"]["best_seconds"] == pytest.approx(24 * 1000)
    assert by_name["read"]["value"] * by_name["read"]["best_seconds"] == pytest.approx(8 * 1000)
    assert by_name["write"]["value"] * by_name["write"]["best_seconds"] == pytest.approx(8 * 1000)
    assert all(r["best_seconds"] <= r["median_seconds"] for r in records)


def test_stream_kernels_compute_what_they_are_named_for():
    a, b, c = np.zeros(5), np.arange(5.0), np.full(5, 2.0)
    roofline._copy(a, b)
    assert np.array_equal(a, b)
    roofline._triad(a, b, c, 3.0)
    assert np.array_equal(a, b + 3.0 * c)
    assert roofline._read(b) == 10.0
    roofline._fill(a, 3.0)
    assert np.array_equal(a, np.full(5, 3.0))


def test_gemm_counts_2n3_flops_and_records_the_blas_threads(monkeypatch):
    monkeypatch.setattr(roofline, "GEMM_MIN_N", 16)
    monkeypatch.setattr(roofline, "GEMM_MAX_N", 32)
    records = roofline.measure_gemm([1], reps=2)
    assert [(r["name"], r["dtype"]) for r in records] == [("dgemm", "float64"), ("sgemm", "float32")]
    for r in records:
        assert r["n"] in (16, 32)
        assert r["value"] * r["best_seconds"] == pytest.approx(2.0 * r["n"] ** 3)
        assert r["blas_threads"] in (1, None)


def test_fingerprint_follows_the_blas_kernel_choice_not_the_thread_count():
    machine = roofline.describe_machine()
    same = dict(machine, blas=dict(machine["blas"], num_threads=99))
    assert ceilings.fingerprint(same) == machine["fingerprint"]
    other = dict(machine, env=dict(machine["env"], OPENBLAS_CORETYPE="Prescott"))
    assert ceilings.fingerprint(other) != machine["fingerprint"]


def _entry(fp, value=1e10):
    return {"machine": {"fingerprint": fp}, "threads": {"single": 1, "all": 2},
            "ceilings": [{"kind": "bandwidth", "name": "triad", "threads": 2, "value": value},
                         {"kind": "bandwidth", "name": "copy", "threads": 2, "value": value / 2},
                         {"kind": "bandwidth", "name": "triad", "threads": 1, "value": value / 4},
                         {"kind": "flops", "dtype": "float64", "threads": 1, "value": 3e10},
                         {"kind": "flops", "dtype": "float64", "threads": 2, "value": 2e10}]}


def test_store_keeps_one_entry_per_machine_and_replaces_only_its_own(tmp_path):
    path = tmp_path / "ceilings.json"
    ceilings.save(_entry("a"), path)
    ceilings.save(_entry("b"), path)
    ceilings.save(_entry("a", value=2e10), path)
    doc = json.loads(path.read_text())
    assert set(doc["machines"]) == {"a", "b"}
    assert ceilings.bandwidth(doc["machines"]["a"]) == 2e10  # the better of copy and triad
    assert ceilings.bandwidth(doc["machines"]["b"], "single") == 1e10 / 4
    # a contended all-thread run below the one-thread figure is not the roof
    assert ceilings.peak_flops(doc["machines"]["b"]) == 3e10
    assert ceilings.lookup({"fingerprint": "b"}, path)["machine"]["fingerprint"] == "b"
    assert ceilings.lookup({"fingerprint": "zzz"}, path) is None
    assert [p.name for p in tmp_path.iterdir()] == ["ceilings.json"]  # no temp file left


@pytest.mark.parametrize("content", ["not json", '{"schema": "someone-else/1", "machines": {}}', "[1, 2]"])
def test_a_foreign_ceilings_file_is_refused_and_left_untouched(tmp_path, content):
    path = tmp_path / "ceilings.json"
    path.write_text(content)
    with pytest.raises(VecbenchError, match="ceilings file"):
        ceilings.save(_entry("a"), path)
    assert path.read_text() == content


def test_roofline_command_measures_stores_and_prints_json(tmp_path, capsys, tiny):
    path = tmp_path / "runs" / "ceilings.json"
    assert main(["roofline", "--json", "--file", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    stored = json.loads(path.read_text())["machines"][printed["machine"]["fingerprint"]]
    assert stored == printed
    kinds = {(r["name"], r["threads"]) for r in printed["ceilings"]}
    counts = {1, printed["threads"]["all"]}
    assert kinds == {(n, t) for n in ("copy", "triad", "read", "write", "dgemm", "sgemm") for t in counts}
    assert "OPENBLAS_CORETYPE" in printed["machine"]["env"]
    assert printed["machine"]["blas"]["architecture"] is not None


def test_if_missing_measures_once_then_keeps_the_stored_ceilings(tmp_path, capsys, tiny, monkeypatch):
    path = tmp_path / "ceilings.json"
    assert main(["roofline", "--if-missing", "--file", str(path)]) == 0
    first = path.read_text()
    monkeypatch.setattr(roofline, "measure", lambda: pytest.fail("measured again"))
    assert main(["roofline", "--if-missing", "--file", str(path)]) == 0
    assert path.read_text() == first
    assert "already stored" in capsys.readouterr().err


def test_roofline_command_prints_a_table_and_refuses_a_foreign_file_in_one_line(tmp_path, capsys, tiny):
    assert main(["roofline", "--no-save"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps lines at the console's width
    assert "triad" in out and "dgemm" in out and "Ridge point" in out and "scalar libm" in out
    bad = tmp_path / "c.json"
    bad.write_text("{}")
    assert main(["roofline", "--file", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not a vecbench ceilings file" in err and err.count("\n") == 1


@pytest.mark.parametrize("asm,how", [
    ("\tvmovupd (%rdi), %ymm0\n\tcallq __svml_exp4_ha\n", "svml"),
    ("\tmovabsq $exp, %rbp\n\tcallq *%rbp\n", "scalar libm"),
    ("\tcallq expf@PLT\n", "scalar libm"),
    ("\tvfmadd213pd %ymm1, %ymm2, %ymm0\n", "inlined"),
])
def test_asm_classifier_tells_vector_calls_from_scalar_ones(asm, how):
    dtype = "float32" if "expf" in asm else "float64"
    assert vectormath.classify("exp", dtype, "call <4 x double> @llvm.exp.v4f64(", asm)["asm"] == how


def test_probe_of_this_build_agrees_with_numbas_svml_flag():
    found = vectormath.numba_probe()
    uses_svml = {v["asm"] == "svml" for f in found["functions"].values() for v in f.values()}
    assert uses_svml == {found["svml"]}
    assert set(found["functions"]) == set(vectormath.FUNCTIONS)
