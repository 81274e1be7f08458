"""A run as a terminal table, PNG plots and one page (the command: ``vecbench.cli.report``).

The page is built once as a list of blocks (headings, paragraphs, tables,
images) and rendered either as self-contained HTML (images embedded as
base64 data URIs, inline CSS, no external URL at all: it opens offline, from
a mail attachment, anywhere) or as markdown with the PNGs beside it.
Everything is derived from the run file; nothing is measured here.
"""

from __future__ import annotations

import base64
import html
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vecbench import VecbenchError, files
from vecbench.measure import machine, results
from vecbench.measure.records import FAST_MIN
from vecbench.show import roofplot

REPORTS_DIR = Path("results") / "report"
#: Marks a directory as vecbench's own output, so regenerating may replace files in it.
MARKER = ".vecbench-report"
#: A record whose IQR exceeds this fraction of its median is called noisy.
NOISY = 0.25

#: Spread of the run's speed probe ((p90 - p10) / median) past which the
#: report warns that the machine's own speed moved.
SPEED_SPREAD = 0.10


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_x(speedup: float | None) -> str:
    if not speedup:
        return "—"
    return f"{speedup:,.0f}×" if speedup >= 100 else f"{speedup:.3g}×"


def cell(rec: dict[str, Any] | None) -> str:
    """A record as one short text: median ± relative IQR, or why it has no time."""
    if rec is None:
        return ""
    if rec["status"] == "ok":
        st = rec["stats"]
        spread = st["iqr"] / st["median"] * 100 if st["median"] > 0 else 0.0
        return f"{fmt_time(st['median'])} ±{spread:.0f}%"
    if rec["status"] == "skipped":
        return f"skipped (~{fmt_time(rec.get('estimate'))})"
    return "MISMATCH" if rec["status"] == "failed" else "error"


def grouped(records: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, dict]]]:
    """kernel -> n -> tier -> record, in first-seen order."""
    out: dict[str, dict[int, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for r in records:
        out[r["kernel"]][r["n"]][r["tier"]] = r
    return out


def speedup_columns(tiers: list[str], user: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(tier, baseline) pairs worth a column: every tier vs python, the rest vs numpy too, and a
    learner's tiers (``user``) vs numba as well."""
    cols = [(t, "python") for t in tiers if t != "python" and "python" in tiers]
    cols += [(t, "numpy") for t in tiers if t not in ("python", "numpy") and "numpy" in tiers]
    cols += [(t, "numba") for t in tiers if t in user and "numba" in tiers]
    return cols


def summary_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The speed-up table: one row per kernel x size."""
    user = list(doc.get("impl", {}))
    tiers = results.tiers_in(doc["records"], last=user)
    cols = speedup_columns(tiers, user)
    headers = ["kernel", "n", *tiers, *[f"{t} vs {b}" for t, b in cols]]
    rows = []
    for kernel, sizes in grouped(doc["records"]).items():
        for n, by_tier in sizes.items():
            rows.append([kernel, str(n), *[cell(by_tier.get(t)) for t in tiers],
                         *[speedup_cell(by_tier, t, b) for t, b in cols]])
    return headers, rows


def speedup_cell(by_tier: dict[str, dict], tier: str, baseline: str) -> str:
    """Measured speed-up, or ``≈`` one against a baseline skipped with an estimate."""
    rec, base = by_tier.get(tier) or {}, by_tier.get(baseline) or {}
    if rec.get(f"speedup_vs_{baseline}"):
        return fmt_x(rec[f"speedup_vs_{baseline}"])
    if rec.get("status") == "ok" and base.get("status") == "skipped" and base.get("estimate") \
            and rec["stats"]["median"] > 0:
        return "≈" + fmt_x(base["estimate"] / rec["stats"]["median"])
    return "—"


def print_table(doc: dict[str, Any], source: str, console: Console | None = None) -> None:
    headers, rows = summary_rows(doc)
    table = Table(title=f"{source}: median time per call (±IQR/median) and speed-ups", title_justify="left")
    for i, h in enumerate(headers):
        table.add_column(h, justify="left" if i == 0 else "right")
    previous = None
    for row in rows:
        table.add_row(*([row[0] if row[0] != previous else ""] + row[1:]),
                      end_section=False)
        previous = row[0]
    if console is None:  # piped output keeps whole rows rather than wrapping at 80 columns
        console = Console() if sys.stdout.isatty() else Console(width=240)
    console.print(table)


# -- the page as blocks ------------------------------------------------------

def warnings_of(doc: dict[str, Any]) -> list[str]:
    """Things a reader must know before trusting the figures."""
    notes = []
    m, recs = doc["machine"], doc["records"]
    if not doc.get("complete", True):
        notes.append("This run was interrupted: only what was measured before the interrupt is shown.")
    cores = m.get("cpu", {}).get("available_cores") or 1
    load = m.get("load_average") or [0]
    if load[0] > 0.5 * cores:
        notes.append(f"The machine was busy when the run started (load average {load[0]:.2f} on {cores} "
                     "cores): other processes competed for the CPU, so times are noisier and slower.")
    if m.get("numba", {}).get("jit_disabled"):
        notes.append("NUMBA_DISABLE_JIT was set: the numba tier ran as plain Python.")
    timed = [r for r in recs if r["status"] == "ok" and r["stats"]["median"] > 0]
    noisy = [r for r in timed if r["stats"]["iqr"] > NOISY * r["stats"]["median"]]
    if noisy:
        notes.append(f"{len(noisy)} of {len(timed)} timed records spread by more than {NOISY:.0%} of their "
                     "median (IQR): treat those figures as rough, and measure again on a quiet machine.")
    probe = (doc.get("speed_probe") or {}).get("summary")
    if probe and probe["spread"] > SPEED_SPREAD:
        notes.append(f"The machine's own speed moved during the run: a fixed piece of Python work took "
                     f"{fmt_time(probe['p10'])} to {fmt_time(probe['p90'])} (10th to 90th percentile, "
                     f"{probe['spread']:.0%} of its median). Another run here can differ by as much "
                     "without any change to the code; compare runs by their ratios within one run.")
    guard = doc.get("slow_guard")
    if guard and guard.get("retaken"):
        kept = (f"; {guard['kept_slow']} were kept slow, {guard.get('share_spent', 0)} of them because the time "
                f"thrown away had reached its share and the others once their {guard['retakes']} retakes ran out"
                if guard.get("kept_slow") else "")
        notes.append(f"{guard['retaken']} samples were taken again because the speed probe beside them found "
                     f"the machine in a slow spell{kept}.")
        left_out = sum(len(r["samples"]) - r["counted"] for r in recs if r["status"] == "ok" and "counted" in r)
        if left_out:
            notes.append(f"{left_out} samples kept slow were left out of their records' statistics, which are "
                         f"over the samples taken in the machine's fast state where a record has {FAST_MIN} or more.")
    bad = [r for r in recs if r["status"] in ("failed", "error")]
    if bad:
        notes.append(f"{len(bad)} kernel x tier x size combinations failed the equivalence gate or raised, "
                     "and were not timed (listed at the end).")
    return notes


def subtitle(doc: dict[str, Any]) -> str:
    s, cpu = doc["settings"], doc["machine"].get("cpu", {})
    return f"{s.get('dtype')}, {s.get('threads')} threads, {cpu.get('model', '?')}, preset {s.get('preset')}"


def page_blocks(doc: dict[str, Any], source: str) -> tuple[list[tuple], dict[str, bytes]]:
    """The report's content, and the PNGs it shows (name -> bytes)."""
    from vecbench.show import plots  # matplotlib loads only when a report is drawn

    sub = subtitle(doc)
    records = doc["records"]
    images = {"speedup-heatmap.png": plots.speedup_heatmap(records, sub),
              "roofline.png": plots.roofline(records, doc["machine"], sub)}
    s = doc["settings"]
    blocks: list[tuple] = [
        ("h1", "vecbench: what vectorization buys"),
        ("p", f"Run {source}, started {doc.get('started')}, {doc.get('wall_time', 0):.0f} s wall; "
              f"preset {s.get('preset')}, {s.get('dtype')}, timer {s.get('timer')}, "
              f"{s.get('threads')} threads, seed {s.get('seed')}."),
    ]
    blocks += [("warn", w) for w in warnings_of(doc)]
    blocks += [
        ("h2", "Speed-ups"),
        ("p", "Each kernel's tiers at the largest size where the python loops were timed. "
              "Every timed tier first matched the reference (the numpy tier in float64) on the very inputs "
              "that were timed."),
        ("img", "speedup-heatmap.png", "kernel x tier speed-up over the python loops"),
        ("table", *summary_rows(doc)),
        ("p", "Times are medians per call with the interquartile range relative to the median. "
              "≈ marks a speed-up against the loops' predicted time where they were skipped over budget."),
    ]
    blocks += impl_blocks(doc)
    if any(r["kernel"].startswith("train-") for r in records):
        blocks.append(("p", "train-<model> rows are training workloads: one call is one whole training iteration "
                            "(forward, cost, backward, update) composed of one tier's kernels, n is the number of "
                            "training examples, and the gate compared the iteration's new parameters and cost "
                            "with the reference tier's."))
    blocks += [
        ("h2", "Roofline view"),
        ("p", "Achieved GFLOP/s against arithmetic intensity (flops per byte that must move, from each "
              "kernel's cost model). Points low on the left are memory-bound; the gap between tiers at one "
              "intensity is what vectorization and compilation buy."),
        ("img", "roofline.png", "achieved GFLOP/s vs arithmetic intensity"),
        *roofplot.report_blocks(doc),
        *roofplot.transcendental_blocks(doc),
        ("h2", "Machine"),
        ("table", ["", ""], [list(row) for row in machine.summary(doc["machine"])]),
        ("h2", "Kernels"),
    ]
    for kernel, sizes in grouped(records).items():
        name = f"time-{kernel}.png"
        images[name] = plots.time_vs_size(kernel, records, sub)
        blocks += [("h3", kernel), ("img", name, f"{kernel}: time per call vs size"),
                   ("table", *kernel_rows(sizes))]
    not_timed = [r for r in records if r["status"] != "ok"]
    if not_timed:
        blocks += [("h2", "Not timed"), ("table", ["kernel", "tier", "n", "status", "why"],
                                         [[r["kernel"], r["tier"], str(r["n"]), r["status"], r.get("reason") or ""]
                                          for r in not_timed])]
    plan = s.get("plan", {})
    blocks += [("h2", "How it was measured"),
               ("p", f"Per record: the first call timed alone (Numba compiles or loads its cache there), the "
                     f"equivalence gate, then, tier by tier in seeded shuffled order and once no other thread "
                     f"of the process was running, autorange to at least {plan.get('min_sample_time')} s per "
                     f"sample and {plan.get('min_repeat')}–{plan.get('max_repeat')} samples, spread over "
                     f"{plan.get('passes', 1)} pass(es) of the whole sweep; median, IQR and minimum of the per-call times. Timer "
                     f"{s.get('timer')} (measured step {s.get('timer_tick', 0):.2g} s). Python-tier sizes "
                     f"predicted to exceed {s.get('budget')} s per call were skipped. "
                     f"Command: {' '.join(doc.get('command', []))}")]
    return blocks, images


def impl_blocks(doc: dict[str, Any]) -> list[tuple]:
    """``--impl``: each learner's file, its tier, and every function's verdict (why one was not timed)."""
    blocks: list[tuple] = []
    for tier, impl in doc.get("impl", {}).items():
        verdicts = [v for v in impl["verdicts"] if v["status"] != "not found"]
        blocks += [("h2", f"Your code: {impl['path']} as tier {tier}"),
                   ("p", f"{len(impl['timed'])} of the {len(verdicts)} course functions found in it matched the "
                         "reference (the ladder, edge inputs and, for backward functions, finite-difference "
                         "gradients) and were timed as tier " + tier + ", each on the course-form arguments "
                         "built once before timing; a function that did not match was never timed."
                         + (" Only the notebook's imports and definitions ran." if impl.get("notebook") else "")),
                   ("table", ["function", "verdict", "form", "kernel", "why"],
                    [[v["name"], v["status"], v.get("form") or "", v.get("kernel") or "",
                      "; ".join(v["detail"] + [f"note: {n}" for n in v["notes"]])] for v in verdicts])]
    return blocks


def fmt_faults(faults: float | None) -> str:
    """Page faults per call: whole numbers, a dash where not counted."""
    return "—" if faults is None else f"{faults:,.0f}" if faults >= 1 else f"{faults:.2g}"


def samples_cell(r: dict) -> str:
    """Calls per sample x samples, and how many of them the statistics are over where some were left out
    (``records.counted``)."""
    taken = len(r["samples"])
    used = r.get("counted", taken)
    return f"{r['number']} × {taken}" + (f" ({used} counted)" if used < taken else "")


def kernel_rows(sizes: dict[int, dict[str, dict]]) -> tuple[list[str], list[list[str]]]:
    headers = ["n", "shapes", "tier", "median", "IQR", "min", "calls × samples", "first call", "faults/call",
               "GFLOP/s", "GB/s", "vs python", "vs numpy", "vs numba", "max error"]
    rows = []
    for n, by_tier in sizes.items():
        for tier, r in by_tier.items():
            verdict = r.get("verdict") or {}
            err = verdict.get("error")
            base = [str(n), results.short(results.shape_text(r.get("shapes", "")), 40), tier]
            if r["status"] != "ok":
                rows.append(base + [cell(r), "", "", "", "", "", "", "", "", "", "",
                                    f"{err:.1e}" if err is not None else ""])
                continue
            st = r["stats"]
            rows.append(base + [fmt_time(st["median"]), fmt_time(st["iqr"]), fmt_time(st["min"]),
                                samples_cell(r), fmt_time(r.get("first_call")),
                                fmt_faults(r.get("faults_per_call")),
                                f"{r['gflops']:.3g}" if r.get("gflops") else "—",
                                f"{r['gbytes_per_s']:.3g}" if r.get("gbytes_per_s") else "—",
                                fmt_x(r.get("speedup_vs_python")), fmt_x(r.get("speedup_vs_numpy")),
                                fmt_x(r.get("speedup_vs_numba")),
                                f"{err:.1e}" if err is not None else "—"])
    return headers, rows


# -- renderers ---------------------------------------------------------------

CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}td,th{border:1px solid #ccc;padding:.25em .5em;
text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}
img{max-width:100%;display:block;margin:1em 0}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em 1em}
h3{margin-top:2em;border-top:1px solid #ddd;padding-top:1em}"""


def render_html(blocks: list[tuple], images: dict[str, bytes]) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>vecbench report</title>", f"<style>{CSS}</style></head><body>"]
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3", "p"):
            out.append(f"<{kind}>{e(rest[0])}</{kind}>")
        elif kind == "warn":
            out.append(f'<p class="warn">{e(rest[0])}</p>')
        elif kind == "link":
            out.append(f'<p><a href="{e(rest[0])}">{e(rest[1])}</a></p>')
        elif kind == "img":
            data = base64.b64encode(images[rest[0]]).decode("ascii")
            out.append(f'<img src="data:image/png;base64,{data}" alt="{e(rest[1])}">')
        elif kind == "table":
            headers, rows = rest
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_markdown(blocks: list[tuple]) -> str:
    out = []
    for kind, *rest in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + rest[0])
        elif kind == "p":
            out.append(rest[0])
        elif kind == "warn":
            out.append(f"> **Note:** {rest[0]}")
        elif kind == "link":
            out.append(f"[{rest[1]}]({rest[0]})")
        elif kind == "img":
            out.append(f"![{rest[1]}]({rest[0]})")
        elif kind == "table":
            headers, rows = rest
            esc = [[c.replace("|", "\\|") for c in row] for row in [headers, *rows]]
            out.append("\n".join(["| " + " | ".join(esc[0]) + " |", "|" + " --- |" * len(headers)]
                                 + ["| " + " | ".join(r) + " |" for r in esc[1:]]))
    return "\n\n".join(out) + "\n"


def prepare_dir(out: Path) -> None:
    """Create ``out``, or reuse it if empty or vecbench's own; never clobber other files."""
    if out.exists():
        if not out.is_dir():
            raise VecbenchError(f"{out} exists and is not a directory")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise VecbenchError(f"{out} holds files vecbench did not write; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).touch()


#: The static history pages ``vecbench history`` writes (full runs, then --quick ones).
HISTORY_PAGES = ((Path("results") / "html" / "history" / "index.html", "history"),
                 (Path("results") / "html-quick" / "history" / "index.html", "one-sample (--quick) history"))


def history_blocks(out: Path, pages: tuple[tuple[Path, str], ...] | None = None) -> list[tuple]:
    """A section linking the static history pages that exist (of ``HISTORY_PAGES``), relative to ``out``."""
    blocks: list[tuple] = [("h2", "History across commits")]
    found = [(page, label) for page, label in (HISTORY_PAGES if pages is None else pages) if page.is_file()]
    if not found:
        return blocks + [("p", "No history yet: `vecbench history` measures the last commits with asv and "
                               "writes a page of plots that needs no JavaScript.")]
    blocks.append(("p", "Each kernel's time per call across the project's commits, measured by asv "
                        "(a static page, no JavaScript):"))
    for page, label in found:
        blocks.append(("link", os.path.relpath(page.resolve(), out.resolve()), label))
    return blocks


def write_report(doc: dict[str, Any], source: str, out: Path, fmt: str = "html") -> Path:
    """Write the PNGs and the page under ``out``; returns the page's path."""
    prepare_dir(out)
    blocks, images = page_blocks(doc, source)
    blocks += history_blocks(out)
    for name, data in images.items():
        files.replace_file(out / name, data)
    if fmt == "html":
        return files.replace_file(out / "index.html", render_html(blocks, images).encode("utf-8"))
    return files.replace_file(out / "report.md", render_markdown(blocks).encode("utf-8"))


