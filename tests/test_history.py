"""`vecbench history`: the asv commands it sequences, and its one-line errors.

asv is replaced by a recorder here (tests/test_asv.py runs the real thing);
the repository is a small git repository made for each test.
"""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vecbench.cli import main
from vecbench.history import runner as history


def git(repo, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with the project's asv.conf.json and four commits on main."""
    repo = tmp_path / "clone"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "asv.conf.json").write_text((ROOT / "asv.conf.json").read_text())
    for i in range(4):
        (repo / "step.txt").write_text(str(i))
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"step {i}")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.asv-machine.json: history must create it
    return repo


class FakeAsv:
    """Records asv command lines; ``run`` records the commits of its hash file."""

    def __init__(self, run_status=0):
        self.calls, self.commits, self.run_status = [], None, run_status

    def __call__(self, cmd, root, quiet=False):
        args = cmd[3:]  # after python -m asv
        self.calls.append(args)
        if "run" in args:
            hashfile = next(a for a in args if a.startswith("HASHFILE:"))[len("HASHFILE:"):]
            self.commits = Path(hashfile).read_text().split()
            return self.run_status
        if "publish" in args:
            conf = history.load_config(root / args[args.index("--config") + 1])
            index = root / conf["html_dir"] / "index.html"
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_text("<html></html>")
        return 0

    def verbs(self):
        return [next(a for a in args if a in ("machine", "run", "publish", "preview")) for args in self.calls]


@pytest.fixture
def fake_asv(monkeypatch):
    fake = FakeAsv()
    monkeypatch.setattr(history, "asv_call", fake)
    return fake


def test_history_runs_the_last_n_commits_of_main_then_publishes(repo, fake_asv, capsys):
    assert main(["history", "--commits", "3"]) == 0
    assert fake_asv.verbs() == ["machine", "run", "publish"]
    assert fake_asv.commits == git(repo, "rev-list", "--max-count=3", "main").split()
    run = fake_asv.calls[1]
    assert "--skip-existing-commits" in run and "--quick" not in run
    assert run[:2] == ["--config", "asv.conf.json"]
    assert str(repo / "results" / "html" / "index.html") in capsys.readouterr().out


def test_quick_history_keeps_its_results_and_site_apart(repo, fake_asv, capsys):
    assert main(["history", "--commits", "2", "--quick"]) == 0
    run = fake_asv.calls[1]
    assert "--quick" in run
    conf = history.load_config(repo / run[run.index("--config") + 1])
    assert conf["results_dir"] == str(repo / "results" / "asv-quick")
    assert conf["html_dir"] == str(repo / "results" / "html-quick")
    assert conf["repo"] == str(repo)  # asv works from the derived config's directory
    assert "html-quick" in capsys.readouterr().out


def test_publish_only_measures_nothing_and_serve_previews(repo, fake_asv):
    assert main(["history", "--publish-only", "--serve"]) == 0
    assert fake_asv.verbs() == ["publish", "preview"]


def test_a_known_machine_is_not_described_again(repo, fake_asv):
    Path.home().joinpath(".asv-machine.json").write_text(json.dumps(
        {"version": 1, "elsewhere": {"machine": "elsewhere", "os": "", "arch": "", "cpu": "",
                                     "num_cpu": "", "ram": ""}}))
    assert main(["history", "--commits", "1"]) == 0
    assert fake_asv.verbs() == ["run", "publish"]


def test_another_branch_is_measured_and_published(repo, fake_asv):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "step.txt").write_text("feature")
    git(repo, "commit", "-qam", "feature step")
    assert main(["history", "--commits", "1", "--branch", "feature"]) == 0
    assert fake_asv.commits == [git(repo, "rev-parse", "feature").strip()]
    run = fake_asv.calls[1]
    assert history.load_config(repo / run[run.index("--config") + 1])["branches"] == ["feature"]


def test_failed_benchmarks_still_publish_then_exit_1(repo, monkeypatch, capsys):
    fake = FakeAsv(run_status=history.ASV_BENCHMARKS_FAILED)
    monkeypatch.setattr(history, "asv_call", fake)
    assert main(["history", "--commits", "1", "--serve"]) == 1
    assert fake.verbs() == ["machine", "run", "publish"]  # published, not served
    assert "some benchmarks failed" in capsys.readouterr().err


def _one_line_error(capsys, needle):
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_outside_a_git_repository_is_one_line_and_exit_1(tmp_path, monkeypatch, fake_asv, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["history"]) == 1
    _one_line_error(capsys, "is not in a git repository")
    assert fake_asv.calls == []


def test_without_asv_is_one_line_and_exit_1(repo, monkeypatch, fake_asv, capsys):
    monkeypatch.setattr(history, "find_spec", lambda name: None)
    assert main(["history"]) == 1
    _one_line_error(capsys, "asv is not installed")


def test_a_branch_without_commits_is_one_line_and_exit_1(tmp_path, monkeypatch, fake_asv, capsys):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "asv.conf.json").write_text((ROOT / "asv.conf.json").read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["history"]) == 1
    _one_line_error(capsys, "no commits on branch 'main'")
    assert fake_asv.calls == []


def test_asv_failing_to_run_is_one_line_and_exit_1(repo, monkeypatch, capsys):
    monkeypatch.setattr(history, "asv_call", FakeAsv(run_status=1))
    assert main(["history", "--commits", "1"]) == 1
    _one_line_error(capsys, "asv run failed (exit 1)")


def test_commits_must_be_positive(capsys):
    assert main(["history", "--commits", "0"]) == 2
    _one_line_error(capsys, "must be at least 1")


@pytest.mark.parametrize("status", [0, 1])
def test_asv_machine_is_described_once_its_page_of_questions_shown_only_if_it_fails(tmp_path, monkeypatch,
                                                                                    capsys, status):
    from asv import util
    from asv.machine import MachineCollection

    def unknown(name):
        raise util.UserError(f"No information stored about machine {name!r}")

    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, status, stdout="1. machine: A unique name ...\n", stderr="")

    monkeypatch.setattr(MachineCollection, "load", staticmethod(unknown))
    monkeypatch.setattr(history.subprocess, "run", fake_run)
    if status == 0:
        history.ensure_machine(["asv"], tmp_path)
        out = capsys.readouterr()
        assert "described this machine to asv" in out.out and "A unique name" not in out.out + out.err
    else:
        with pytest.raises(history.VecbenchError, match="asv machine --yes failed"):
            history.ensure_machine(["asv"], tmp_path)
        assert "A unique name" in capsys.readouterr().err
    assert calls == [["asv", "machine", "--yes"]]
