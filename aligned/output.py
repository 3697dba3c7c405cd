"""Safe output files: write to a temp file beside the target, then rename.

An interrupted or failed write never leaves a half-written file where a good one was, and an
existing output is not replaced unless the user said ``--force``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from corpus.errors import OutputExistsError


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse an existing output early, before a long computation whose result it would hold."""
    if str(path) != "-" and Path(path).exists() and not force:
        raise OutputExistsError(
            f"output file {str(path)!r} already exists; pass --force to overwrite it "
            "or choose another path with -o"
        )


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[TextIO]:
    """Open ``path`` for writing text atomically; ``"-"`` is stdout."""
    if str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    check_output(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
