"""A static history page that needs no JavaScript: asv results as PNG plots.

From asv's results (read by ``vecbench.history.asv_results``) it writes
``index.html`` with one PNG per kernel and benchmark: time (or the tracked
value) against commit, one panel per size, one line per tier. The
regressions asv found (``regressions.json`` of the published site) are
listed under their kernel. The page loads nothing but its own images, so it
opens from disk, on any browser, with scripts off.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

import impls
from vecbench import VecbenchError
from vecbench.files import replace_file
from vecbench.history.asv_results import (
    Benchmark,
    Run,
    commit_order,
    kernel_of,
    load_benchmarks,
    load_regressions,
    load_runs,
    plain,
)

PAGE_DIR = "history"  # inside the asv html_dir


@dataclass
class Panel:
    """One benchmark of one kernel at one size: a line per remaining param combination."""

    title: str
    legend: str  # what the lines are (a param name, e.g. "tier")
    lines: dict[str, list[float]]  # label -> value per commit (nan where missing)


SIZE_PARAMS = ("n", "size")


def panels_by_kernel(bench: Benchmark, runs: list[Run], commits: list[str]) -> dict[str, list[Panel]]:
    """For one benchmark: kernel (or the benchmark's name) -> its panels, one per size."""
    position = {c: i for i, c in enumerate(commits)}
    size_param = next((p for p in SIZE_PARAMS if p in bench.param_names), None)
    line_params = [p for p in bench.param_names if p not in ("kernel", size_param)]
    legend = line_params[0] if len(line_params) == 1 else ""
    series: dict[tuple[str, str, str], list[float]] = {}
    for run in runs:
        if bench.name not in run.values:
            continue
        combos = [dict(zip(bench.param_names, map(plain, c))) for c in itertools.product(*run.params[bench.name])]
        for combo, value in zip(combos, run.values[bench.name]):
            size = combo.get(size_param, "")
            if legend:
                label = combo[legend]
            else:
                label = ", ".join(f"{k}={combo[k]}" for k in line_params) or bench.name.rsplit(".", 1)[-1]
            line = series.setdefault((kernel_of(bench, combo), size, label), [math.nan] * len(commits))
            if isinstance(value, (int, float)) and run.commit in position:
                line[position[run.commit]] = float(value)
    out: dict[str, dict[str, Panel]] = defaultdict(dict)
    for (kernel, size, label), values in series.items():
        title = f"{size_param} = {size}" if size_param else bench.name.rsplit(".", 1)[-1]
        out[kernel].setdefault(size, Panel(title, legend, {})).lines[label] = values
    return {k: [panels[s] for s in sorted(panels, key=_size_key)] for k, panels in out.items()}


def _size_key(size: str):
    return (0, int(size)) if size.isdigit() else (1, size)


def _line_key(label: str):
    """Tiers in the registry's order (python, numpy, numba, ...), anything else after."""
    return (impls.TIERS.index(label), label) if label in impls.TIERS else (len(impls.TIERS), label)


def _line_color(label: str) -> str | None:
    """The same colour for a tier in every panel and plot."""
    return f"C{impls.TIERS.index(label)}" if label in impls.TIERS else None


_SCALES = {"seconds": [(1e-9, "ns"), (1e-6, "µs"), (1e-3, "ms"), (1.0, "s")],
           "bytes": [(1, "B"), (2**10, "KiB"), (2**20, "MiB"), (2**30, "GiB")]}


def scale_for(unit: str, values: np.ndarray) -> tuple[float, str]:
    """A divisor and unit label that keep the median value readable."""
    finite = values[np.isfinite(values) & (values > 0)]
    steps = _SCALES.get(unit)
    if not steps or finite.size == 0:
        return 1.0, unit or "value"
    median = float(np.median(finite))
    factor, label = steps[0]
    for f, lab in steps:
        if median >= f:
            factor, label = f, lab
    return factor, label


_WHAT = {"time": "time per call", "peakmemory": "peak memory", "memory": "memory"}


def plot_panels(panels: list[Panel], bench: Benchmark, kernel: str, commits: list[str], path: Path) -> None:
    """One PNG: a panel per size, time (or value) against commit, a line per tier."""
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    width, height = max(4.6 * cols, 6.0), 3.6 * rows + 0.5
    fig = Figure(figsize=(width, height))
    # Fixed margins (inches) rather than a layout engine: one draw per figure
    # instead of several, which matters with a plot per kernel and benchmark.
    fig.subplots_adjust(left=0.8 / width, right=1 - 0.2 / width, bottom=0.95 / height, top=1 - 0.75 / height,
                        wspace=0.4, hspace=0.75)
    everything = np.array([v for p in panels for line in p.lines.values() for v in line], dtype=float)
    factor, unit = scale_for(bench.unit, everything)
    what = _WHAT.get(bench.type, "value")
    ylabel = f"{what} ({unit})" if bench.type in _WHAT else unit
    x = np.arange(len(commits))
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        drawn = False
        for label, values in sorted(panel.lines.items(), key=lambda kv: _line_key(kv[0])):
            y = np.asarray(values, dtype=float) / factor
            if np.isfinite(y).any():
                ax.plot(x, y, marker="o", label=label, color=_line_color(label))
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "no result", ha="center", va="center", transform=ax.transAxes)
        finite = everything[np.isfinite(everything) & (everything > 0)]
        if drawn and bench.unit in _SCALES and finite.size and finite.max() / finite.min() > 20:
            ax.set_yscale("log")
            # plain numbers (40, 60) rather than 4x10^1 on a log axis
            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(ticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
        ax.set_title(panel.title)
        ax.set_xlabel("commit (oldest to newest)")
        ax.set_ylabel(ylabel)
        step = max(1, math.ceil(len(commits) / 12))
        ax.set_xticks(x[::step], [c[:8] for c in commits][::step], rotation=45 if len(commits) > 4 else 0,
                      ha="right" if len(commits) > 4 else "center", fontsize=8)
        ax.set_xlim(-0.5, len(commits) - 0.5)
        ax.grid(True, which="both", alpha=0.3)
        if drawn:
            ax.legend(title=panel.legend or None, fontsize=8, title_fontsize=8)
    fig.suptitle(f"{kernel}: {what if bench.type in _WHAT else unit} against commit")
    fig.savefig(path, dpi=80, format="png")


def _fmt(value: float, unit: str) -> str:
    factor, label = scale_for(unit, np.array([value]))
    return f"{value / factor:.3g} {label}"


# -- the page ----------------------------------------------------------------

_LINK_MARK = "<!-- vecbench: static history link -->"
_LINKS = {
    "index.html": (f'<noscript>{_LINK_MARK}<p>These pages need JavaScript. The <a href="{PAGE_DIR}/index.html">'
                   "static history page</a> needs none.</p></noscript>"),
    "error.html": (f'{_LINK_MARK}<p>The <a href="{PAGE_DIR}/index.html">static history page</a> shows the same '
                   "history without any JavaScript.</p>"),
}


def link_from_asv_pages(site: Path) -> None:
    """Point asv's index (with scripts off) and its error page at the static page; idempotent."""
    for name, snippet in _LINKS.items():
        page = Path(site) / name
        if not page.is_file():
            continue
        text = page.read_text(encoding="utf-8")
        if _LINK_MARK in text or not re.search(r"<body[^>]*>", text):
            continue
        new = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + snippet, text, count=1)
        replace_file(page, new.encode("utf-8"))


_CSS = """body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
img{max-width:100%;height:auto;display:block;margin:.5em 0 1.5em}code{font-size:90%}.none{color:#666}"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def write_history_page(results_dir: Path, site: Path) -> Path:
    """Write ``site/history/index.html`` and its PNGs from the asv results; return the page's path."""
    results_dir, site = Path(results_dir), Path(site)
    if not (results_dir / "benchmarks.json").is_file():
        raise VecbenchError(f"no asv results in {results_dir} (benchmarks.json missing): run `vecbench history` first")
    benchmarks = load_benchmarks(results_dir)
    runs = load_runs(results_dir)
    if not runs:
        raise VecbenchError(f"no asv result files under {results_dir}")
    out = site / PAGE_DIR
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):  # plots of a previous build that may no longer exist
        old.unlink()

    groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in runs:
        groups[(run.machine, run.env)].append(run)
    # kernel -> [(machine/env heading, benchmark, png name)]
    figures: dict[str, list[tuple[str, Benchmark, str]]] = defaultdict(list)
    commit_tables = []
    for (machine, env), group in sorted(groups.items()):
        commits = commit_order(group, site)
        dates = {r.commit: r.date for r in group}
        commit_tables.append((machine, env, [(c, dates[c]) for c in commits]))
        for bench in benchmarks.values():
            for kernel, panels in panels_by_kernel(bench, group, commits).items():
                png = _slug(f"{kernel}-{bench.name}-{machine}-{env}") + ".png"
                plot_panels(panels, bench, kernel, commits, out / png)
                figures[kernel].append((f"{machine}, {env}", bench, png))

    regressions = load_regressions(site, benchmarks)
    page = _render(figures, commit_tables, regressions, several=len(groups) > 1)
    replace_file(out / "index.html", page.encode("utf-8"))
    return out / "index.html"


def _render(figures, commit_tables, regressions, several: bool) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>vecbench history</title>"
             f"<style>{_CSS}</style></head><body>",
             "<h1>vecbench history: kernel timings across commits</h1>",
             "<p>Each plot shows one kernel: a panel per input size, a line per tier, commits oldest to "
             "newest. Values are asv's medians. The interactive asv site (needs JavaScript) is "
             '<a href="../index.html">here</a>.</p>']
    if regressions is None:
        parts.append("<p class=none>asv's regression list is not available (the asv site has not been published).</p>")
    else:
        parts.append(f"<p>asv found {len(regressions)} regression{'s' if len(regressions) != 1 else ''}.</p>")
    kernels = sorted(figures)
    parts.append("<p>Kernels: " + " · ".join(f'<a href="#{e(_slug(k))}">{e(k)}</a>' for k in kernels) + "</p>")
    for kernel in kernels:
        parts.append(f'<h2 id="{e(_slug(kernel))}">{e(kernel)}</h2>')
        if regressions is not None:
            mine = [r for r in regressions if r.kernel == kernel]
            if mine:
                parts.append("<table><tr><th>regressed benchmark</th><th>at commit</th><th>best</th>"
                             "<th>latest</th><th>latest / best</th></tr>")
                parts += [f"<tr><td><code>{e(r.name)}</code></td><td><code>{e(r.where)}</code></td>"
                          f"<td>{e(_fmt(r.best, r.unit))}</td><td>{e(_fmt(r.last, r.unit))}</td>"
                          f"<td>{f'{r.last / r.best:.2f}×' if r.best else '—'}</td></tr>" for r in mine]
                parts.append("</table>")
                if any(r.type == "track" for r in mine):
                    parts.append("<p class=none>asv reports every rise of a tracked value as a regression; "
                                 "for a speedup (times faster) a rise is an improvement.</p>")
            else:
                parts.append("<p class=none>No regression found by asv.</p>")
        for heading, bench, png in figures[kernel]:
            label = f"{bench.name}" + (f" — {heading}" if several else "")
            parts.append(f"<h3>{e(label)}</h3><img src=\"{e(png)}\" alt=\"{e(kernel)}: {e(bench.name)} "
                         f"against commit, per size and tier\">")
    parts.append("<h2>Commits</h2>")
    for machine, env, commits in commit_tables:
        parts.append(f"<p>machine <code>{e(machine)}</code>, environment <code>{e(env)}</code></p>"
                     "<table><tr><th>#</th><th>commit</th><th>commit date (UTC)</th></tr>")
        for i, (commit, date) in enumerate(commits):
            when = dt.datetime.fromtimestamp(date / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if date else ""
            parts.append(f"<tr><td>{i}</td><td><code>{e(commit)}</code></td><td>{when}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
