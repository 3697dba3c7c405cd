"""The corpus store: one SQLite file holding documents, segments and every system's translations.

Why SQLite: one file a user can copy, inspect with ``sqlite3`` and resume from. WAL mode lets a
reader (export, report) look while a run writes; ``foreign_keys=ON`` keeps translations, reviews
and scores from outliving their segment.

Tables (schema version :data:`SCHEMA_VERSION`):

* ``documents`` (id, source, sha256 of text, text, encoding, cleaning JSON)
* ``segments`` (doc, para, sent, start, end, text, flags): unique (doc, para, sent); flags are
  comma-joined names from ``corpus.flags.FLAGS``
* ``systems`` (signature string, its fields as JSON, ``last_used`` = a store-wide counter, so
  "latest" is the system most recently run or imported)
* ``translations`` (segment, signature, source, text, score, src_tokens, tgt_tokens, split,
  parts, notes, created): unique (segment, signature). ``source`` is the segment text the
  translation was made from; the index on (signature, source) makes the store a translation
  memory: a text already translated under a signature, in any document, is copied, not
  translated again.
* ``refs`` (reference translations; ``references`` is an SQL keyword), ``scores`` and
  ``reviews`` (decision log: segment, signature, decision accept/edit/reject, text, who, at):
  created now, filled by later commands.
* ``meta`` (key, value) with ``schema_version``; :data:`MIGRATIONS` upgrades older files one
  version at a time, and a file newer than this code is refused.

Re-adding a document: the same text and the same segments is a no-op. If the text or its
segmentation changed, the document's segments are replaced and their translations dropped,
except that a translation whose source text still occurs in the new segments is re-attached to
them (so editing one paragraph re-translates only that paragraph).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from aligned.faults import crash_point
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError, DataError, SongnguError
from corpus.model import Document, Segment
from translate.types import Hypothesis

SCHEMA_VERSION = 1
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


#: ``MIGRATIONS[v]`` upgrades a store from schema version ``v`` to ``v + 1`` (0 = empty file).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _migrate_0_to_1}


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``add_documents`` did with each document, by id."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingText:
    """A source text some segments still need translated, with those segments' ids."""

    text: str
    segments: tuple[int, ...]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flags_str(flags: Iterable[str]) -> str:
    return ",".join(flags)


def _flags_tuple(value: str) -> tuple[str, ...]:
    return tuple(f for f in value.split(",") if f)


def signature_fields(signature: str) -> dict[str, str]:
    """The ``key:value`` fields of a signature string (``{}`` for a free-form one)."""
    fields: dict[str, str] = {}
    for part in signature.split("|"):
        key, sep, value = part.partition(":")
        if not sep:
            return {}
        fields[key] = value
    return fields


def store_error(path: str | Path, exc: sqlite3.Error) -> SongnguError:
    """A one-line error for an SQLite failure while using the store at ``path``.

    Operational failures (locked, read-only, disk full) are exit 1; anything else means the
    file is damaged (exit 65).
    """
    if isinstance(exc, sqlite3.OperationalError):
        hint = (
            "another songngu process is writing it; wait for it to finish"
            if "locked" in str(exc)
            else "check that the file and its directory are writable and the disk is not full"
        )
        return SongnguError(f"{path}: SQLite error: {exc}; {hint}")
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


class Store:
    """An open corpus store; use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open and commit transactions ourselves (BEGIN IMMEDIATE).
        self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30.0)
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            self._check_and_migrate()
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.OperationalError as exc:
            self.db.close()
            raise store_error(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise DataError(
                f"{self.path}: not a usable SQLite file ({exc}); it is corrupt or not a "
                "songngu store. Move it away and re-run, or point to the right file"
            ) from None
        except BaseException:
            self.db.close()
            raise

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- schema -----------------------------------------------------------------------------

    def schema_version(self) -> int:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return 0
        if "meta" not in tables:
            raise DataError(
                f"{self.path}: an SQLite file but not a songngu store (no 'meta' table; tables: "
                f"{', '.join(sorted(tables))[:200]}); give a corpus.sqlite made by songngu"
            )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        app = self.db.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
        if row is None or app is None or app[0] != APPLICATION:
            raise DataError(
                f"{self.path}: an SQLite file but not a songngu store (no songngu schema_version "
                "in its 'meta' table); give a corpus.sqlite made by songngu"
            )
        try:
            return int(row[0])
        except ValueError:
            raise DataError(
                f"{self.path}: schema_version {row[0]!r} is not a number; the store is damaged"
            ) from None

    def _check_and_migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise DataError(
                f"{self.path}: store schema version {version} is newer than this songngu "
                f"understands (up to {SCHEMA_VERSION}); upgrade songngu to read it"
            )
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise DataError(
                    f"{self.path}: no migration from store schema version {version}; "
                    "re-create the store with `songngu run`"
                )
            with self._transaction():
                step(self.db)
                crash_point("store.migrate")
                version += 1
                self.db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
                )

    # -- documents and segments -------------------------------------------------------------

    def add_documents(self, docs: Sequence[Document]) -> AddResult:
        """Insert or update documents and their segments in one transaction (rule: module doc)."""
        added: list[str] = []
        changed: list[str] = []
        unchanged: list[str] = []
        with self._transaction():
            for doc in docs:
                digest = _sha256(doc.text)
                row = self.db.execute(
                    "SELECT sha256 FROM documents WHERE id = ?", (doc.id,)
                ).fetchone()
                if row is None:
                    self._insert_document(doc, digest)
                    added.append(doc.id)
                elif row[0] == digest and self._same_segments(doc.id, doc.segments):
                    unchanged.append(doc.id)
                else:
                    self._replace_document(doc, digest)
                    changed.append(doc.id)
                crash_point("store.document")
        return AddResult(tuple(added), tuple(changed), tuple(unchanged))

    def _insert_document(self, doc: Document, digest: str) -> None:
        self.db.execute(
            "INSERT INTO documents (id, source, sha256, text, encoding, cleaning) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.source,
                digest,
                doc.text,
                doc.encoding,
                json.dumps(doc.cleaning, sort_keys=True),
            ),
        )
        self._insert_segments(doc.segments)

    def _insert_segments(self, segments: Iterable[Segment]) -> None:
        self.db.executemany(
            "INSERT INTO segments (doc, para, sent, start, end, text, flags) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (s.doc, s.para, s.sent, s.start, s.end, s.text, _flags_str(s.flags))
                for s in segments
            ],
        )

    def _same_segments(self, doc_id: str, segments: Sequence[Segment]) -> bool:
        return self.segments(doc_id) == list(segments)

    def _replace_document(self, doc: Document, digest: str) -> None:
        old = self.db.execute(
            "SELECT t.signature, t.source, t.text, t.score, t.src_tokens, t.tgt_tokens, t.split, "
            "t.parts, t.notes, t.created FROM translations t JOIN segments s "
            "ON s.id = t.segment WHERE s.doc = ? AND t.source = s.text",
            (doc.id,),
        ).fetchall()
        self.db.execute("DELETE FROM segments WHERE doc = ?", (doc.id,))
        self.db.execute(
            "UPDATE documents SET source = ?, sha256 = ?, text = ?, encoding = ?, cleaning = ? "
            "WHERE id = ?",
            (
                doc.source,
                digest,
                doc.text,
                doc.encoding,
                json.dumps(doc.cleaning, sort_keys=True),
                doc.id,
            ),
        )
        self._insert_segments(doc.segments)
        self.db.executemany(
            "INSERT OR IGNORE INTO translations (segment, signature, source, text, score, "
            "src_tokens, tgt_tokens, split, parts, notes, created) "
            "SELECT s.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM segments s "
            "WHERE s.doc = ? AND s.text = ?",
            [(*row, doc.id, row[1]) for row in old],
        )

    def segments(self, doc: str | None = None) -> list[Segment]:
        """Segments in (doc, para, sent) order, of one document or all."""
        sql = "SELECT doc, para, sent, start, end, text, flags FROM segments"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY doc, para, sent", params)
        return [
            Segment(d, p, s, start, end, text, _flags_tuple(flags))
            for d, p, s, start, end, text, flags in rows
        ]

    def document_text(self, doc: str) -> str:
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
        if row is None:
            raise KeyError(doc)
        return str(row[0])

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for summaries and tests)."""
        return {
            table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("documents", "segments", "systems", "translations", "reviews")
        }

    # -- systems ----------------------------------------------------------------------------

    def use_system(self, signature: str, fields: dict[str, object] | None = None) -> None:
        """Register ``signature`` (if new) and make it the latest system."""
        with self._transaction():
            self._use_system(signature, fields)

    def _use_system(self, signature: str, fields: dict[str, object] | None) -> None:
        self.db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'use_counter'"
        )
        counter = int(
            self.db.execute("SELECT value FROM meta WHERE key = 'use_counter'").fetchone()[0]
        )
        payload = json.dumps(
            fields if fields is not None else signature_fields(signature), sort_keys=True
        )
        self.db.execute(
            "INSERT INTO systems (signature, fields, last_used) VALUES (?, ?, ?) "
            "ON CONFLICT (signature) DO UPDATE SET last_used = excluded.last_used",
            (signature, payload, counter),
        )

    def systems(self) -> list[str]:
        """Signatures, most recently used first."""
        rows = self.db.execute("SELECT signature FROM systems ORDER BY last_used DESC")
        return [str(r[0]) for r in rows]

    def latest_signature(self) -> str | None:
        found = self.systems()
        return found[0] if found else None

    def resolve_system(self, system: str) -> str:
        """``latest`` or a signature string → a signature present in the store."""
        known = self.systems()
        if not known:
            raise DataError(
                f"{self.path}: the store has no translations yet; run `songngu run` (with the "
                "model available) or `songngu import` first"
            )
        if system == "latest":
            return known[0]
        if system not in known:
            listed = "\n  ".join(known[:10])
            raise ConfigError(
                f"--system {system!r} is not in {self.path}; its systems (latest first):\n  "
                f"{listed}\n(or use --system latest)"
            )
        return system

    # -- translation memory -----------------------------------------------------------------

    def pending(self, signature: str, drop: frozenset[str]) -> list[PendingText]:
        """Texts that segments not flagged with ``drop`` still need under ``signature``.

        Unique texts in (doc, para, sent) order of their first segment, so a resumed run
        sends the same batches as an uninterrupted one.
        """
        rows = self.db.execute(
            "SELECT s.id, s.text, s.flags FROM segments s WHERE NOT EXISTS ("
            "SELECT 1 FROM translations t WHERE t.segment = s.id AND t.signature = ?) "
            "ORDER BY s.doc, s.para, s.sent",
            (signature,),
        )
        by_text: dict[str, list[int]] = {}
        for seg_id, text, flags in rows:
            if drop.intersection(_flags_tuple(flags)):
                continue
            by_text.setdefault(text, []).append(seg_id)
        return [PendingText(t, tuple(ids)) for t, ids in by_text.items()]

    def fill_from_memory(self, signature: str, pending: Sequence[PendingText]) -> int:
        """Copy translations of texts already translated under ``signature`` (any document)
        to the pending segments; return the number of segments filled."""
        filled = 0
        with self._transaction():
            for item in pending:
                row = self.db.execute(
                    "SELECT text, score, src_tokens, tgt_tokens, split, parts, notes, created "
                    "FROM translations WHERE signature = ? AND source = ? LIMIT 1",
                    (signature, item.text),
                ).fetchone()
                if row is None:
                    continue
                for seg in item.segments:
                    self.db.execute(
                        "INSERT OR IGNORE INTO translations (segment, signature, source, text, "
                        "score, src_tokens, tgt_tokens, split, parts, notes, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (seg, signature, item.text, *row),
                    )
                    filled += 1
        return filled

    def add_translations(
        self, signature: str, items: Sequence[tuple[PendingText, Hypothesis]]
    ) -> int:
        """Store one batch of hypotheses in one transaction; return segments written."""
        written = 0
        created = _now()
        with self._transaction():
            for item, hyp in items:
                for seg in item.segments:
                    self.db.execute(
                        "INSERT OR IGNORE INTO translations (segment, signature, source, text, "
                        "score, src_tokens, tgt_tokens, split, parts, notes, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            seg,
                            signature,
                            item.text,
                            hyp.text,
                            hyp.score,
                            hyp.src_tokens,
                            hyp.tgt_tokens,
                            int(hyp.split),
                            hyp.parts,
                            json.dumps(list(hyp.notes), ensure_ascii=False),
                            created,
                        ),
                    )
                    written += 1
                crash_point("store.translation")
        return written

    def translations(self, signature: str | None = None) -> list[tuple[str, str, str]]:
        """``(doc:para:sent, signature, text)`` rows in a stable order (for comparisons)."""
        sql = (
            "SELECT s.doc || ':' || s.para || ':' || s.sent, t.signature, t.text "
            "FROM translations t JOIN segments s ON s.id = t.segment"
        )
        params: tuple[str, ...] = ()
        if signature is not None:
            sql += " WHERE t.signature = ?"
            params = (signature,)
        rows = self.db.execute(sql + " ORDER BY s.doc, s.para, s.sent, t.signature", params)
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    # -- reviews ----------------------------------------------------------------------------

    def add_review(
        self,
        doc: str,
        para: int,
        sent: int,
        signature: str,
        decision: str,
        *,
        text: str | None = None,
        who: str = "",
    ) -> None:
        """Log a reviewer's decision; the latest decision per (segment, system) counts."""
        if decision not in ("accept", "edit", "reject"):
            raise ConfigError(f"review decision {decision!r} is not one of accept, edit, reject")
        if decision == "edit" and text is None:
            raise ConfigError("an 'edit' review decision needs the edited text")
        with self._transaction():
            seg = self._segment_id(doc, para, sent)
            self.db.execute(
                "INSERT INTO reviews (segment, signature, decision, text, who, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (seg, signature, decision, text, who, _now()),
            )

    def _segment_id(self, doc: str, para: int, sent: int) -> int:
        row = self.db.execute(
            "SELECT id FROM segments WHERE doc = ? AND para = ? AND sent = ?", (doc, para, sent)
        ).fetchone()
        if row is None:
            raise ConfigError(f"segment {doc}:{para}:{sent} is not in {self.path}")
        return int(row[0])

    # -- export -----------------------------------------------------------------------------

    def pairs(
        self,
        signature: str,
        *,
        drop: frozenset[str] = frozenset(),
        reviewed_only: bool = False,
    ) -> Iterator[AlignedPair]:
        """Translated segments under ``signature`` as pairs, in (doc, para, sent) order.

        Segments flagged with any of ``drop`` are left out, and so are segments without a
        translation under ``signature``. Review decisions are carried: the latest decision
        per segment counts; 'edit' replaces the target, 'accept'/'edit' set ``reviewed``,
        'reject' leaves the pair out. ``reviewed_only`` keeps accepted/edited pairs only.
        """
        rows = self.db.execute(
            "SELECT s.doc, s.para, s.sent, s.start, s.end, s.text, s.flags, t.text, t.score, "
            "(SELECT r.decision || ':' || coalesce(r.text, '') FROM reviews r "
            " WHERE r.segment = s.id AND r.signature = t.signature ORDER BY r.id DESC LIMIT 1) "
            "FROM segments s JOIN translations t ON t.segment = s.id AND t.signature = ? "
            "ORDER BY s.doc, s.para, s.sent",
            (signature,),
        )
        for doc, para, sent, start, end, source, flags, target, score, review in rows:
            flag_tuple = _flags_tuple(flags)
            if drop.intersection(flag_tuple):
                continue
            decision, _, edited = (review or "").partition(":")
            if decision == "reject" or (reviewed_only and decision not in ("accept", "edit")):
                continue
            yield AlignedPair(
                source=source,
                target=edited if decision == "edit" else target,
                doc=doc,
                para=para,
                sent=sent,
                start=start,
                end=end,
                flags=flag_tuple,
                signature=signature,
                score=score,
                reviewed=decision in ("accept", "edit"),
            )

    # -- import -----------------------------------------------------------------------------

    def import_pairs(self, pairs: Iterable[AlignedPair], *, name: str) -> tuple[int, int]:
        """Add pairs read from file ``name`` as documents, segments and translations.

        Pairs without a position (para or sent 0) get doc = the file stem when they have none,
        para 1 and the next free sentence number; targets become translations under the
        pair's signature, or ``import:<file name>``; ``reviewed`` pairs get an 'accept'
        review. One transaction: a malformed file leaves the store as it was. Returns
        (documents, pairs) added.
        """
        stem = Path(name).stem or "import"
        default_sig = f"import:{Path(name).name}"
        created = _now()
        docs: dict[str, list[AlignedPair]] = {}
        for pair in pairs:
            docs.setdefault(pair.doc or stem, []).append(pair)
        total = 0
        with self._transaction():
            used_sigs: list[str] = []
            for doc_id, doc_pairs in docs.items():
                if self.db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
                    raise DataError(
                        f"{name}: document {doc_id!r} is already in {self.path}; import into a "
                        "new store, or pass --force to replace the store"
                    )
                self.db.execute(
                    "INSERT INTO documents (id, source, sha256, text, encoding, cleaning) "
                    "VALUES (?, ?, ?, '', 'utf-8', '{}')",
                    (doc_id, name, _sha256("")),
                )
                taken = {(p.para, p.sent) for p in doc_pairs if p.para and p.sent}
                next_sent = 0
                seen: dict[tuple[int, int], tuple[int, str]] = {}
                for pair in doc_pairs:
                    if pair.para and pair.sent:
                        pos = (pair.para, pair.sent)
                    else:
                        next_sent += 1
                        while (1, next_sent) in taken:
                            next_sent += 1
                        pos = (1, next_sent)
                    if pos in seen:
                        seg_id, source = seen[pos]
                        if source != pair.source:
                            raise DataError(
                                f"{name}: segment {doc_id}:{pos[0]}:{pos[1]} occurs twice with "
                                "different source texts; fix the ids in the file"
                            )
                    else:
                        cur = self.db.execute(
                            "INSERT INTO segments (doc, para, sent, start, end, text, flags) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                doc_id,
                                *pos,
                                pair.start,
                                pair.end,
                                pair.source,
                                _flags_str(pair.flags),
                            ),
                        )
                        seg_id = int(cur.lastrowid or 0)
                        seen[pos] = (seg_id, pair.source)
                    sig = pair.signature or default_sig
                    if sig not in used_sigs:
                        used_sigs.append(sig)
                        self._use_system(sig, None)
                    try:
                        self.db.execute(
                            "INSERT INTO translations (segment, signature, source, text, score, "
                            "created) VALUES (?, ?, ?, ?, ?, ?)",
                            (seg_id, sig, pair.source, pair.target, pair.score, created),
                        )
                    except sqlite3.IntegrityError:
                        raise DataError(
                            f"{name}: segment {doc_id}:{pos[0]}:{pos[1]} has two translations "
                            f"under system {sig!r}; keep one"
                        ) from None
                    if pair.reviewed:
                        self.db.execute(
                            "INSERT INTO reviews (segment, signature, decision, text, who, at) "
                            "VALUES (?, ?, 'accept', NULL, ?, ?)",
                            (seg_id, sig, f"import:{Path(name).name}", created),
                        )
                    total += 1
            # The system of the file's first pair is "latest" (what export picks by default).
            if used_sigs:
                self._use_system(used_sigs[0], None)
        return len(docs), total


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
            self.db.execute("ROLLBACK")


def open_store(path: str | Path, *, create: bool = True) -> Store:
    """Open (and create or upgrade) the store at ``path``; see :class:`Store`."""
    return Store(path, create=create)
