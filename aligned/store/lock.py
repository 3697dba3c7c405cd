"""One writer at a time: the store's writer lock, ``<store>.lock`` beside the store file.

Why a lock of our own when SQLite has one: SQLite locks one transaction, but a ``songngu run``
writes in many (documents, one per batch, then exports). Two runs into one ``OUT/`` would both
translate every pending segment and then collide on an export or the busy timeout. The writer
lock is held for a command's whole write (``run`` from before its documents are stored until
its exports are written; ``import``, ``refs add``, ``score``, ``check``, ``review --apply``; the
review server per saved decision), so a second writer waits for the first and then finds its
work done. Readers (``export``, ``report``, the review page) take no lock: SQLite's WAL lets
them read while a writer writes.

How: ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<store>.lock``, polled until ``wait`` seconds have
passed, then :class:`StoreBusyError` (exit 75) naming the holder's PID, which the holder writes
into the file. The kernel drops a flock when its process dies, ``kill -9`` included, so a lock
file left by a dead writer (and the stale PID in it) never blocks anyone: the next writer locks
it and writes its own PID. The holder deletes the file when it is done; a waiter that locked a
file that was deleted meanwhile sees that its inode is no longer the path's and tries again, so
two processes never both hold "the" lock.

Within one process the lock is re-entrant (a count per lock file), since flock would make a
second open of the file wait for the first forever.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aligned.faults import crash_point
from corpus.errors import OutputError, OutputPathError, StoreBusyError

#: Seconds a writer waits for another by default (``--wait``).
DEFAULT_WAIT = 60.0
POLL_SECONDS = 0.1

#: Called once when a writer starts to wait, with the holder's PID (None if not yet known).
OnWait = Callable[[int | None], None]


def lock_path(store_path: str | os.PathLike[str]) -> Path:
    """The lock file of the store at ``store_path``: ``<store>.lock``."""
    return Path(f"{os.fspath(store_path)}.lock")


@dataclass
class WriterLock:
    """A held writer lock; :meth:`release` (or leaving :func:`writer_lock`) lets it go."""

    store: Path
    path: Path
    fd: int
    depth: int = 1

    def release(self) -> None:
        """Drop one hold; the last one deletes the lock file and unlocks it."""
        with _registry:
            self.depth -= 1
            if self.depth > 0:
                return
            _held.pop(_key(self.path), None)
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # still ours: every locker checks the inode after locking
        os.close(self.fd)


_held: dict[str, WriterLock] = {}  # the locks this process holds, by lock file
_registry = threading.Lock()  # guards _held and the depths (the review server has threads)


def _key(path: Path) -> str:
    return os.path.realpath(path)


def lock_holder(store_path: str | os.PathLike[str]) -> int | None:
    """The PID written in the store's lock file (None: no file, or no PID in it). Whether that
    process still holds the lock is another matter: a dead writer's PID stays in the file."""
    try:
        text = lock_path(store_path).read_text("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
    return None


def _busy(store: Path, pid: int | None, wait: float) -> StoreBusyError:
    holder = f"PID {pid}" if pid is not None else "another process"
    return StoreBusyError(
        f"store {str(store)!r} is in use by {holder}; wait for it to finish or stop it "
        f"(waited {wait:g} s; --wait SECONDS waits longer)"
    )


def _open(path: Path, store: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise OutputError(
                f"cannot write to store {str(store)!r}: no room for its lock file "
                f"{str(path)!r} (the disk is full); free some space and run the command again"
            ) from None
        raise OutputPathError(
            f"cannot write to store {str(store)!r}: cannot create its lock file {str(path)!r} "
            f"({(exc.strerror or str(exc)).lower()}); make {str(path.parent)!r} writable or "
            "copy the store to a writable place"
        ) from None


def acquire_writer_lock(
    store_path: str | os.PathLike[str],
    *,
    wait: float = DEFAULT_WAIT,
    on_wait: OnWait | None = None,
) -> WriterLock:
    """Take the writer lock of the store at ``store_path``, waiting up to ``wait`` seconds for
    another writer (``on_wait`` is told once, with its PID); :class:`StoreBusyError` after that.

    The store's directory must exist. Call :meth:`WriterLock.release` when the write is done.
    """
    store = Path(store_path)
    path = lock_path(store)
    with _registry:
        held = _held.get(_key(path))
        if held is not None:
            held.depth += 1
            return held
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        fd = _open(path, store)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            left = deadline - time.monotonic()
            if left <= 0:
                raise _busy(store, pid, wait) from None
            if not told and on_wait is not None:
                on_wait(pid)
                told = True
            time.sleep(min(POLL_SECONDS, left))
            continue
        except BaseException:
            os.close(fd)
            raise
        # Locked; but the holder before us may have deleted the file after we opened it.
        try:
            same = os.path.samestat(os.stat(path), os.fstat(fd))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the lock holds without the PID; waiters then say "another process"
        lock = WriterLock(store=store, path=path, fd=fd)
        with _registry:
            _held[_key(path)] = lock
        crash_point("store.lock")
        return lock


@contextlib.contextmanager
def writer_lock(
    store_path: str | os.PathLike[str],
    *,
    wait: float = DEFAULT_WAIT,
    on_wait: OnWait | None = None,
) -> Iterator[WriterLock]:
    """:func:`acquire_writer_lock` for the block's duration."""
    lock = acquire_writer_lock(store_path, wait=wait, on_wait=on_wait)
    try:
        yield lock
    finally:
        lock.release()
