"""The report: PNG plots and a self-contained page; compare's verdicts and exit codes."""

import json
import re

import pytest

from tests.fakes import document, record
from vecbench import VecbenchError
from vecbench.cli import args, main
from vecbench.measure import results, timing
from vecbench.show import report
from vecbench.verdict import compare

PNG = b"\x89PNG\r\n\x1a\n"


def a_run(scale=1.0, spread=0.02):
    """Two kernels, an extra tier, a gate failure and a budget skip."""
    recs = []
    for n in (10, 1000, 100000):
        recs += [record("dot", "python", n, scale * 1e-7 * n, spread),
                 record("dot", "numpy", n, scale * (1e-6 + 1e-9 * n), spread),
                 record("dot", "numba", n, scale * 2e-9 * n + 1e-7, spread),
                 record("dot", "numba_parallel", n, scale * 1e-9 * n + 1e-6, spread)]
    recs += [record("sigmoid", "python", 64, scale * 1e-3, spread),
             record("sigmoid", "numpy", 64, scale * 1e-5, spread),
             record("sigmoid", "numba", 64, 0, status="failed", reason="error 1 > tolerance 1e-13",
                    verdict={"ok": False, "error": 1.0, "tolerance": 1e-13, "reason": "error 1 > tolerance 1e-13"}),
             record("sigmoid", "python", 256, 0, status="skipped", estimate=0.2, reason="predicted 0.2 s"),
             record("sigmoid", "numpy", 256, scale * 2e-4, spread)]
    return document(recs)


@pytest.fixture
def stub_plots(monkeypatch):
    """Skip the drawing (covered by the HTML test) where a test is about something else."""
    from vecbench.show import plots
    for name in ("time_vs_size", "speedup_heatmap", "roofline"):
        monkeypatch.setattr(plots, name, lambda *args, **kw: PNG + b"stub")


def saved(tmp_path, doc, name):
    return results.save(doc, out=tmp_path / name)


def test_report_writes_pngs_and_a_self_contained_html_page(tmp_path, capsys):
    run = saved(tmp_path, a_run(), "run.json")
    out = tmp_path / "report"
    assert main(["report", str(run), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'index.html'}" in printed and "dot" in printed and "MISMATCH" in printed
    for name in ("speedup-heatmap.png", "roofline.png", "time-dot.png", "time-sigmoid.png"):
        assert (out / name).read_bytes().startswith(PNG), name
    page = (out / "index.html").read_text()
    images = re.findall(r'<img src="([^"]*)"', page)
    assert len(images) == 4 and all(src.startswith("data:image/png;base64,") for src in images)
    without_images = re.sub(r'src="data:[^"]*"', "", page)
    assert not re.search(r"https?:|//|@import|url\(|<script|<link", without_images)
    assert "Test CPU" in page and "numba_parallel" in page and "MISMATCH" in page


def test_report_in_markdown_links_the_pngs_beside_it(tmp_path, stub_plots):
    run = saved(tmp_path, a_run(), "run.json")
    page = report.write_report(results.load(run), "run.json", tmp_path / "md", fmt="md")
    text = page.read_text()
    for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (page.parent / name).read_bytes().startswith(PNG)
    assert "| dot |" in text


def test_report_defaults_to_the_latest_run(tmp_path, monkeypatch, capsys, stub_plots):
    monkeypatch.chdir(tmp_path)
    results.save(a_run(), runs_dir=results.RUNS_DIR)
    assert main(["report", "--format", "md"]) == 0
    assert "report: results/report/run-20250102T030405-quick/report.md" in capsys.readouterr().out


def test_report_never_writes_into_a_directory_of_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(VecbenchError, match="did not write"):
        report.write_report(a_run(), "run", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("scale,spread,verdict,status", [
    (1.0, 0.02, "same", 0),
    (1.5, 0.02, "slower", 1),
    (0.5, 0.02, "faster", 0),
    (1.05, 0.02, "same", 0),          # under the threshold
    (1.5, 0.9, "inconclusive", 0),    # past the threshold, but the interval includes no change
])
def test_compare_verdicts_and_exit_status(tmp_path, capsys, scale, spread, verdict, status):
    a = saved(tmp_path, a_run(spread=spread), "a.json")
    b = saved(tmp_path, a_run(scale=scale, spread=spread), "b.json")
    rows = compare.compare(results.load(a), results.load(b), 0.10)
    timed = [r["verdict"] for r in rows if r["a"]["status"] == "ok" and r["a"]["stats"]["median"] > 1e-5]
    assert timed and set(timed) == {verdict}
    assert main(["compare", str(a), str(b), "--threshold", "10%"]) == status
    assert ("slower" in capsys.readouterr().out) == (status == 1)


def test_compare_flags_a_tier_that_broke_and_records_only_in_one_run(tmp_path):
    doc_b = a_run()
    doc_b["records"][1] = record("dot", "numpy", 10, 0, status="failed", reason="mismatch")
    doc_b["records"].append(record("relu", "numpy", 10, 1e-6))
    rows = {r["key"][:3]: r["verdict"] for r in compare.compare(a_run(), doc_b, 0.1)}
    assert rows[("dot", "numpy", 10)] == "broken"
    assert rows[("relu", "numpy", 10)] == "only in B"
    assert rows[("sigmoid", "python", 256)].startswith("not timed")


@pytest.mark.parametrize("text,value", [("10%", 0.1), ("0.05", 0.05), ("25%", 0.25)])
def test_threshold_accepts_percent_or_fraction(text, value):
    assert args.threshold(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["ten", "10", "-5%"])
def test_a_bad_threshold_is_a_usage_error(tmp_path, capsys, text):
    a = saved(tmp_path, a_run(), "a.json")
    assert main(["compare", str(a), str(a), "--threshold", text]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("records", [
    [],
    [record("dot", "numba", 10, 1e-6), record("dot", "numba", 100, 2e-6)],
    [record("dot", "python", 10, 0, status="skipped", estimate=1.0, reason="over budget"),
     record("dot", "numpy", 10, 0, status="failed", reason="mismatch")],
    [record("dot", "python", 10, 0.0), record("dot", "numpy", 10, 0.0)],  # a coarse timer read 0
], ids=["no records", "one tier", "nothing timed", "zero times"])
def test_report_draws_runs_with_little_or_nothing_to_show(tmp_path, records):
    page = report.write_report(document(records), "run", tmp_path / "r")
    assert page.read_text().count("data:image/png;base64,") >= 2


def test_compare_leaves_records_under_min_time_unjudged(tmp_path, capsys):
    a = saved(tmp_path, a_run(), "a.json")
    b = saved(tmp_path, a_run(scale=2.0), "b.json")
    rows = compare.compare(results.load(a), results.load(b), 0.1, min_time=1.0)
    assert {r["verdict"] for r in rows if r["ratio"] is not None} == {"too fast to judge"}
    assert main(["compare", str(a), str(b), "--min-time", "1"]) == 0
    assert main(["compare", str(a), str(b)]) == 1


def test_compare_judges_minimums_by_default_and_medians_when_asked(tmp_path):
    """B's samples all moved by 3x but its fastest, as when most of a record's
    samples caught a CPU in its slow state: the minimums say nothing changed."""
    def doubled(doc, scale_all_but_min=1.0):
        for r in doc["records"]:
            if r["status"] == "ok":  # ten samples; the median may move while the minimum stays
                r["samples"] = [r["samples"][0]] + [x * scale_all_but_min for x in r["samples"][1:]]
                r["samples"] *= 2
                r["stats"] = timing.stats(r["samples"]).to_dict()
        return doc
    base, slower_median = doubled(a_run()), doubled(a_run(), 3.0)
    by_default = {r["verdict"] for r in compare.compare(base, slower_median, 0.1)}
    by_median = {r["verdict"] for r in compare.compare(base, slower_median, 0.1, stat="median")}
    assert "slower" in by_median and "slower" not in by_default
    a, b = saved(tmp_path, base, "a.json"), saved(tmp_path, slower_median, "b.json")
    assert main(["compare", str(a), str(b)]) == 0
    assert main(["compare", str(a), str(b), "--stat", "median"]) == 1


def test_report_links_the_static_history_pages_that_exist(tmp_path, stub_plots):
    page = tmp_path / "results" / "html" / "history" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    missing = tmp_path / "results" / "html-quick" / "history" / "index.html"
    out = tmp_path / "results" / "report" / "run"
    blocks = report.history_blocks(out, ((page, "history"), (missing, "quick history")))
    links = [b for b in blocks if b[0] == "link"]
    assert [label for _, _, label in links] == ["history"]
    assert (out / links[0][1]).resolve() == page.resolve() and not links[0][1].startswith("/")
    html_page = report.render_html(blocks, {})
    assert f'<a href="{links[0][1]}">history</a>' in html_page
    assert "No history yet" in report.render_html(report.history_blocks(out, ((missing, "q"),)), {})


def with_probe(doc, times):
    probes = [[float(i), t] for i, t in enumerate(times)]
    doc["speed_probe"] = {"workload": "test", "summary": timing.probe_summary(probes), "times": probes}
    return doc


def test_the_report_warns_when_the_machines_own_speed_moved_during_the_run():
    steady = with_probe(a_run(), [1e-3] * 20)
    assert not any("own speed" in w for w in report.warnings_of(steady))
    moving = with_probe(a_run(), [1e-3] * 10 + [1.5e-3] * 10)
    (warning,) = [w for w in report.warnings_of(moving) if "own speed" in w]
    assert "1 ms to 1.5 ms" in warning and "40% of its median" in warning  # (1.5 - 1) / 1.25


def test_the_report_says_how_many_samples_were_taken_again_in_slow_spells():
    guard = {"slow": 1.2, "longest": 0.3, "retakes": 2, "probes": 900, "fastest_probe": 4e-4}
    assert not any("slow spell" in w for w in report.warnings_of(dict(a_run(), slow_guard=dict(
        guard, retaken=0, kept_slow=0))))
    (note,) = [w for w in report.warnings_of(dict(a_run(), slow_guard=dict(guard, retaken=37, kept_slow=3, share_spent=1)))
               if "slow spell" in w]
    assert note.startswith("37 samples were taken again") and "3 were kept slow, 1 of them because" in note


def test_the_report_says_how_many_samples_kept_slow_its_statistics_left_out():
    from vecbench.measure.records import summarize

    doc = a_run()
    rec = next(r for r in doc["records"] if r["status"] == "ok")
    rec["slow"] = [1] + [0] * (len(rec["samples"]) - 1)
    summarize(rec)
    guard = {"slow": 1.3, "longest": 0.3, "retakes": 2, "probes": 900, "fastest_probe": 4e-4, "retaken": 5,
             "kept_slow": 1, "share_spent": 0}
    (note,) = [w for w in report.warnings_of(dict(doc, slow_guard=guard)) if "left out" in w]
    assert note.startswith("1 samples kept slow were left out")
    taken = len(rec["samples"])
    assert report.samples_cell(rec) == f"{rec['number']} × {taken} ({taken - 1} counted)"
    other = next(r for r in doc["records"] if r["status"] == "ok" and r is not rec)
    assert report.samples_cell(other) == f"{other['number']} × {len(other['samples'])}"


def test_compare_prints_how_the_machines_speed_compares(tmp_path, capsys):
    a = saved(tmp_path, with_probe(a_run(), [1e-3] * 20), "a.json")
    b = saved(tmp_path, with_probe(a_run(), [1.2e-3] * 20), "b.json")
    main(["compare", str(a), str(b)])
    assert "B / A 1.20" in capsys.readouterr().out
    assert compare.probe_ratio(a_run(), results.load(b)) is None  # a run without a probe


@pytest.mark.parametrize("processes,named", [((1, 1), "A and B"), ((2, 1), "B"), ((1, 2), "A"), ((2, 2), None)])
def test_compare_notes_runs_taken_in_one_process(tmp_path, capsys, processes, named):
    docs = []
    for n in processes:
        doc = a_run()
        doc["settings"]["processes"] = n
        docs.append(doc)
    a, b = saved(tmp_path, docs[0], "a.json"), saved(tmp_path, docs[1], "b.json")
    main(["compare", str(a), str(b)])
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    note = "timed every record in one process"
    assert (f"note {named} {note}" in out) if named else (note not in out)


@pytest.mark.parametrize("spread,warned", [(0.05, False), (0.6, True)])
def test_compare_warns_when_the_machines_own_speed_moved(tmp_path, capsys, spread, warned):
    doc = a_run()
    doc["speed_probe"] = {"summary": {"median": 4e-4, "p10": 3.9e-4, "p90": 4e-4 * (1 + spread), "spread": spread}}
    a, b = saved(tmp_path, doc, "a.json"), saved(tmp_path, doc, "b.json")
    main(["compare", str(a), str(b)])
    out = capsys.readouterr().out
    assert ("the machine's own speed moved by 60%" in out) == warned


def test_adjust_speed_divides_out_the_machines_own_change_of_speed(tmp_path, capsys):
    # every record and the machine's probe 15% slower in B: the code did not change
    a = saved(tmp_path, with_probe(a_run(), [1e-3] * 20), "a.json")
    b = saved(tmp_path, with_probe(a_run(scale=1.15), [1.15e-3] * 20), "b.json")
    assert main(["compare", str(a), str(b), "--no-adjust-speed"]) == 1, "as measured, B is slower"
    assert "the machine itself ran 15% slower in B than in A" in " ".join(capsys.readouterr().out.split())
    json_out = tmp_path / "verdicts.json"
    assert main(["compare", str(a), str(b), "--json", str(json_out)]) == 0, "divided by default"
    out = " ".join(capsys.readouterr().out.split())
    assert "divided by 1.150" in out and "slower" not in out.split("interval")[-1]
    assert main(["compare", str(a), str(b), "--adjust-speed"]) == 0
    doc = json.loads(json_out.read_text())
    assert doc["judge"]["speed_scale"] == pytest.approx(1.15)
    timed = [r for r in doc["rows"] if r["ratio"] is not None and r["verdict"] != "too fast to judge"]
    # a_run scales most records whole, a few of their terms only: none is slower once divided
    assert timed and all(1 / 1.15 - 1e-9 <= r["ratio"] <= 1 + 1e-9 for r in timed)
    assert sum(r["ratio"] == pytest.approx(1.0) for r in timed) > len(timed) / 2
    assert "slower" not in {r["verdict"] for r in doc["rows"]}


def test_runs_without_probes_are_judged_as_measured_and_asking_to_adjust_them_is_a_usage_error(tmp_path, capsys):
    a, b = saved(tmp_path, a_run(), "a.json"), saved(tmp_path, a_run(scale=1.5), "b.json")
    assert main(["compare", str(a), str(b)]) == 1
    assert "divided by" not in capsys.readouterr().out
    assert main(["compare", str(a), str(b), "--adjust-speed"]) == 2
    assert "--adjust-speed needs both runs' speed probes" in capsys.readouterr().err
