"""Writing files without ever clobbering one: temp file, then a hard link.

``os.replace`` is atomic but overwrites; ``os.link`` is just as atomic and
refuses an existing name, so a file appears whole or not at all and a user's
file is never replaced, even when two writers race for the same name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from vecbench import VecbenchError


def refuse_existing(*paths: Path) -> None:
    """Raise when any of ``paths`` exists (checked before any is written)."""
    for path in paths:
        if path.exists():
            raise VecbenchError(f"{path} already exists; remove it or choose another path")


def write_new(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Create ``path`` by calling ``write(temp_path)``, atomically, never overwriting.

    ``write`` fills a temporary file in the same directory; the temporary name
    is then linked to ``path`` (which fails if ``path`` exists) and removed.
    """
    path = Path(path)
    refuse_existing(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise VecbenchError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.link(tmp, path)
    except FileExistsError:
        raise VecbenchError(f"{path} already exists; remove it or choose another path") from None
    except OSError as exc:
        raise VecbenchError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
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
