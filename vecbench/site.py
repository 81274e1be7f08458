"""The published history site: ``asv publish``, then offline assets, then the static page.

``asv publish`` wipes and rewrites the HTML directory each time, so the two
vecbench steps run after every publish: the asv pages are pointed at local
copies of their JavaScript (``vecbench.offline``) and the no-JavaScript
history page is written beside them (``vecbench.history_page``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from vecbench import VecbenchError, history_page, offline


def asv_dirs(config: Path) -> tuple[Path, Path]:
    """(results_dir, html_dir) of an asv.conf.json, relative paths taken from its folder."""
    try:
        conf = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VecbenchError(f"cannot read asv config {config}: {exc}") from None
    root = config.resolve().parent
    return root / conf.get("results_dir", "results"), root / conf.get("html_dir", "html")


def asv_publish(config: Path) -> None:
    """Run ``asv publish`` on ``config``; its failure is one line."""
    proc = subprocess.run([sys.executable, "-m", "asv", "publish", "--config", str(config)],
                          cwd=config.resolve().parent, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        lines = (proc.stderr + proc.stdout).strip().splitlines() or ["no message"]
        raise VecbenchError(f"asv publish failed: {lines[-1].strip()}")


def finish_site(results_dir: Path, html_dir: Path, say: Callable[[str], None] = print) -> Path:
    """Make the published site work offline (when the assets can be had) and add the static page.

    Returns the static page's path. Missing assets are reported in one line
    and do not stop the static page.
    """
    try:
        result = offline.make_offline(html_dir)
    except offline.AssetsUnavailable as exc:
        say(f"asv site still needs network (its JavaScript could not be had: {exc}); "
            "the static history page needs none")
    else:
        say(f"asv site made to work offline: {result.summary()}")
        for note in sorted({a.note for a, _ in result.replaced if a.note}):
            say(f"  note: {note}")
    page = history_page.write_history_page(results_dir, html_dir)
    history_page.link_from_asv_pages(html_dir)
    say(f"static history page (no JavaScript): {page}")
    return page


def publish(config: Path, say: Callable[[str], None] = print) -> Path:
    """``asv publish`` then ``finish_site``; returns the static page's path."""
    results_dir, html_dir = asv_dirs(config)
    if not (results_dir / "benchmarks.json").is_file():
        raise VecbenchError(f"no asv results in {results_dir}: run `vecbench history` first")
    asv_publish(config)
    return finish_site(results_dir, html_dir, say)
