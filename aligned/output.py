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


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[TextIO]:
    """Open ``path`` for writing text atomically; ``"-"`` is stdout."""
    if str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(
            f"output file {str(target)!r} already exists; pass --force to overwrite it "
            "or choose another path with -o"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
