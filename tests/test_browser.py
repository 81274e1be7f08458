"""The pages open in a real browser with no network: asv's site, the static history page, the report.

Each page is served on 127.0.0.1 and opened in headless Chromium (Debian's
``chromium``, driven by Playwright without any browser download of its own).
The browser resolves no host name but 127.0.0.1, and every request a page
makes is recorded: the tests assert that the graphs are drawn and that not
one request was for another host. They skip, saying why, when Chromium or
Playwright is absent; ``.ci/run`` installs Chromium so CI runs them.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests import toy_asv
from vecbench.history import offline
from vecbench.history import page as history_page

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
    # No DNS at all but the loopback: a page that still needs a CDN cannot load it, here as on an air-gapped machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def skip_or_fail(reason: str):
    """Skip, except where the browser tests must run (CI sets VECBENCH_REQUIRE_BROWSER=1)."""
    if os.environ.get("VECBENCH_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_path() -> str | None:
    return os.environ.get("VECBENCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile, shared by the module's tests."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Chromium not found (Debian: apt-get install chromium; or set VECBENCH_CHROMIUM)")
    try:
        from playwright import sync_api
    except ImportError:
        skip_or_fail("playwright not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=path, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@contextlib.contextmanager
def served(directory: Path):
    """Serve ``directory`` on 127.0.0.1 at an ephemeral port; yield the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def opened(browser, url: str):
    """A page at ``url``; yields (page, every URL it requested). Only the local server is reached."""
    base = url[:url.index("/", len("http://"))]
    requested: list[str] = []
    page = browser.new_page()

    def route(r):
        requested.append(r.request.url)
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(url, wait_until="load")
        yield page, requested
    finally:
        page.close()


def assert_all_local(requested: list[str]) -> None:
    assert requested, "no request recorded at all"
    assert [u for u in requested if not u.startswith(("http://127.0.0.1:", "data:"))] == []


# -- asv's site ----------------------------------------------------------------

@pytest.fixture(scope="module")
def offline_site(toy_asv_site):
    try:
        offline.make_offline(toy_asv_site.html)
    except offline.AssetsUnavailable as exc:
        skip_or_fail(f"asv's JavaScript packages cannot be had: {exc}")
    return toy_asv_site


def _plot_points(page, selector: str) -> list[int]:
    """Number of points of each series flot drew in ``selector`` (flot keeps its plot in jQuery data)."""
    return page.evaluate(f"$({selector!r}).data('plot').getData().map(s => s.data.length)")


def test_asv_grid_draws_every_benchmark_offline(browser, offline_site):
    with served(offline_site.html) as base, opened(browser, base + "index.html") as (page, requested):
        container = page.locator(".benchmark-container canvas").first
        container.wait_for(timeout=15000)
        assert not page.url.endswith("error.html")
        assert page.locator(".benchmark-container").count() == len(toy_asv.BENCHMARKS)
        for name in toy_asv.BENCHMARKS:
            plot = f"#summarygrid-{name}".replace(".", "\\.")
            page.wait_for_function(f"$({plot!r}).data('plot') !== undefined", timeout=15000)
            assert _plot_points(page, plot) == [3]
    assert_all_local(requested)


def test_asv_benchmark_graph_has_a_line_per_combination_over_three_commits(browser, offline_site):
    url = f"index.html#{toy_asv.TIME['dot']}"
    with served(offline_site.html) as base, opened(browser, base + url) as (page, requested):
        page.locator("#main-graph canvas").first.wait_for(timeout=15000)
        page.wait_for_function("$('#main-graph').data('plot') !== undefined", timeout=15000)
        lines = len(toy_asv.TIERS) * len(toy_asv.SIZES)
        assert _plot_points(page, "#main-graph") == [3] * lines
        assert page.locator("#main-graph .legendLabel").count() == lines
    assert_all_local(requested)


def test_unmodified_asv_site_fails_without_network(browser, tmp_path):
    """The reason for all this: asv's own pages need a CDN (and the harness does block it)."""
    site = toy_asv.build(tmp_path / "toy")
    with served(site.html) as base, opened(browser, base + "index.html") as (page, requested):
        page.wait_for_url("**/error.html", timeout=15000)
    assert any(u.startswith("https://") for u in requested)


# -- static pages --------------------------------------------------------------

def _assert_images_loaded(page) -> int:
    images = page.locator("img")
    count = images.count()
    assert count > 0
    for i in range(count):
        width = images.nth(i).evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 0, images.nth(i).get_attribute("src")
    return count


def test_static_history_page_shows_every_plot_offline(browser, offline_site):
    with served(offline_site.html) as base, \
            opened(browser, base + f"{history_page.PAGE_DIR}/index.html") as (page, requested):
        assert _assert_images_loaded(page) == len(toy_asv.BENCHMARKS)
        assert page.evaluate("document.scripts.length") == 0
    assert_all_local(requested)


def test_report_shows_every_plot_offline_and_links_the_history(browser, offline_site, monkeypatch):
    from tests.test_report import a_run
    from vecbench.show import report

    served_root = offline_site.root / "results"  # holds html/ (the site) and report/
    monkeypatch.setattr(report, "HISTORY_PAGES", ((offline_site.html / history_page.PAGE_DIR / "index.html",
                                                   "history"),))
    page_path = report.write_report(a_run(), "run.json", served_root / "report" / "run")
    url = page_path.relative_to(served_root).as_posix()
    with served(served_root) as base, opened(browser, base + url) as (page, requested):
        assert _assert_images_loaded(page) == 4  # heatmap, roofline, one time plot per kernel of a_run
        assert page.evaluate("document.scripts.length") == 0
        page.get_by_role("link", name="history", exact=True).click()
        page.wait_for_url(f"**/{history_page.PAGE_DIR}/index.html")
        assert _assert_images_loaded(page) == len(toy_asv.BENCHMARKS)
    assert_all_local(requested)
