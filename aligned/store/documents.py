"""Tables ``documents`` and ``segments``: adding, replacing and reading documents.

Re-adding a document: the same text and the same segments is a no-op. If the text or its
segmentation changed, the document's segments are replaced and their translations dropped,
except that a translation whose source text still occurs in the new segments is re-attached to
them (so editing one paragraph re-translates only that paragraph).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aligned.faults import crash_point
from aligned.store.core import StoreCore, flags_str, flags_tuple, sha256
from aligned.store.schema import segment_uid
from corpus.errors import ConfigError
from corpus.model import Document, Segment


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``add_documents`` did with each document, by id."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SegmentText:
    """A segment's row id, document and text (what reference alignment works on)."""

    id: int
    doc: str
    text: str


@dataclass(frozen=True, slots=True)
class ImportedSegment:
    """A segment read from a file: its position, offsets (None if unknown), text and flags."""

    para: int
    sent: int
    start: int | None
    end: int | None
    text: str
    flags: tuple[str, ...] = ()


class Documents(StoreCore):
    """Documents and their segments."""

    # -- writing ----------------------------------------------------------------------------

    def add_documents(self, docs: Sequence[Document]) -> AddResult:
        """Insert or update documents and their segments in one transaction (rule: module doc)."""
        added: list[str] = []
        changed: list[str] = []
        unchanged: list[str] = []
        with self.transaction():
            for doc in docs:
                digest = sha256(doc.text)
                row = self.db.execute(
                    "SELECT sha256 FROM documents WHERE id = ?", (doc.id,)
                ).fetchone()
                if row is None:
                    self._insert_document(doc, digest)
                    added.append(doc.id)
                elif row[0] == digest and self.segments(doc.id) == list(doc.segments):
                    unchanged.append(doc.id)
                else:
                    self._replace_document(doc, digest)
                    changed.append(doc.id)
                crash_point("store.document")
        return AddResult(tuple(added), tuple(changed), tuple(unchanged))

    def add_imported_document(
        self, doc_id: str, source: str, segments: Sequence[ImportedSegment]
    ) -> list[int]:
        """Insert a document without text (read from an export) and its segments, in order.

        Returns the new segments' row ids, in the order given. The caller
        (:mod:`aligned.importing`) has checked that the id is new and the positions unique.
        """
        with self.transaction():
            self.db.execute(
                "INSERT INTO documents (id, source, sha256, text, encoding, cleaning, ord) "
                "VALUES (?, ?, ?, '', 'utf-8', '{}', ?)",
                (doc_id, source, sha256(""), self._next_ord()),
            )
            ids = []
            uids = self._new_uids(doc_id, [s.text for s in segments])
            for s, uid in zip(segments, uids, strict=True):
                cur = self.db.execute(
                    "INSERT INTO segments (doc, para, sent, start, end, text, flags, uid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc_id, s.para, s.sent, s.start, s.end, s.text, flags_str(s.flags), uid),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def _next_ord(self) -> int:
        """The next document's place in input order (a store-wide counter, never reused)."""
        self.db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'doc_counter'"
        )
        return int(
            self.db.execute("SELECT value FROM meta WHERE key = 'doc_counter'").fetchone()[0]
        )

    def _new_uids(self, doc: str, texts: Sequence[str]) -> list[str]:
        """Fresh uids for new segments of ``doc`` (unused by its live segments and history)."""
        used = {
            str(r[0])
            for r in self.db.execute(
                "SELECT uid FROM segments WHERE doc = ? "
                "UNION SELECT uid FROM history WHERE doc = ?",
                (doc, doc),
            )
        }
        uids = []
        for text in texts:
            n = 0
            while (uid := segment_uid(doc, text, n)) in used:
                n += 1
            used.add(uid)
            uids.append(uid)
        return uids

    def _insert_document(self, doc: Document, digest: str) -> None:
        self.db.execute(
            "INSERT INTO documents (id, source, sha256, text, encoding, cleaning, ord) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.source,
                digest,
                doc.text,
                doc.encoding,
                json.dumps(doc.cleaning, sort_keys=True),
                self._next_ord(),
            ),
        )
        self._insert_segments(doc.segments)

    def _insert_segments(self, segments: Sequence[Segment]) -> None:
        if not segments:
            return
        uids = self._new_uids(segments[0].doc, [s.text for s in segments])
        self.db.executemany(
            "INSERT INTO segments (doc, para, sent, start, end, text, flags, uid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (s.doc, s.para, s.sent, s.start, s.end, s.text, flags_str(s.flags), uid)
                for s, uid in zip(segments, uids, strict=True)
            ],
        )

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

    # -- reading ----------------------------------------------------------------------------

    def segments(self, doc: str | None = None) -> list[Segment]:
        """Segments in (doc, para, sent) order, of one document or all."""
        sql = "SELECT doc, para, sent, start, end, text, flags FROM segments"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY doc, para, sent", params)
        return [
            Segment(d, p, s, start, end, text, flags_tuple(flags))
            for d, p, s, start, end, text, flags in rows
        ]

    def segment_texts(self, doc: str | None = None) -> list[SegmentText]:
        """(row id, doc, text) of the segments in (doc, para, sent) order, all or of one doc."""
        sql = "SELECT id, doc, text FROM segments"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY doc, para, sent", params)
        return [SegmentText(int(a), str(b), str(c)) for a, b, c in rows]

    def segment_id(self, doc: str, para: int, sent: int) -> int:
        """The row id of segment ``doc:para:sent``; ConfigError if the store lacks it."""
        row = self.db.execute(
            "SELECT id FROM segments WHERE doc = ? AND para = ? AND sent = ?", (doc, para, sent)
        ).fetchone()
        if row is None:
            raise ConfigError(f"segment {doc}:{para}:{sent} is not in {self.path}")
        return int(row[0])

    def has_segment(self, segment_id: int) -> bool:
        """True if a segment with row id ``segment_id`` exists."""
        row = self.db.execute("SELECT 1 FROM segments WHERE id = ?", (segment_id,)).fetchone()
        return row is not None

    def has_document(self, doc: str) -> bool:
        """True if document ``doc`` is in the store."""
        row = self.db.execute("SELECT 1 FROM documents WHERE id = ?", (doc,)).fetchone()
        return row is not None

    def document_ids(self, limit: int | None = None) -> list[str]:
        """Document ids, sorted; the first ``limit`` only if given (for error messages)."""
        sql = "SELECT id FROM documents ORDER BY id"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [str(r[0]) for r in self.db.execute(sql, params)]

    def document_count(self) -> int:
        """The number of documents in the store."""
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def document_text(self, doc: str) -> str:
        """The cleaned text of document ``doc``; KeyError if it is not in the store."""
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
