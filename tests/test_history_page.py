"""The static history page: read from asv's own results, plots per kernel, regressions listed, no JavaScript."""

import json
import re

import pytest

from tests import toy_asv
from vecbench import VecbenchError
from vecbench import history_page as hp


@pytest.fixture
def toy(toy_asv_site):
    return toy_asv_site, toy_asv_site.html / hp.PAGE_DIR / "index.html"


def test_runs_are_read_from_asv_result_files_with_their_values(toy):
    site, _ = toy
    runs = hp.load_runs(site.results)
    assert sorted(r.commit for r in runs) == sorted(site.commits)
    first = next(r for r in runs if r.commit == site.commits[0])
    bench = hp.load_benchmarks(site.results)[toy_asv.BENCHMARK]
    combos = bench.combinations()
    i = combos.index({"kernel": "sigmoid", "tier": "python", "size": "256"})
    assert first.values[toy_asv.BENCHMARK][i] == toy_asv.seconds("sigmoid", "python", "256", 0)


def test_commits_are_ordered_as_asv_orders_them(toy):
    site, _ = toy
    assert hp.commit_order(hp.load_runs(site.results), site.html) == list(site.commits)
    assert hp.commit_order(hp.load_runs(site.results), None) == list(site.commits)  # by date


def test_each_kernel_has_a_panel_per_size_and_a_line_per_tier(toy):
    site, _ = toy
    bench = hp.load_benchmarks(site.results)[toy_asv.BENCHMARK]
    panels = hp.panels_by_kernel(bench, hp.load_runs(site.results), list(site.commits))
    assert sorted(panels) == sorted(toy_asv.KERNELS)
    for kernel, kernel_panels in panels.items():
        assert [p.title for p in kernel_panels] == [f"size {s}" for s in toy_asv.SIZES]
        for panel, size in zip(kernel_panels, toy_asv.SIZES):
            assert sorted(panel.lines) == sorted(toy_asv.TIERS)
            assert panel.lines["numpy"] == [toy_asv.seconds(kernel, "numpy", size, i) for i in range(3)]


def test_page_shows_one_loaded_png_per_kernel_and_no_script(toy):
    site, page = toy
    text = page.read_text()
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == len(toy_asv.KERNELS)
    for src in images:
        assert (page.parent / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" not in text.lower()
    # Every URL the page loads or links to stays on the machine (relative or a fragment).
    for url in re.findall(r'(?:src|href)="([^"]*)"', text):
        assert not re.match(r"(?i)([a-z]+:)?//", url), url


def test_regression_asv_found_is_listed_under_its_kernel(toy):
    site, page = toy
    regressions = hp.load_regressions(site.html, hp.load_benchmarks(site.results))
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
        hp.load_runs(results)
    (results / "m" / "abc-env.json").write_text("{not json")
    with pytest.raises(VecbenchError, match="cannot read asv file"):
        hp.load_runs(results)


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
