"""Safe output files: write to a temp file beside the target, then rename.

An interrupted or failed write never leaves a half-written file where a good one was, and an
existing output is not replaced unless the user said ``--force``. A write that fails (disk full,
file over the size limit, I/O error) removes its temp file and raises :class:`OutputError`
(exit 74) naming the file and saying the previous one is kept; a process killed mid-write leaves
only a ``.NAME.*.tmp`` file beside the target, which ``songngu run`` removes when it resumes.

A path that cannot be created at all (its directory cannot be made, a file stands where a
directory is needed, no permission, a read-only or special file system such as ``/proc``) is an
:class:`OutputPathError` (exit 73) naming the path, what is in the way and the fix, raised
before anything is written (:func:`cannot_create`, :func:`make_output_dir`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from aligned.faults import crash_point
from corpus.errors import OutputError, OutputExistsError, OutputPathError

# errno of a write that found no room: (what happened, what to do).
_NO_ROOM: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free some space and run the command again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space and run the command again"),
    errno.EFBIG: (
        "the file is too large (over this process's file-size limit, see `ulimit -f`)",
        "raise the limit or write elsewhere and run the command again",
    ),
}


# errno of a create that cannot succeed where asked (exit 73), not a lack of room (exit 74).
_CANNOT_CREATE = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.EEXIST,
        errno.ENAMETOOLONG,
        errno.ELOOP,
        errno.EINVAL,
    }
)


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (``.`` at worst)."""
    for p in (path, *path.parents):
        if os.path.lexists(p):
            return p
    return Path(".")


def cannot_create(
    path: str | os.PathLike[str],
    exc: OSError | None = None,
    *,
    directory: bool = False,
    option: str = "-o",
) -> OutputPathError:
    """The one-line error for an output file (or ``directory``) ``path`` that cannot be
    created (``exc``: the failed call, if any): what is in the way, and the fix."""
    target = Path(path)
    what = "directory" if directory else "file"
    where = _nearest_existing(target if directory else target.parent)
    fix = f"choose another path with {option}"
    if directory and where == target:
        reason = "it is a file, not a directory"
    elif not where.is_dir():
        reason = f"{str(where)!r} is a file, not a directory"
    elif exc is not None and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"{(exc.strerror or str(exc)).lower()} in {str(where)!r}"
        fix = f"choose a writable place with {option} (or make {str(where)!r} writable)"
    elif exc is not None:
        reason = f"{(exc.strerror or str(exc)).lower()} in {str(where)!r}"
    else:
        reason = f"it cannot be made in {str(where)!r}"
    return OutputPathError(f"cannot create {what} {str(target)!r}: {reason}; {fix}")


def make_output_dir(path: str | os.PathLike[str], *, option: str = "-o") -> Path:
    """Create the output directory ``path`` and its parents (an existing one is fine);
    :class:`OutputPathError` naming the path if it cannot be."""
    target = Path(path)
    if os.path.lexists(target) and not target.is_dir():
        raise cannot_create(target, directory=True, option=option)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise write_error(target, exc) from None
        raise cannot_create(target, exc, directory=True, option=option) from None
    return target


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_output(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse an existing output early, before a long computation whose result it would hold."""
    if str(path) != "-" and Path(path).is_dir():
        raise OutputPathError(
            f"cannot create file {str(path)!r}: it is a directory; give a file name in it with -o"
        )
    if str(path) != "-" and Path(path).exists() and not force:
        raise OutputExistsError(
            f"output file {str(path)!r} already exists; pass --force to overwrite it "
            "or choose another path with -o"
        )


def write_error(target: Path, exc: OSError) -> OutputError:
    """The one-line error for ``exc`` while writing ``target`` (its temp file already removed)."""
    reason, fix = _NO_ROOM.get(
        exc.errno or 0,
        (
            (exc.strerror or str(exc)).lower(),
            "check that the directory is writable and run the command again",
        ),
    )
    kept = (
        f"the previous {target.name} is kept unchanged"
        if target.exists()
        else f"no {target.name} was written"
    )
    return OutputError(f"cannot write {str(target)!r}: {reason}; {kept}. To fix: {fix}")


def _text_file(fd: int) -> TextIO:
    """The temp file's text stream (a seam for tests that make writes fail)."""
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[TextIO]:
    """Open ``path`` for writing text atomically; ``"-"`` is stdout.

    A write to the file that fails for lack of room (disk full, quota, file-size limit), or a
    failure of this function's own create/sync/rename, raises :class:`OutputError` after the
    temp file is removed; ``path`` is then as it was before.
    """
    if str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    check_output(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        if exc.errno in _CANNOT_CREATE:
            raise cannot_create(target, exc) from None
        raise write_error(target, exc) from None
    in_body = False  # an OSError the caller's code raises is its own, unless it is "no room"
    try:
        with _text_file(fd) as fh:
            crash_point("output.open")
            in_body = True
            yield fh
            in_body = False
            fh.flush()
            os.fsync(fh.fileno())
        crash_point("output.rename")
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if in_body and exc.errno not in _NO_ROOM:
            raise
        raise write_error(target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
