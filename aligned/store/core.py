"""The connection, the public transaction and SQLite error handling shared by the store's parts.

Why one connection in autocommit mode (``isolation_level=None``): the store decides where every
transaction begins and ends (:meth:`StoreCore.transaction`), so a crash leaves either all of a
step or none of it, never what Python's implicit transactions happened to have committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from aligned.store.lock import DEFAULT_WAIT, WriterLock, acquire_writer_lock
from corpus.errors import ConfigError, DataError, OutputPathError, SongnguError, StoreBusyError


def now() -> str:
    """The current UTC time as stored in ``created``/``at`` columns (seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def flags_str(flags: Iterable[str]) -> str:
    """Segment flags as stored: comma-joined names."""
    return ",".join(flags)


def flags_tuple(value: str) -> tuple[str, ...]:
    """The stored comma-joined flags as a tuple (empty string: no flags)."""
    return tuple(f for f in value.split(",") if f)


def store_error(path: str | Path, exc: sqlite3.Error) -> SongnguError:
    """A one-line error for an SQLite failure while using the store at ``path``.

    "database is locked" (another process kept SQLite's lock past the busy timeout) is a
    :class:`StoreBusyError` (exit 75), a read-only store an :class:`OutputPathError` (exit 73),
    other operational failures exit 1; anything else means the file is damaged (exit 65).
    """
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreBusyError(
                f"store {str(path)!r} is in use by another process (SQLite: {exc}); wait for "
                "it to finish or stop it, then run the command again"
            )
        if "readonly" in text or "read-only" in text:
            return OutputPathError(
                f"cannot write to store {str(path)!r}: SQLite: {exc}; make the file and its "
                "directory writable or copy the store to a writable place"
            )
        return SongnguError(
            f"{path}: SQLite error: {exc}; check that the file and its directory are writable "
            "and the disk is not full"
        )
    return DataError(
        f"{path}: SQLite error: {exc}; the store is damaged. Re-create it with `songngu run` "
        "or `songngu import`"
    )


@contextlib.contextmanager
def sqlite_errors(path: str | Path) -> Iterator[None]:
    """Turn ``sqlite3`` exceptions inside the block into :func:`store_error` (no traceback)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None


class StoreCore:
    """An open store file: the connection, :meth:`transaction` and the lifecycle.

    The table groups (:mod:`aligned.store.documents`, ``translations``, ``refs``, ``scores``,
    ``reviews``, ``views``) are mixins on top of this class; :class:`aligned.store.Store`
    combines them.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        writer: bool = False,
        wait: float = DEFAULT_WAIT,
        on_wait: Callable[[int | None], None] | None = None,
    ) -> None:
        from aligned.output import make_output_dir
        from aligned.store.schema import check_and_migrate

        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ConfigError(
                f"store {str(self.path)!r} does not exist; create one with `songngu run ... "
                f"-o DIR/` or `songngu import FILE -o {self.path}`"
            )
        if self.path.is_dir():
            raise ConfigError(
                f"store path {str(self.path)!r} is a directory; give the file, e.g. "
                f"{str(self.path / 'corpus.sqlite')!r}"
            )
        make_output_dir(self.path.parent)
        #: The writer lock (``writer=True``: held from here until :meth:`close`), or None.
        self.lock: WriterLock | None = None
        if writer:
            self.lock = acquire_writer_lock(self.path, wait=wait, on_wait=on_wait)
        self._depth = 0  # open transaction() blocks: 0 none, 1 the outer one, >1 savepoints
        # isolation_level=None: we open and commit transactions ourselves (BEGIN IMMEDIATE).
        #: The SQLite connection. Only :mod:`aligned.store` runs SQL on it; tests that inspect
        #: or damage the file on purpose may read it.
        try:
            self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
        except BaseException:
            self._release()
            raise
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            check_and_migrate(self)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.OperationalError as exc:
            self.close()
            raise store_error(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            self.close()
            raise DataError(
                f"{self.path}: not a usable SQLite file ({exc}); it is corrupt or not a "
                "songngu store. Move it away and re-run, or point to the right file"
            ) from None
        except BaseException:
            self.close()
            raise

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection, then let the writer lock go (if this store holds it)."""
        try:
            self.db.close()
        finally:
            self._release()

    def _release(self) -> None:
        lock, self.lock = self.lock, None
        if lock is not None:
            lock.release()

    def __enter__(self) -> StoreCore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transactions -----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write: ``BEGIN IMMEDIATE`` … ``COMMIT``, ``ROLLBACK`` on any exception.

        IMMEDIATE takes the write lock at the start, so two writers wait for each other (up
        to the 30 s busy timeout) instead of failing half-way. Nesting is safe: an inner
        ``transaction()`` is a SAVEPOINT inside the outer one; on an exception it rolls back
        only its own writes and re-raises, and nothing is durable before the outermost block
        commits. Every write method of the store runs inside one, so a caller can group
        several of them (``with store.transaction(): ...``) into one all-or-nothing step.
        """
        if self._depth:
            name = f"songngu_{self._depth}"
            self.db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self.db.in_transaction:  # SQLite may have rolled back already (disk full)
                    self.db.execute(f"ROLLBACK TO {name}")
                    self.db.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self.db.execute(f"RELEASE {name}")
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            if self.db.in_transaction:  # SQLite may have rolled back already (disk full)
                self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # e.g. COMMIT failed on a full disk: leave no open one
                self.db.execute("ROLLBACK")
            raise

    @property
    def in_transaction(self) -> bool:
        """True inside a :meth:`transaction` block."""
        return self._depth > 0

    def schema_version(self) -> int:
        """The file's schema version (see :mod:`aligned.store.schema`)."""
        from aligned.store.schema import read_schema_version

        return read_schema_version(self.db, self.path)
