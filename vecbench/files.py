"""Writing files atomically: a temp file in the same folder, then one rename.

Two ways to finish, and every writer in vecbench uses one of them:

- ``write_new`` links the temp file into place with ``os.link``, which is as
  atomic as ``os.replace`` but refuses an existing name, so a user's file (a
  run, a data set, a plot) is never replaced, even when two writers race;
- ``replace_file`` uses ``os.replace``, for derived outputs that vecbench
  owns and rewrites (report pages, the ceilings store, asv's site).

Either way a reader sees no file or the whole file, never a partial one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from vecbench import VecbenchError


def refuse_existing(*paths: Path) -> None:
    """Raise when any of ``paths`` exists (checked before any is written)."""
    for path in paths:
        if path.exists():
            raise VecbenchError(f"{path} already exists; remove it or choose another path")


def _temp_beside(path: Path) -> Path:
    """An empty temp file in ``path``'s folder, with the mode ``open`` would give."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise VecbenchError(f"cannot write {path}: {exc.strerror or exc}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, (stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH) & ~umask)
    os.close(fd)
    return Path(name)


def _fill(tmp: Path, data: bytes) -> None:
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_new(path: Path | str, write: Callable[[Path], None] | bytes | str) -> Path:
    """Create ``path`` atomically, never overwriting.

    ``write`` is the content (bytes, or text written as UTF-8) or a callable
    that fills the temporary path it is given (``fig.savefig``, h5py).
    Raises ``FileExistsError`` when ``path`` exists.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    tmp = _temp_beside(path)
    try:
        if callable(write):
            write(tmp)
        else:
            _fill(tmp, write.encode("utf-8") if isinstance(write, str) else write)
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_new_or_fail(path: Path | str, write: Callable[[Path], None] | bytes | str) -> Path:
    """``write_new`` for a path the user named: an existing file is a one-line error."""
    try:
        return write_new(path, write)
    except FileExistsError:
        raise VecbenchError(f"{path} already exists; remove it or choose another path") from None
    except OSError as exc:
        raise VecbenchError(f"cannot write {path}: {exc.strerror or exc}") from None


def replace_file(path: Path | str, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically, replacing it (derived outputs only)."""
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        _fill(tmp, data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def fresh_path(directory: Path | str, stem: str, suffix: str) -> Path:
    """``directory/stem+suffix``, or ``stem-2``, ``stem-3``... if taken."""
    directory = Path(directory)
    candidate = directory / f"{stem}{suffix}"
    n = 2
    while candidate.exists():
        candidate = directory / f"{stem}-{n}{suffix}"
        n += 1
    return candidate
