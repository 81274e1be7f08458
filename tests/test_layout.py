"""The package layout: no import circles, and imports only go down the layers.

``vecbench/`` is split by job (README, "Layout"). Read by the syntax tree,
without importing anything: every ``import`` and ``from ... import`` in
every module, at module level or inside a function.

- No circle among module-level imports (the ones that run at import time).
- A module imports only from its own layer or a lower one, and nothing below
  the command line imports ``vecbench.cli``. The package's ``__init__`` may
  import the notebook API lazily (inside functions) but never the command line.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "vecbench"

#: Layer of each subpackage (modules directly in ``vecbench/`` are layer 0).
LAYERS = {
    "ceilings": 1,
    "measure": 2, "training": 2,
    "show": 3, "verdict": 3, "history": 3, "usercode": 3,
    "cli": 4, "__main__": 4, "notebook": 4,
}


#: The command line and ``python -m vecbench``, which runs it.
ENTRY_POINTS = ("vecbench.cli", "vecbench.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def resolve(target: str, known: set[str]) -> str:
    """The longest known module that ``target`` names or lies in."""
    while target not in known and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def imports(path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """(imported vecbench module, at module level?) for every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top = set(map(id, tree.body))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from vecbench.measure import check` imports the module vecbench.measure.check
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            if name == "vecbench" or name.startswith("vecbench."):
                found.append((resolve(name, known), id(node) in top))
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def graph() -> dict[str, list[tuple[str, bool]]]:
    mods = modules()
    known = set(mods)
    return {m: [(t, top) for t, top in imports(p, known) if t != m] for m, p in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``edges`` (module -> modules it imports), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def layer_violations(g: dict[str, list[tuple[str, bool]]]) -> list[str]:
    bad = []
    for mod, targets in g.items():
        for target, top in targets:
            if target.startswith("vecbench.cli") and not mod.startswith(ENTRY_POINTS):
                bad.append(f"{mod} imports the command line ({target})")
            elif mod == "vecbench" and not top:
                continue  # the notebook API, loaded on first use
            elif layer(target) > layer(mod):
                bad.append(f"{mod} (layer {layer(mod)}) imports {target} (layer {layer(target)})")
    return bad


def test_the_cycle_finder_finds_a_planted_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_layer_rule_flags_an_upward_import_and_an_import_of_the_cli():
    g = {"vecbench.measure.timing": [("vecbench.show.report", True)],
         "vecbench.show.report": [("vecbench.cli.args", False)],
         "vecbench.cli.run": [("vecbench.measure.timing", True)]}
    assert layer_violations(g) == [
        "vecbench.measure.timing (layer 2) imports vecbench.show.report (layer 3)",
        "vecbench.show.report imports the command line (vecbench.cli.args)"]


def test_every_subpackage_has_a_layer_and_a_docstring():
    for pkg in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        assert pkg.name in LAYERS, f"vecbench/{pkg.name} has no layer in LAYERS"
        doc = ast.get_docstring(ast.parse((pkg / "__init__.py").read_text()))
        assert doc, f"vecbench/{pkg.name}/__init__.py has no docstring saying what goes there"


def test_pyproject_installs_every_package():
    pyproject = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = {module_name(p) for p in ROOT.rglob("__init__.py")} | {"impls"}
    assert listed == found, f"pyproject's packages lack {found - listed} or name missing {listed - found}"


def test_no_import_circles_at_import_time():
    g = graph()
    assert len(g) > 20, "the scan found too few modules to mean anything"
    edges = {m: {t for t, top in targets if top} for m, targets in g.items()}
    assert find_cycle(edges) is None, f"import circle: {' -> '.join(find_cycle(edges))}"


def test_imports_only_go_down_the_layers():
    assert layer_violations(graph()) == []


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"
