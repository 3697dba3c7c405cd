"""The store's tables (DDL), the migrations between schema versions and the version check.

Why versioned migrations: a store outlives the songngu that made it. ``meta.schema_version``
says which :data:`MIGRATIONS` steps a file has had; opening an older file runs the missing
steps, one transaction each, and a file newer than this code is refused rather than misread.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aligned.faults import crash_point
from corpus.errors import DataError

if TYPE_CHECKING:
    from aligned.store.core import StoreCore

SCHEMA_VERSION = 3
APPLICATION = "songngu"

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    encoding TEXT NOT NULL DEFAULT 'utf-8',
    cleaning TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    para INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    start INTEGER,
    end INTEGER,
    text TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    UNIQUE (doc, para, sent)
);
CREATE TABLE systems (
    signature TEXT PRIMARY KEY,
    fields TEXT NOT NULL DEFAULT '{}',
    last_used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE translations (
    id INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    signature TEXT NOT NULL REFERENCES systems(signature),
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    score REAL,
    src_tokens INTEGER,
    tgt_tokens INTEGER,
    split INTEGER NOT NULL DEFAULT 0,
    parts INTEGER NOT NULL DEFAULT 1,
    notes TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    UNIQUE (segment, signature)
);
CREATE INDEX translations_memory ON translations (signature, source);
CREATE TABLE refs (
    id INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    alignment TEXT NOT NULL DEFAULT '1-1',
    align_score REAL,
    created TEXT NOT NULL,
    UNIQUE (segment, name)
);
CREATE TABLE scores (
    id INTEGER PRIMARY KEY,
    segment INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    signature TEXT NOT NULL REFERENCES systems(signature),
    reference TEXT,
    metric TEXT NOT NULL,
    value REAL,
    details TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    signature TEXT NOT NULL REFERENCES systems(signature),
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'edit', 'reject')),
    text TEXT,
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX reviews_segment ON reviews (segment, signature, id);
"""


def _migrate_0_to_1(db: sqlite3.Connection) -> None:
    # Not executescript(): it would commit the migration's transaction half-way.
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO meta (key, value) VALUES ('application', ?)", (APPLICATION,))
    db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '0')")
    db.execute("INSERT INTO meta (key, value) VALUES ('use_counter', '0')")


def segment_uid(doc: str, text: str, n: int = 0) -> str:
    """The stable, exported identity of a segment: ``<doc>#<10 hex>``.

    Derived from the document id, the segment's text and ``n``, the smallest number that makes
    it unique in its document (0 unless the same text occurs twice). So it does not move when
    sentences around it are inserted or removed, and a store rebuilt from the same text gives
    the same ids.
    """
    digest = hashlib.sha256(f"{text}\x00{n}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{doc}#{digest[:10]}"


_SCHEMA_V2 = """
ALTER TABLE documents ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
ALTER TABLE documents ADD COLUMN lang TEXT NOT NULL DEFAULT 'vi';
ALTER TABLE segments ADD COLUMN uid TEXT;
ALTER TABLE systems ADD COLUMN name TEXT;
ALTER TABLE translations ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE translations ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
ALTER TABLE reviews ADD COLUMN judged TEXT;
ALTER TABLE reviews ADD COLUMN comment TEXT;
ALTER TABLE reviews ADD COLUMN category TEXT;
ALTER TABLE reviews ADD COLUMN severity TEXT;
ALTER TABLE scores ADD COLUMN inputs TEXT;
CREATE TABLE judgements (
    id INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    left_system TEXT NOT NULL REFERENCES systems(signature),
    right_system TEXT NOT NULL REFERENCES systems(signature),
    preference TEXT NOT NULL CHECK (preference IN ('left', 'equal', 'right')),
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL,
    uid TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX history_doc ON history (doc, uid)
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Stable identities: document order, segment uids, what a review judged, the inputs of a
    score, and a history table for human work whose segment is gone. Also room for what
    other tools' files and reviewers bring: document metadata (``meta`` JSON) and language
    tags, a system's short name, a translation's language tag and extra data (``extra``
    JSON: TMX props/notes, unknown columns), a review's comment and error category/severity,
    and blind A/B ``judgements``.

    v1 had no input order: documents keep the (id) order they were listed in. Reviews get the
    machine text of their system as the text they judged; scores get no inputs (= stale, so
    they are recomputed before anyone sees them again).
    """
    for statement in _SCHEMA_V2.split(";"):
        if statement.strip():
            db.execute(statement)
    docs = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    db.executemany("UPDATE documents SET ord = ? WHERE id = ?", list(enumerate(docs, 1)))
    db.execute("INSERT INTO meta (key, value) VALUES ('doc_counter', ?)", (str(len(docs)),))
    used: set[str] = set()
    updates = []
    for seg_id, doc, text in db.execute(
        "SELECT id, doc, text FROM segments ORDER BY doc, para, sent"
    ).fetchall():
        n = 0
        while (uid := segment_uid(doc, text, n)) in used:
            n += 1
        used.add(uid)
        updates.append((uid, seg_id))
    db.executemany("UPDATE segments SET uid = ? WHERE id = ?", updates)
    db.execute("CREATE UNIQUE INDEX segments_uid ON segments (uid)")
    db.execute(
        "UPDATE reviews SET judged = (SELECT t.text FROM translations t "
        "WHERE t.segment = reviews.segment AND t.signature = reviews.signature)"
    )


_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS boilerplate_paras (
    doc TEXT NOT NULL,
    para INTEGER NOT NULL,
    key INTEGER NOT NULL,
    PRIMARY KEY (doc, para)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS boilerplate_paras_key ON boilerplate_paras (key);
CREATE TABLE IF NOT EXISTS boilerplate_counts (key INTEGER PRIMARY KEY, docs INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS boilerplate_counts_docs ON boilerplate_counts (docs);
CREATE INDEX IF NOT EXISTS segments_boilerplate ON segments (doc, para)
    WHERE instr(',' || flags || ',', ',boilerplate,') > 0;
CREATE TABLE IF NOT EXISTS document_parts (
    doc TEXT NOT NULL,
    part INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (doc, part)
) WITHOUT ROWID
"""


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """The tables v2 code made on first use, now part of the schema: ``boilerplate_paras``
    and ``boilerplate_counts`` (paragraph repeats over the store, :mod:`aligned.store.
    boilerplate`) and ``document_parts`` (a big text in pieces); and ``segments_boilerplate``,
    a partial index of the segments flagged ``boilerplate`` (so that taking the flag back does
    not read every segment of the store). ``IF NOT EXISTS``: a v2 store
    may have them already (made with their rows in one transaction, so kept as they are);
    otherwise the paragraph index is filled from the stored segments."""
    from aligned.store.boilerplate import paragraph_rows

    had_counts = db.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'boilerplate_counts'"
    ).fetchone()
    for statement in _SCHEMA_V3.split(";"):
        if statement.strip():
            db.execute(statement)
    if had_counts:
        return
    for (doc,) in db.execute("SELECT id FROM documents ORDER BY id").fetchall():
        segments = db.execute(
            "SELECT para, text FROM segments WHERE doc = ? ORDER BY para, sent", (doc,)
        )
        db.executemany(
            "INSERT INTO boilerplate_paras (doc, para, key) VALUES (?, ?, ?)",
            paragraph_rows(str(doc), ((int(p), str(t)) for p, t in segments.fetchall())),
        )
    db.execute(
        "INSERT INTO boilerplate_counts (key, docs) "
        "SELECT key, count(DISTINCT doc) FROM boilerplate_paras GROUP BY key"
    )


#: ``MIGRATIONS[v]`` upgrades a store from schema version ``v`` to ``v + 1`` (0 = empty file).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1,
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
}


def read_schema_version(db: sqlite3.Connection, path: Path) -> int:
    """The file's schema version (0 for an empty file); DataError if it is not a songngu store."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise DataError(
            f"{path}: an SQLite file but not a songngu store (no 'meta' table; tables: "
            f"{', '.join(sorted(tables))[:200]}); give a corpus.sqlite made by songngu"
        )
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    app = db.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
    if row is None or app is None or app[0] != APPLICATION:
        raise DataError(
            f"{path}: an SQLite file but not a songngu store (no songngu schema_version "
            "in its 'meta' table); give a corpus.sqlite made by songngu"
        )
    try:
        return int(row[0])
    except ValueError:
        raise DataError(
            f"{path}: schema_version {row[0]!r} is not a number; the store is damaged"
        ) from None


def check_and_migrate(store: StoreCore) -> None:
    """Refuse a newer file; bring an older (or empty) one to :data:`SCHEMA_VERSION`."""
    version = read_schema_version(store.db, store.path)
    if version > SCHEMA_VERSION:
        raise DataError(
            f"{store.path}: store schema version {version} is newer than this songngu "
            f"understands (up to {SCHEMA_VERSION}); upgrade songngu to read it"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise DataError(
                f"{store.path}: no migration from store schema version {version}; "
                "re-create the store with `songngu run`"
            )
        with store.transaction():
            step(store.db)
            crash_point("store.migrate")
            version += 1
            store.db.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
            )
