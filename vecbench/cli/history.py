"""``vecbench history``: asv over the last commits, then its site (``vecbench.history.runner``)."""

from __future__ import annotations

import argparse
import time

from vecbench import VecbenchError
from vecbench.cli.args import positive_int
from vecbench.history import site
from vecbench.history.runner import (
    QUICK_DIRS,
    asv_command,
    ensure_machine,
    last_commits,
    load_config,
    preview,
    project_root,
    publish,
    run_history,
    site_config,
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--commits", type=positive_int, default=3, metavar="N",
                   help="measure the last N first-parent commits of the branch (default: 3)")
    p.add_argument("--branch", metavar="B",
                   help="branch to measure (default: the first branch of asv.conf.json, main)")
    p.add_argument("--quick", action="store_true",
                   help="one sample per benchmark (asv run --quick), kept apart in "
                        f"{QUICK_DIRS['results_dir']} and {QUICK_DIRS['html_dir']}")
    p.add_argument("--publish-only", action="store_true",
                   help="measure nothing: publish the results already stored")
    p.add_argument("--serve", action="store_true",
                   help="then serve the site with asv preview (Ctrl-C stops it)")


def handle(args: argparse.Namespace) -> int:
    started = time.monotonic()
    root = project_root()
    asv = asv_command()
    config = site_config(root, args.quick, args.branch)
    failed = False
    if not args.publish_only:
        branch = load_config(root / config).get("branches", ["main"])[0]
        commits = last_commits(root, branch, args.commits)
        ensure_machine(asv, root)
        failed = run_history(asv, root, config, commits, quick=args.quick)
        print(f"asv run over the last {len(commits)} commit(s) of {branch} (those measured "
              f"before were skipped) took {time.monotonic() - started:.0f} s")
    index = publish(asv, root, config)
    conf = load_config(root / config)
    site.finish_site(root / conf["results_dir"], index.parent)  # absolute stays absolute
    again = " ".join(["vecbench history --publish-only", *(["--quick"] if args.quick else []),
                      *(["--branch", args.branch] if args.branch else []), "--serve"])
    print(f"asv site: {index}\n"
          "a browser will not run it from a file:// page: serve it with\n"
          f"  {again}   (asv preview; open the address it prints)")
    if failed:
        raise VecbenchError("some benchmarks failed (see asv's output above); "
                            "the site shows them as failed")
    if args.serve:
        preview(asv, root, config)
    return 0
