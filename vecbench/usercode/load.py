"""Read a learner's code: a .py file imported as a module, or a notebook's definitions.

A notebook is a course notebook: its cells train models, plot and load data
sets. Only the definitions are wanted, so from each code cell only the
``import``/``from ... import`` statements and the ``def``/``class`` statements
(found by the syntax tree) are kept and run; every other statement (training
loops, plots, data loading, prints) is dropped unread. IPython lines
(``%matplotlib inline``, ``!pip install``, ``?obj``) are blanked first, so
that the cell still parses and its line numbers stay right.

Every problem a learner can cause (missing file, not Python, a syntax error)
is a one-line ``UsageError`` naming the file and, where it applies, the line.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from vecbench import UsageError

#: What ``load`` keeps from a notebook's code cells.
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

#: Namespace key listing a notebook's imports that failed (and were skipped).
SKIPPED_IMPORTS = "__vecbench_skipped_imports__"

NOTEBOOK_NOTE = ("from the notebook only the imports and the function and class definitions were run "
                 "(training, plotting and data-loading cells were not)")


def load(path: str | Path) -> dict[str, Any]:
    """The namespace defined by ``path`` (a ``.py`` file or an ``.ipynb`` notebook)."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory, not a .py file or a .ipynb notebook")
    if path.suffix == ".ipynb":
        return _load_notebook(path)
    if path.suffix == ".py":
        return _load_module(path)
    raise UsageError(f"{path}: not a Python file (.py) or a Jupyter notebook (.ipynb)")


def _load_module(path: Path) -> dict[str, Any]:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a Python file (it is not text)") from None
    try:
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise UsageError(f"{path}, line {exc.lineno}: syntax error: {exc.msg}") from None
    name = f"vecbench_learner_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        with _importable_from(path.parent), contextlib.redirect_stdout(io.StringIO()):  # its prints
            spec.loader.exec_module(module)
    except Exception as exc:
        raise UsageError(f"{path}: importing it raised {_where(exc, str(path))}") from None
    finally:
        sys.modules.pop(name, None)
    return vars(module)


def _load_notebook(path: Path) -> dict[str, Any]:
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises json, validation and reader errors alike
        raise UsageError(f"{path}: not a Jupyter notebook ({type(exc).__name__}: {_first_line(exc)})") from None
    namespace: dict[str, Any] = {"__name__": "__vecbench_notebook__", "__file__": str(path)}
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        filename = f"{path} (code cell {number})"
        source = _without_magics(cell.source)
        try:
            tree = ast.parse(source, filename)
        except SyntaxError as exc:
            raise UsageError(f"{path}, code cell {number}, line {exc.lineno}: syntax error: {exc.msg}") from None
        for node in tree.body:
            if not isinstance(node, KEPT):
                continue
            code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
            try:
                with _importable_from(path.parent):
                    exec(code, namespace)
            except ImportError as exc:  # the course's testCases, dnn_utils, lr_utils beside the notebook
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    raise UsageError(f"{path}, code cell {number}: running its definitions raised "
                                     f"{_where(exc, filename)}") from None
                namespace.setdefault(SKIPPED_IMPORTS, []).append(
                    f"code cell {number}, line {node.lineno}: {_first_line(exc)}")
            except Exception as exc:
                raise UsageError(f"{path}, code cell {number}: running its definitions raised "
                                 f"{_where(exc, filename)}") from None
    return namespace


class _importable_from:
    """``folder`` first on sys.path for the duration (the learner's helper modules live beside it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder.resolve())

    def __enter__(self):
        sys.path.insert(0, self.folder)

    def __exit__(self, *exc):
        try:
            sys.path.remove(self.folder)
        except ValueError:
            pass
        return False


def _without_magics(source: str) -> str:
    """``source`` with IPython-only lines blanked (kept as empty lines, so line numbers hold)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!", "?")) or (stripped.endswith("?") and not stripped.startswith("#")
                                                   and "=" not in stripped and "(" not in stripped):
            lines.append("")
        else:
            lines.append(line)
    return "\n".join(lines)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _where(exc: BaseException, filename: str) -> str:
    """``ValueError: ... (line 12)``: the exception and the learner's line that raised it."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    suffix = f" (line {line})" if line else ""
    return f"{type(exc).__name__}: {_first_line(exc)}{suffix}"
