"""The published history site made to open anywhere: offline assets, then the static page.

``asv publish`` wipes and rewrites the HTML directory each time, so both
steps run after every publish (``vecbench history`` calls ``finish_site``):
the asv pages are pointed at local copies of their JavaScript
(``vecbench.history.offline``) and the no-JavaScript history page is written beside
them (``vecbench.history.page``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vecbench.history import offline
from vecbench.history import page as history_page


def finish_site(results_dir: Path, html_dir: Path, say: Callable[[str], None] = print) -> Path | None:
    """Make the published site work offline (when the assets can be had) and add the static page.

    Returns the static page's path (None when there are no results to draw).
    Missing assets are reported in one line and do not stop the static page.
    """
    try:
        result = offline.make_offline(html_dir)
    except offline.AssetsUnavailable as exc:
        say(f"asv site still needs network (its JavaScript could not be had: {exc}); "
            "the static history page needs none")
    else:
        if result.replaced or result.unknown:
            say(f"asv site made to work offline: {result.summary()}")
        for note in sorted({a.note for a, _ in result.replaced if a.note}):
            say(f"  note: {note}")
    if not (results_dir / "benchmarks.json").is_file():
        say(f"no asv results in {results_dir}: no static history page")
        return None
    page = history_page.write_history_page(results_dir, html_dir)
    history_page.link_from_asv_pages(html_dir)
    say(f"static history page (no JavaScript, opens from disk): {page}")
    return page
