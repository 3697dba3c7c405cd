"""The corpus store: one SQLite file holding documents, segments and every system's translations.

Why SQLite: one file a user can copy, inspect with ``sqlite3`` and resume from. WAL mode lets a
reader (export, report) look while a run writes; ``foreign_keys=ON`` keeps translations, reviews
and scores from outliving their segment.

The store owns all SQL: no other module runs a statement. One module per group of tables, each
a mixin of :class:`Store`:

* :mod:`~aligned.store.core`: the connection, :meth:`Store.transaction` (``BEGIN IMMEDIATE``
  … ``COMMIT``/``ROLLBACK``, nested blocks are savepoints), SQLite errors as songngu errors.
* :mod:`~aligned.store.schema`: the DDL, :data:`MIGRATIONS`, the ``meta`` version check.
* :mod:`~aligned.store.documents`: ``documents`` and ``segments``.
* :mod:`~aligned.store.boilerplate`: paragraph repeats over the whole store (tables created on
  first use) and the ``boilerplate`` flag they give.
* :mod:`~aligned.store.translations`: ``systems``, ``translations`` (translation memory,
  pending texts).
* :mod:`~aligned.store.refs`: ``refs`` (reference translations).
* :mod:`~aligned.store.scores`: ``scores`` (metric scores and check flags).
* :mod:`~aligned.store.reviews`: ``reviews`` (the decision log and what it means per system).
* :mod:`~aligned.store.views`: read-only joins (export pairs, report rows).
* :mod:`~aligned.store.lock`: the writer lock (one writer at a time), ``open_store(writer=True)``.
* :mod:`~aligned.store.search`: review pages (filter, sort, page, FTS5 text search) and the
  derived search index.
* :mod:`~aligned.store.judgements`: ``judgements`` (blind A/B preferences).
"""

from __future__ import annotations

from pathlib import Path

from aligned.store.boilerplate import BoilerplateChange
from aligned.store.core import StoreCore, sqlite_errors, store_error
from aligned.store.documents import (
    AddResult,
    DocumentChange,
    Documents,
    HistoryEntry,
    ImportedSegment,
    SegmentStats,
    SegmentText,
)
from aligned.store.judgements import PREFERENCES, Judgement, Judgements
from aligned.store.lock import (
    DEFAULT_WAIT,
    OnWait,
    WriterLock,
    acquire_writer_lock,
    lock_holder,
    lock_path,
    writer_lock,
)
from aligned.store.refs import ReferenceRow, References
from aligned.store.reviews import ReviewDecision, ReviewState
from aligned.store.schema import APPLICATION, MIGRATIONS, SCHEMA_VERSION
from aligned.store.scores import CHECK_PREFIX, CheckFlag, MetricRow, Scores, StoredFlag
from aligned.store.search import ReviewRow, RowReview, Search, SegmentQuery, Side
from aligned.store.translations import (
    ImportedTranslation,
    PendingText,
    StoredTranslation,
    Translations,
    signature_fields,
)
from aligned.store.views import EDITED_FROM, ReportSegment, Views


class Store(Search, Judgements, Views, Translations, References, Scores, Documents):
    """An open corpus store; use as a context manager, or call :meth:`close`.

    Every write method runs in :meth:`transaction`; wrap several in one
    ``with store.transaction():`` to make them one all-or-nothing step.
    """

    def __enter__(self) -> Store:
        return self


def open_store(
    path: str | Path,
    *,
    create: bool = True,
    writer: bool = False,
    wait: float = DEFAULT_WAIT,
    on_wait: OnWait | None = None,
) -> Store:
    """Open (and create or upgrade) the store at ``path``; see :class:`Store`.

    ``writer=True``: hold the store's writer lock (:mod:`aligned.store.lock`) until the store
    is closed, waiting up to ``wait`` seconds for another writer (``on_wait(pid)`` is called
    once when the wait starts); :class:`~corpus.errors.StoreBusyError` (exit 75) after that.
    Every command that writes takes it; readers need not (WAL).
    """
    return Store(path, create=create, writer=writer, wait=wait, on_wait=on_wait)


__all__ = [
    "APPLICATION",
    "CHECK_PREFIX",
    "DEFAULT_WAIT",
    "EDITED_FROM",
    "MIGRATIONS",
    "PREFERENCES",
    "SCHEMA_VERSION",
    "AddResult",
    "BoilerplateChange",
    "CheckFlag",
    "DocumentChange",
    "HistoryEntry",
    "ImportedSegment",
    "ImportedTranslation",
    "Judgement",
    "MetricRow",
    "OnWait",
    "PendingText",
    "ReferenceRow",
    "ReportSegment",
    "ReviewDecision",
    "ReviewRow",
    "ReviewState",
    "RowReview",
    "SegmentQuery",
    "SegmentStats",
    "SegmentText",
    "Side",
    "Store",
    "StoreCore",
    "StoredFlag",
    "StoredTranslation",
    "WriterLock",
    "acquire_writer_lock",
    "lock_holder",
    "lock_path",
    "open_store",
    "signature_fields",
    "sqlite_errors",
    "store_error",
    "writer_lock",
]
