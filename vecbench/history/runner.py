"""asv over the last commits of main, then its HTML site (the command: ``vecbench.cli.history``).

    vecbench history [--commits N] [--quick] [--serve] [--publish-only] [--branch B]

Runs ``asv run`` over the last N first-parent commits of the branch (each
built and installed into asv's virtualenv, so each is measured with its own
code), skipping commits this machine has already measured, then
``asv publish``; ``--serve`` then runs ``asv preview``. Everything asv does
is configured in ``asv.conf.json`` at the project root; this module only
sequences the asv commands a user would type.

``--quick`` is asv's one-sample run. Its results go to their own directories
(``QUICK_DIRS``) so that they never stand in for real measurements, nor stop a
later full run from measuring those commits (asv skips commits that have
results).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

from vecbench import VecbenchError, files

CONFIG = "asv.conf.json"
DERIVED_CONFIG = ".asv/history.conf.json"
QUICK_DIRS = {"results_dir": "results/asv-quick", "html_dir": "results/html-quick"}
#: ``asv run`` exits 2 when benchmarks failed (a tier that fails the gate
#: fails its benchmark) but results were still saved.
ASV_BENCHMARKS_FAILED = 2


def asv_call(cmd: list[str], root: Path, quiet: bool = False) -> int:
    """Run one asv command in the project root, its output going to the user
    (``quiet``: kept back, and shown on stderr only if the command fails)."""
    if not quiet:
        return subprocess.run(cmd, cwd=root).returncode
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
    return done.returncode


def project_root() -> Path:
    """The root of the git checkout around the current directory, with asv.conf.json."""
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    except FileNotFoundError:
        raise VecbenchError("git is not installed; asv needs it to measure commits") from None
    if out.returncode != 0:
        raise VecbenchError(f"{Path.cwd()} is not in a git repository: "
                            "run vecbench history in a clone of the project")
    root = Path(out.stdout.strip())
    if not (root / CONFIG).is_file():
        raise VecbenchError(f"no {CONFIG} at {root}: run vecbench history in a clone of the project")
    return root


def asv_command() -> list[str]:
    """asv run by this interpreter (so it finds the project's environment)."""
    if find_spec("asv") is None:
        raise VecbenchError("asv is not installed in this environment (pip install asv)")
    return [sys.executable, "-m", "asv"]


def load_config(path: Path) -> dict:
    """asv.conf.json as asv reads it (it allows // comments)."""
    from asv import util

    try:
        return util.load_json(str(path), js_comments=True)
    except (OSError, util.UserError, ValueError) as exc:
        raise VecbenchError(f"cannot read {path}: {exc}") from None


def site_config(root: Path, quick: bool, branch: str | None) -> str:
    """The config file to pass to asv, relative to the root.

    asv.conf.json itself, unless ``--quick`` (``QUICK_DIRS``) or ``--branch``
    (asv publish draws the configured branches) ask for a derived copy,
    rewritten on every call so that it follows the real one. asv resolves
    paths from the directory of the config it is given, so the copy's are
    absolute.
    """
    conf = load_config(root / CONFIG)
    if not quick and branch in (None, *conf.get("branches", ["main"])[:1]):
        return CONFIG
    if quick:
        conf.update(QUICK_DIRS)
    if branch:
        conf["branches"] = [branch]
    for key in ("repo", "benchmark_dir", "env_dir", "results_dir", "html_dir"):
        conf[key] = str(root / conf.get(key, "."))
    files.replace_file(root / DERIVED_CONFIG, json.dumps(conf, indent=4))
    return DERIVED_CONFIG


def last_commits(root: Path, branch: str, n: int) -> list[str]:
    """The last ``n`` first-parent commits of ``branch``, newest first."""
    out = subprocess.run(["git", "rev-list", "--first-parent", f"--max-count={n}", branch, "--"],
                         cwd=root, capture_output=True, text=True)
    commits = out.stdout.split() if out.returncode == 0 else []
    if not commits:
        raise VecbenchError(f"no commits on branch {branch!r} in {root} (choose one with --branch)")
    return commits


def ensure_machine(asv: list[str], root: Path) -> None:
    """Describe this machine to asv once (``asv run`` would otherwise ask).

    ``asv machine --yes`` prints every question it answers with its default,
    a page of text; it is kept back, and shown only if the command fails."""
    from asv import util
    from asv.machine import Machine, MachineCollection

    try:
        MachineCollection.load(Machine.get_unique_machine_name())
    except util.UserError:
        if asv_call([*asv, "machine", "--yes"], root, quiet=True) != 0:
            raise VecbenchError("asv machine --yes failed (its output is above)") from None
        print(f"described this machine to asv ({Machine.get_unique_machine_name()}, asv machine --yes)")


def run_history(asv: list[str], root: Path, config: str, commits: list[str], quick: bool) -> bool:
    """``asv run`` over ``commits``; True when some benchmarks failed."""
    with tempfile.TemporaryDirectory() as tmp:
        hashfile = Path(tmp) / "commits.txt"
        hashfile.write_text("\n".join(commits) + "\n")
        cmd = [*asv, "--config", config, "run", f"HASHFILE:{hashfile}", "--skip-existing-commits"]
        status = asv_call(cmd + (["--quick"] if quick else []), root)
    if status == ASV_BENCHMARKS_FAILED:
        return True
    if status != 0:
        raise VecbenchError(f"asv run failed (exit {status}); see its output above")
    return False


def publish(asv: list[str], root: Path, config: str) -> Path:
    """``asv publish``: the HTML site from every stored result; its index.html."""
    status = asv_call([*asv, "--config", config, "publish"], root)
    index = root / load_config(root / config)["html_dir"] / "index.html"  # absolute stays absolute
    if status != 0 or not index.is_file():
        raise VecbenchError(f"asv publish failed (exit {status}); see its output above")
    return index


def preview(asv: list[str], root: Path, config: str) -> None:
    """``asv preview``: serve the site until interrupted."""
    asv_call([*asv, "--config", config, "preview"], root)
