"""asv itself on the suite: `asv check`, and a short real run that publishes a site.

Both use the current environment (``-E existing``): building virtualenvs per
commit is what ``vecbench history`` does, and takes minutes. asv writes into
a temporary copy of the config's directories and a temporary HOME (its
machine file), never into the project or the user's home.
"""

import json
import os
import subprocess
import sys

import pytest

import impls
from benchmarks import _common
from tests.conftest import ROOT
from vecbench.history import runner as history

pytestmark = pytest.mark.skipif(not (ROOT / ".git").exists(),
                                reason="asv needs the project's git checkout")


def asv(*args, home, timeout=300, env=None):
    """Run asv in the project root; its output is kept for the failure message."""
    out = subprocess.run([sys.executable, "-m", "asv", *args], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "HOME": str(home), **(env or {})}, timeout=timeout)
    assert out.returncode == 0, f"asv {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture
def config(tmp_path):
    """asv.conf.json with results, site and environments under tmp_path.

    The site draws the configured branches' commits only: HEAD stands for
    the branch being tested, whatever it is called.
    """
    conf = history.load_config(ROOT / history.CONFIG)
    conf.update(repo=str(ROOT), branches=["HEAD"], benchmark_dir=str(ROOT / conf["benchmark_dir"]),
                env_dir=str(tmp_path / "env"), results_dir=str(tmp_path / "results"),
                html_dir=str(tmp_path / "html"))
    path = tmp_path / "asv.conf.json"
    path.write_text(json.dumps(conf))
    return path


def test_config_builds_the_wheel_alone_and_tracks_main():
    conf = history.load_config(ROOT / history.CONFIG)
    assert conf["branches"] == ["main"]
    assert any("pip wheel --no-deps" in cmd for cmd in conf["build_command"])
    assert conf["environment_type"] == "virtualenv"
    assert (conf["benchmark_dir"], conf["results_dir"], conf["html_dir"]) == \
        ("benchmarks", "results/asv", "results/html")


def test_asv_check_finds_no_problem_in_the_suite(tmp_path):
    out = asv("check", "-E", "existing", home=tmp_path)
    assert "No problems found" in out


@pytest.mark.slow
def test_a_quick_run_in_this_environment_saves_results_and_publishes_a_site(tmp_path, config):
    kernel = next(iter(impls.KERNELS.values()))
    cls = _common.class_name(kernel.name)
    asv("machine", "--yes", "--machine", "vecbench-test", home=tmp_path)
    asv("--config", str(config), "run", "-E", "existing", "--quick", "--set-commit-hash", "HEAD",
        "--machine", "vecbench-test", "-b", rf"^bench_(kernels|speedup)\.{cls}\.|^bench_state\.",
        home=tmp_path, env={"VECBENCH_THREADS": "1"})

    saved = list((tmp_path / "results" / "vecbench-test").glob("*-existing-*.json"))
    assert len(saved) == 1, saved
    doc = json.loads(saved[0].read_text())
    columns = doc["result_columns"]
    for name in (f"bench_kernels.{cls}.time_kernel", f"bench_speedup.{cls}.track_speedup"):
        row = dict(zip(columns, doc["results"][name]))
        measured = [v for v in row["result"] if v is not None and v == v]  # NaN marks a skip
        assert measured and all(v > 0 for v in measured), (name, row["result"])

    # the process state, read back in asv's measuring processes: pinned warm, the threads asked for
    state = {name.rsplit(".", 1)[1]: dict(zip(columns, doc["results"][name]))["result"][0]
             for name in doc["results"] if name.startswith("bench_state.")}
    assert 30 * 2**20 <= state["track_fresh_pages_from"] <= 34 * 2**20, state
    assert state["track_blas_threads"] == state["track_numba_threads"] == 1, state

    asv("--config", str(config), "publish", home=tmp_path)
    assert (tmp_path / "html" / "index.html").is_file()
    assert list((tmp_path / "html" / "graphs" / "branch-HEAD").rglob(f"bench_kernels.{cls}.time_kernel.json"))
