"""The static history page (from asv's own result files, read by asv_results): plots per kernel, regressions, no JavaScript."""

import json
import re

import pytest

from tests import toy_asv
from vecbench import VecbenchError
from vecbench.history import asv_results as ar
from vecbench.history import page as hp


@pytest.fixture
def toy(toy_asv_site):
    return toy_asv_site, toy_asv_site.html / hp.PAGE_DIR / "index.html"


def test_runs_are_read_from_asv_result_files_with_their_values(toy):
    site, _ = toy
    runs = ar.load_runs(site.results)
    assert sorted(r.commit for r in runs) == sorted(site.commits)
    first = next(r for r in runs if r.commit == site.commits[0])
    name = toy_asv.TIME["sigmoid"]
    combos = ar.load_benchmarks(site.results)[name].combinations()
    i = combos.index({"tier": "python", "n": "256"})
    assert first.values[name][i] == toy_asv.seconds("sigmoid", "python", "256", 0)


def test_commits_are_ordered_as_asv_orders_them(toy):
    site, _ = toy
    assert ar.commit_order(ar.load_runs(site.results), site.html) == list(site.commits)
    assert ar.commit_order(ar.load_runs(site.results), None) == list(site.commits)  # by date


@pytest.mark.parametrize("kernel", toy_asv.KERNELS)
def test_each_kernel_has_a_panel_per_size_and_a_line_per_tier(toy, kernel):
    site, _ = toy
    bench = ar.load_benchmarks(site.results)[toy_asv.TIME[kernel]]
    panels = hp.panels_by_kernel(bench, ar.load_runs(site.results), list(site.commits))
    assert list(panels) == [kernel]  # found from the class name, bench_kernels.Dot -> dot
    assert [p.title for p in panels[kernel]] == [f"n = {s}" for s in toy_asv.SIZES]
    for panel, size in zip(panels[kernel], toy_asv.SIZES):
        assert panel.legend == "tier" and sorted(panel.lines) == sorted(toy_asv.TIERS)
        assert panel.lines["numpy"] == [toy_asv.seconds(kernel, "numpy", size, i) for i in range(3)]


def test_speedup_track_goes_with_its_kernel(toy):
    site, _ = toy
    bench = ar.load_benchmarks(site.results)[toy_asv.SPEEDUP]
    panels = hp.panels_by_kernel(bench, ar.load_runs(site.results), list(site.commits))
    assert panels["dot"][1].lines == {"numpy/python": [toy_asv.speedup("256", i) for i in range(3)]}


def test_a_kernel_param_groups_results_as_a_class_per_kernel_does():
    bench = ar.Benchmark("bench.TimeAll.time_it", "time", "seconds", ("kernel", "tier", "size"),
                         (("'dot'", "'relu'"), ("'numpy'",), ("'8'",)))
    run = ar.Run("m", "env", "c0", 0, {bench.name: [1e-6, 2e-6]}, {bench.name: [list(p) for p in bench.params]})
    panels = hp.panels_by_kernel(bench, [run], ["c0"])
    assert {k: [(p.title, p.lines) for p in v] for k, v in panels.items()} == {
        "dot": [("size = 8", {"numpy": [1e-6]})], "relu": [("size = 8", {"numpy": [2e-6]})]}


def test_page_shows_one_loaded_png_per_kernel_and_no_script(toy):
    site, page = toy
    text = page.read_text()
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == len(toy_asv.BENCHMARKS)
    for src in images:
        assert (page.parent / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" not in text.lower()
    # Every URL the page loads or links to stays on the machine (relative or a fragment).
    for url in re.findall(r'(?:src|href)="([^"]*)"', text):
        assert not re.match(r"(?i)([a-z]+:)?//", url), url


def test_regression_asv_found_is_listed_under_its_kernel(toy):
    site, page = toy
    regressions = ar.load_regressions(site.html, ar.load_benchmarks(site.results))
    assert [(r.kernel, r.where, r.best, r.last) for r in regressions] == [
        ("dot", site.commits[2][:8], 2e-6, 6e-6)]
    text = page.read_text()
    dot = text[text.index('id="dot"'):text.index('id="sigmoid"')]
    assert site.commits[2][:8] in dot and "3.00×" in dot
    assert "No regression found" in text[text.index('id="sigmoid"'):]


def test_unpublished_site_says_so_and_a_rebuild_drops_stale_plots(toy, tmp_path):
    site, _ = toy
    stale = tmp_path / hp.PAGE_DIR / "gone-kernel.png"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    page = hp.write_history_page(site.results, tmp_path)
    assert "regression list is not available" in page.read_text()
    assert not stale.exists()


def test_missing_results_are_one_clear_error(tmp_path):
    with pytest.raises(VecbenchError, match="no asv results in"):
        hp.write_history_page(tmp_path, tmp_path / "html")


def test_foreign_result_file_is_one_clear_error(toy, tmp_path):
    site, _ = toy
    results = tmp_path / "asv"
    (results / "m").mkdir(parents=True)
    (results / "benchmarks.json").write_text((site.results / "benchmarks.json").read_text())
    (results / "m" / "machine.json").write_text(json.dumps({"machine": "m", "version": 1}))
    (results / "m" / "abc-env.json").write_text(json.dumps({"results": {}, "version": 1}))
    with pytest.raises(VecbenchError, match="not an asv results file of format version 2"):
        ar.load_runs(results)
    (results / "m" / "abc-env.json").write_text("{not json")
    with pytest.raises(VecbenchError, match="cannot read asv file"):
        ar.load_runs(results)


def test_asv_index_and_error_pages_link_to_the_static_page_once(tmp_path):
    import shutil
    from pathlib import Path

    import asv

    shutil.copytree(Path(asv.__file__).parent / "www", tmp_path, dirs_exist_ok=True)
    hp.link_from_asv_pages(tmp_path)
    hp.link_from_asv_pages(tmp_path)
    index = (tmp_path / "index.html").read_text()
    assert index.count('href="history/index.html"') == 1
    assert re.search(r"<noscript>[^\n]*history/index\.html[^\n]*</noscript>", index)
    assert (tmp_path / "error.html").read_text().count('href="history/index.html"') == 1


def test_a_malformed_regressions_file_is_one_clear_error(toy, tmp_path):
    site, _ = toy
    (tmp_path / "index.json").write_text((site.html / "index.json").read_text())
    (tmp_path / "regressions.json").write_text(json.dumps({"regressions": [["only a name"]]}))
    with pytest.raises(VecbenchError, match="unexpected entry"):
        ar.load_regressions(tmp_path, ar.load_benchmarks(site.results))
