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
* :mod:`~aligned.store.reviews`: ``reviews`` (the decision log).
* :mod:`~aligned.store.views`: read-only joins (export pairs, report rows).
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
from aligned.store.refs import ReferenceRow, References
from aligned.store.reviews import ReviewDecision, Reviews
from aligned.store.schema import APPLICATION, MIGRATIONS, SCHEMA_VERSION
from aligned.store.scores import CHECK_PREFIX, CheckFlag, MetricRow, Scores, StoredFlag
from aligned.store.translations import (
    ImportedTranslation,
    PendingText,
    StoredTranslation,
    Translations,
    signature_fields,
)
from aligned.store.views import ReportSegment, Views


class Store(Reviews, Translations, References, Scores, Views, Documents):
    """An open corpus store; use as a context manager, or call :meth:`close`.

    Every write method runs in :meth:`transaction`; wrap several in one
    ``with store.transaction():`` to make them one all-or-nothing step.
    """

    def __enter__(self) -> Store:
        return self


def open_store(path: str | Path, *, create: bool = True) -> Store:
    """Open (and create or upgrade) the store at ``path``; see :class:`Store`."""
    return Store(path, create=create)


__all__ = [
    "APPLICATION",
    "CHECK_PREFIX",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AddResult",
    "BoilerplateChange",
    "CheckFlag",
    "DocumentChange",
    "HistoryEntry",
    "ImportedSegment",
    "ImportedTranslation",
    "MetricRow",
    "PendingText",
    "ReferenceRow",
    "ReportSegment",
    "ReviewDecision",
    "SegmentStats",
    "SegmentText",
    "Store",
    "StoreCore",
    "StoredFlag",
    "StoredTranslation",
    "open_store",
    "signature_fields",
    "sqlite_errors",
    "store_error",
]
