"""Kernels against the ceilings: roofs, best points and % of ceiling."""

import pytest
from matplotlib.figure import Figure

from vecbench.ceilings import roofline
from vecbench.ceilings import store as ceilings
from vecbench.show import roofplot

CEILINGS = {"threads": {"single": 1, "all": 2},
            "ceilings": [{"kind": "bandwidth", "name": "triad", "threads": 1, "value": 10e9},
                         {"kind": "bandwidth", "name": "triad", "threads": 2, "value": 20e9},
                         {"kind": "flops", "dtype": "float64", "threads": 1, "value": 20e9},
                         {"kind": "flops", "dtype": "float64", "threads": 2, "value": 40e9},
                         {"kind": "flops", "dtype": "float32", "threads": 2, "value": 80e9}]}


def _point(kernel, tier, n, seconds, flops, nbytes, dtype="float64"):
    return dict(kernel=kernel, tier=tier, n=n, dtype=dtype, seconds=seconds, flops=flops, bytes=nbytes)


def test_attainable_is_the_lower_roof():
    assert roofplot.attainable(0.1, bandwidth=20e9, peak=40e9) == pytest.approx(2e9)
    assert roofplot.attainable(100, bandwidth=20e9, peak=40e9) == 40e9


def test_best_point_is_the_fastest_tier_at_the_largest_size():
    rows = roofplot.best_points([
        _point("multiply", "numpy", 10, 1e-6, 10, 240),
        _point("multiply", "numpy", 1000, 2e-6, 1e3, 24e3),
        _point("multiply", "numba_parallel", 1000, 1e-6, 1e3, 24e3),
        _point("multiply", "python", 1000, 1e-3, 1e3, 24e3),
        _point("multiply", "numba", 1000, None, 1e3, 24e3),  # failed the gate: never a point
    ], CEILINGS)
    assert [(r["kernel"], r["tier"], r["n"]) for r in rows] == [("multiply", "numba_parallel", 1000)]


def test_percent_of_ceiling_uses_bandwidth_left_of_the_ridge_and_peak_right_of_it():
    memory, compute = roofplot.best_points([
        _point("a_stream", "numpy", 1, 1.0, 1e9, 10e9),       # I = 0.1: 10 of 20 GB/s
        _point("b_gemm", "numpy", 1, 1.0, 30e9, 1e9),         # I = 30: 30 of 40 GFLOP/s
    ], CEILINGS)
    assert memory["bound"] == "memory" and memory["pct_of_ceiling"] == pytest.approx(100 * 10e9 / 20e9)
    assert compute["bound"] == "compute" and compute["pct_of_ceiling"] == pytest.approx(75)


def test_rows_without_ceilings_have_no_percent_and_the_plot_says_why():
    rows = roofplot.best_points([_point("a", "numpy", 1, 1.0, 1e9, 1e9)], None)
    assert "pct_of_ceiling" not in rows[0]
    fig = Figure()
    ax = fig.add_subplot()
    roofplot.plot(ax, rows, None)
    assert "vecbench roofline" in ax.get_title()


def test_plot_draws_both_roofs_and_every_point_of_the_dtype():
    rows = roofplot.best_points([_point("a", "numpy", 1, 1.0, 1e9, 1e9),
                                 _point("b", "numpy", 1, 1.0, 1e9, 1e9, dtype="float32")], CEILINGS)
    fig = Figure()
    ax = fig.add_subplot()
    roofplot.plot(ax, rows, CEILINGS, "float64")
    assert len(ax.lines) == 2 and len(ax.collections) == 1
    assert "GB/s" in ax.lines[0].get_label() and ax.get_xscale() == "log"


def _record(kernel, tier, n, median, flops, nbytes, status="ok"):
    rec = dict(kernel=kernel, tier=tier, n=n, dtype="float64", status=status, flops=flops, bytes=nbytes)
    if status == "ok":
        rec["stats"] = {"median": median}
    return rec


def test_run_records_become_points_and_the_table_shows_percent_of_ceiling():
    records = [_record("relu", "numpy", 2048, 2.0, 4e6, 64e6),
               _record("relu", "numba_parallel", 2048, 1.0, 4e6, 64e6),
               _record("relu", "python", 2048, None, 4e6, 64e6, status="skipped"),
               _record("image2vector", "python", 10, 1.0, 0.0, 20e9)]  # a copy: no flops
    rows = roofplot.best_points(roofplot.points(records), CEILINGS)
    headers, body = roofplot.table(rows)
    by_kernel = {row[0]: dict(zip(headers, row)) for row in body}
    assert by_kernel["relu"]["best tier"] == "numba_parallel"
    assert by_kernel["relu"]["% of ceiling"] == f"{100 * 64e6 / 20e9:.0f}%"
    assert by_kernel["image2vector"]["% of ceiling"] == "100%"  # 20 GB/s of a 20 GB/s roof


def test_attach_finds_this_machines_ceilings_and_survives_a_broken_file(tmp_path):
    path = tmp_path / "ceilings.json"
    assert ceilings.attach({"cpu": "x"}, path)["ceilings"] is None
    entry = dict(CEILINGS, machine=roofline.describe_machine())
    ceilings.save(entry, path)
    assert ceilings.attach({"cpu": "x"}, path)["ceilings"]["threads"] == {"single": 1, "all": 2}
    path.write_text("{")
    broken = ceilings.attach({"cpu": "x"}, path)
    assert broken["ceilings"] is None and "ceilings file" in broken["ceilings_error"]


def test_report_section_has_a_percent_table_or_says_how_to_get_one():
    doc = {"settings": {"threads": 2}, "records": [_record("relu", "numpy", 8, 1.0, 4e6, 64e6)],
           "machine": {"ceilings": CEILINGS}}
    kinds = [b[0] for b in roofplot.report_blocks(doc)]
    assert kinds == ["h2", "p", "table"]
    headers, rows = roofplot.report_blocks(doc)[-1][1:]
    assert headers[-1] == "% of ceiling" and rows[0][-1] == f"{100 * 64e6 / 20e9:.0f}%"
    doc["settings"]["threads"] = 1  # a one-thread run is judged against the one-thread roofs
    assert roofplot.report_blocks(doc)[-1][2][0][-1] == f"{100 * 64e6 / 10e9:.0f}%"
    bare = roofplot.report_blocks(dict(doc, machine={"ceilings": None}))
    assert bare[-1][0] == "p" and "vecbench roofline" in bare[-1][1]


# -- wired into run and report -------------------------------------------------

def test_vecbench_run_attaches_this_machines_ceilings(tmp_path, monkeypatch):
    from vecbench.cli import main
    from vecbench.measure import results
    monkeypatch.chdir(tmp_path)  # the store is results/ceilings.json under the working directory
    ceilings.save(dict(CEILINGS, machine=roofline.describe_machine()), ceilings.DEFAULT_PATH)
    out = tmp_path / "run.json"
    assert main(["run", "--kernels", "dot", "--sizes", "15", "--quick", "--threads", "1", "--out", str(out)]) == 0
    assert roofplot.measured(results.load(out)["machine"])["threads"] == {"single": 1, "all": 2}


def test_report_page_and_terminal_show_percent_of_ceiling(tmp_path, capsys):
    from tests.fakes import document, record
    from vecbench.cli import main
    from vecbench.measure import results
    doc = document([record("dot", "numpy", 1000, 1e-6), record("dot", "numba_parallel", 1000, 5e-7)])
    doc["machine"]["ceilings"] = CEILINGS
    run = results.save(doc, out=tmp_path / "run.json")
    assert main(["report", str(run), "--out", str(tmp_path / "report"), "--format", "md"]) == 0
    page = (tmp_path / "report" / "report.md").read_text()
    assert "How close to the machine's ceilings" in page and "% of ceiling" in page
    assert "numba_parallel" in capsys.readouterr().out.split("against this machine's ceilings")[1]


def _timed(kernel, tier, n, seconds, elements=None, nbytes=16e6, status="ok"):
    r = dict(kernel=kernel, tier=tier, n=n, dtype="float64", status=status, bytes=nbytes,
             stats={"median": seconds} if status == "ok" else None,
             gbytes_per_s=nbytes / seconds / 1e9 if status == "ok" else None)
    if elements:
        r["elements"] = elements
        if status == "ok":
            r["elements_per_s"] = elements / seconds
    return r


def test_transcendental_table_lists_every_tier_at_its_largest_timed_size():
    records = [_timed("sigmoid", "numpy", 100, 1e-5, 1e4), _timed("sigmoid", "python", 100, 1e-3, 1e4),
               _timed("sigmoid", "numpy", 1000, 1e-3, 1e6), _timed("sigmoid", "numba", 1000, 2e-3, 1e6),
               _timed("sigmoid", "python", 1000, None, 1e6, status="skipped"),
               _timed("relu", "numpy", 1000, 1e-3)]  # no elements: not built on exp
    headers, rows = roofplot.transcendental_rows(records, CEILINGS)
    assert headers[-3:] == ["M elements/s", "GB/s", "% of bandwidth"]
    assert [(r[0], r[2], r[3]) for r in rows] == [("sigmoid", "1000", "numpy"), ("sigmoid", "1000", "numba"),
                                                  ("sigmoid", "100", "python")]
    assert rows[0][5:] == ["1,000", "16", "80%"]  # 16 MB in 1 ms against the 20 GB/s roof
    assert rows[2][5] == "10"  # the loops: 10^4 elements in 1 ms
    assert roofplot.transcendental_rows(records[-1:], CEILINGS)[1] == []


def test_transcendental_section_says_how_this_build_evaluates_exp():
    ceilings = dict(CEILINGS, vector_math={
        "numpy": {"exp": {"float64": "X86_V3"}},
        "numba": {"functions": {"exp": {"float64": {"ir_vector_width": 4, "asm": "scalar libm"}}}}})
    sentence = roofplot.vector_math_sentence(ceilings)
    assert "vectorized x4 in LLVM IR" in sentence and "scalar libm in machine code" in sentence
    assert "X86_V3" in sentence
    assert "vecbench roofline" in roofplot.vector_math_sentence(None)


def test_a_view_that_moves_no_bytes_has_no_percent_of_ceiling_but_a_reason():
    # image2vector's numpy tier returns a view: its "GB/s" is of bytes never moved
    view, copy = roofplot.best_points([
        _point("image2vector", "numpy", 1, 1e-7, 1e6, 2e6),
        _point("multiply", "numpy", 1, 1.0, 1e9, 10e9),
    ], CEILINGS)
    assert "pct_of_ceiling" not in view and view["no_ceiling"] == "a view: no bytes move"
    assert "pct_of_ceiling" in copy
    _, body = roofplot.table([view, copy])
    assert body[0][-1] == "n/a (a view: no bytes move)" and body[1][-1].endswith("%")
