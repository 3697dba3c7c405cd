"""Tables ``documents`` and ``segments`` (and ``history``): adding, updating, reading documents.

Re-adding a document: the same text and the same segments is a no-op. If the text or its
segmentation changed, old and new segments are matched by their text (``difflib``'s
``SequenceMatcher`` over the two sequences of sentence texts, then any sentence that merely
moved): a matched segment keeps its row, so its ``id``, its exported ``uid`` and everything
attached to it (translations, references, review decisions, scores) stay; only its position,
offsets and flags are updated. Unmatched old segments are deleted, but the human work on them
(review decisions, references, A/B judgements) is first copied into ``history`` (reason
``segment-removed``), never silently lost. Unmatched new segments are new rows with fresh uids;
a translation of a deleted segment whose text occurs among them is re-attached, and the
translation memory fills the rest when their text was translated anywhere before.

Documents are listed in input order: ``documents.ord`` is given when a document is first
stored (a store-wide counter) and never changes; listings sort by (ord, para, sent).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import repeat

from aligned.faults import crash_point
from aligned.pairs import UID_RE
from aligned.store.boilerplate import Boilerplate
from aligned.store.core import flags_str, flags_tuple, now, sha256
from aligned.store.schema import segment_uid
from aligned.store.streaming import Rows, StreamEnd
from corpus.errors import ConfigError
from corpus.flags import with_flag
from corpus.model import Document, Segment
from corpus.pipeline import LineStream

#: Texts longer than this (characters) are hashed and stored in pieces, never copied whole.
BIG_TEXT = 1 << 22
#: SQLite page cache (kB) while a streamed document is inserted.
STREAM_CACHE_KB = 16_384
#: Flags the store itself sets (``boilerplate``: :mod:`aligned.store.boilerplate`): ignored
#: when deciding whether a re-added document is unchanged.
STORE_FLAGS = frozenset({"boilerplate"})

#: ``history.reason`` of human work whose segment was removed when its document changed.
REASON_REMOVED = "segment-removed"


@dataclass(frozen=True, slots=True)
class DocumentChange:
    """How a changed document's segments were matched: segments kept (same row, same uid),
    added and removed; of the removed, how many had review decisions or references (moved to
    ``history``)."""

    doc: str
    kept: int
    added: int
    removed: int
    orphaned_reviews: int = 0  # removed segments that had review decisions
    orphaned_refs: int = 0  # removed segments that had references


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``add_documents`` did with each document, by id; ``changes`` has the counts of
    each changed document, in the order of ``changed``."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    changes: tuple[DocumentChange, ...] = ()

    @property
    def orphaned(self) -> tuple[DocumentChange, ...]:
        """The changed documents that lost segments carrying human work."""
        return tuple(c for c in self.changes if c.orphaned_reviews or c.orphaned_refs)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One item of human work kept in ``history``: the document and uid of the segment it was
    on, the segment's source text, its kind (``review``, ``ref``, ``judgement``), the row as
    it was (``payload``), why it moved there and when."""

    doc: str
    uid: str
    source: str
    kind: str
    payload: dict[str, object]
    reason: str
    at: str

    def as_dict(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "uid": self.uid,
            "source": self.source,
            "kind": self.kind,
            "reason": self.reason,
            "at": self.at,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class SegmentText:
    """A segment's row id, document, text and exported uid (what reference alignment works
    on)."""

    id: int
    doc: str
    text: str
    uid: str = ""


@dataclass(frozen=True, slots=True)
class ImportedSegment:
    """A segment read from a file: its position, offsets (None if unknown), text and flags."""

    para: int
    sent: int
    start: int | None
    end: int | None
    text: str
    flags: tuple[str, ...] = ()
    uid: str = ""  # the exported id it had (``doc#hex``); kept when free, else a fresh one


@dataclass(frozen=True, slots=True)
class SegmentStats:
    """Stored segments: all, with any flag, with a ``drop`` flag; segments per flag."""

    segments: int
    flagged: int
    dropped: int
    flag_counts: dict[str, int]

    @property
    def kept(self) -> int:
        """Segments without a ``drop`` flag (translated and exported)."""
        return self.segments - self.dropped


def match_segments(old: Sequence[str], new: Sequence[str]) -> dict[int, int]:
    """Which old segment each new segment continues: ``{new index: old index}``.

    First the longest common runs of equal texts, in order (``SequenceMatcher`` without its
    "popular element" heuristic, which would leave frequent sentences unmatched); then a
    sentence that moved (its text unmatched on both sides) is matched to its first unmatched
    occurrence among the old ones, so it keeps its identity too.
    """
    match: dict[int, int] = {}
    blocks = SequenceMatcher(None, list(old), list(new), autojunk=False).get_matching_blocks()
    for a, b, size in blocks:
        for k in range(size):
            match[b + k] = a + k
    used = set(match.values())
    left: dict[str, deque[int]] = defaultdict(deque)
    for i, text in enumerate(old):
        if i not in used:
            left[text].append(i)
    for j, text in enumerate(new):
        if j not in match and left.get(text):
            match[j] = left[text].popleft()
    return match


def text_digest(text: str) -> str:
    """``sha256`` of text as UTF-8, encoded piecewise (no whole copy of a big text)."""
    if len(text) <= BIG_TEXT:
        return sha256(text)
    h = hashlib.sha256()
    for i in range(0, len(text), BIG_TEXT):
        h.update(text[i : i + BIG_TEXT].encode("utf-8"))
    return h.hexdigest()


class _UidFilter:
    """The uids a streamed document used so far, in 16 MB whatever its length: a bitmap of
    their hashes (a clear bit: surely unused; a set bit: look it up) plus an exact set of the
    few reserved ones (history)."""

    BITS = 1 << 27

    def __init__(self, reserved: Iterable[str]) -> None:
        self.bits = bytearray(self.BITS // 8)
        self.exact = set(reserved)
        for uid in self.exact:
            self.add(uid)

    def _bit(self, uid: str) -> tuple[int, int]:
        i = int(uid[-10:], 16) % self.BITS
        return i >> 3, 1 << (i & 7)

    def maybe(self, uid: str) -> bool:
        byte, bit = self._bit(uid)
        return bool(self.bits[byte] & bit)

    def add(self, uid: str) -> None:
        byte, bit = self._bit(uid)
        self.bits[byte] |= bit


def _plain(segments: Iterable[Segment]) -> list[Segment]:
    """Segments without the flags the store sets (for the unchanged test)."""
    return [
        s
        if not STORE_FLAGS.intersection(s.flags)
        else Segment(
            s.doc,
            s.para,
            s.sent,
            s.start,
            s.end,
            s.text,
            tuple(f for f in s.flags if f not in STORE_FLAGS),
        )
        for s in segments
    ]


class Documents(Boilerplate):
    """Documents and their segments."""

    # -- writing ----------------------------------------------------------------------------

    def add_documents(self, docs: Iterable[Document | LineStream]) -> AddResult:
        """Insert or update documents and their segments in one transaction (rule: module doc).

        A :class:`~corpus.pipeline.LineStream` is stored as its blocks come (memory: one
        block); its digest and unchanged test are streamed too, and only a changed one is
        held whole (to match its segments with the stored ones).
        """
        added: list[str] = []
        changed: list[str] = []
        unchanged: list[str] = []
        changes: list[DocumentChange] = []
        with self.transaction():
            for item in docs:
                doc = item.document if isinstance(item, LineStream) else item
                row = self.db.execute(
                    "SELECT sha256 FROM documents WHERE id = ?", (doc.id,)
                ).fetchone()
                if isinstance(item, LineStream) and row is None:
                    self._insert_stream(item)  # the digest: made with the rows
                    added.append(doc.id)
                    crash_point("store.document")
                    continue
                digest = text_digest(doc.text)
                if isinstance(item, LineStream):
                    if row[0] == digest and self._same_stream(item):
                        self.db.execute(
                            "UPDATE documents SET meta = ? WHERE id = ?",
                            (json.dumps(doc.meta, sort_keys=True, ensure_ascii=False), doc.id),
                        )
                        unchanged.append(doc.id)
                    else:
                        changes.append(self._update_document(item.materialize(), digest))
                        changed.append(doc.id)
                elif row is None:
                    self._insert_document(doc, digest)
                    added.append(doc.id)
                elif row[0] == digest and _plain(self.segments(doc.id)) == _plain(doc.segments):
                    # Metadata (a page's title, date) may change while the text does not.
                    self.db.execute(
                        "UPDATE documents SET meta = ? WHERE id = ?",
                        (json.dumps(doc.meta, sort_keys=True, ensure_ascii=False), doc.id),
                    )
                    unchanged.append(doc.id)
                else:
                    changes.append(self._update_document(doc, digest))
                    changed.append(doc.id)
                crash_point("store.document")
        return AddResult(tuple(added), tuple(changed), tuple(unchanged), tuple(changes))

    def add_imported_document(
        self, doc_id: str, source: str, segments: Sequence[ImportedSegment]
    ) -> list[int]:
        """Insert a document without text (read from an export) and its segments, in order.

        Returns the new segments' row ids, in the order given. The caller
        (:mod:`aligned.importing`) has checked that the id is new and the positions unique.
        A segment's ``uid`` (from our own export) is kept when it has the form ``doc#hex`` of
        this document and no other segment has it; otherwise the segment gets a fresh one.
        """
        with self.transaction():
            self.db.execute(
                "INSERT INTO documents (id, source, sha256, text, encoding, cleaning, ord) "
                "VALUES (?, ?, ?, '', 'utf-8', '{}', ?)",
                (doc_id, source, sha256(""), self._next_ord()),
            )
            ids = []
            uids = self._imported_uids(doc_id, segments)
            for s, uid in zip(segments, uids, strict=True):
                cur = self.db.execute(
                    "INSERT INTO segments (doc, para, sent, start, end, text, flags, uid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc_id, s.para, s.sent, s.start, s.end, s.text, flags_str(s.flags), uid),
                )
                ids.append(int(cur.lastrowid or 0))
            self._index_paragraphs(doc_id, [(s.para, s.text) for s in segments])
        return ids

    def _next_ord(self) -> int:
        """The next document's place in input order (a store-wide counter, never reused)."""
        self.db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'doc_counter'"
        )
        return int(
            self.db.execute("SELECT value FROM meta WHERE key = 'doc_counter'").fetchone()[0]
        )

    def _new_uids(
        self, doc: str, texts: Sequence[str], *, reserved: set[str] | frozenset[str] = frozenset()
    ) -> list[str]:
        """Fresh uids for new segments of ``doc`` (unused by its live segments, its history
        and ``reserved``)."""
        used = set(reserved) | {
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

    def _imported_uids(self, doc: str, segments: Sequence[ImportedSegment]) -> list[str]:
        """The uids imported segments carry where usable, fresh ones for the others."""
        kept: list[str | None] = []
        seen: set[str] = set()
        for s in segments:
            m = UID_RE.match(s.uid)
            usable = (
                m is not None
                and m.group(1) == doc
                and s.uid not in seen
                and self.db.execute("SELECT 1 FROM segments WHERE uid = ?", (s.uid,)).fetchone()
                is None
            )
            kept.append(s.uid if usable else None)
            if usable:
                seen.add(s.uid)
        texts = [s.text for s, u in zip(segments, kept, strict=True) if u is None]
        fresh = iter(self._new_uids(doc, texts, reserved=seen))
        return [u if u is not None else next(fresh) for u in kept]

    def _insert_document(self, doc: Document, digest: str) -> None:
        self._insert_document_row(doc, digest)
        self._insert_segments(doc.segments)
        self._index_paragraphs(doc.id, [(s.para, s.text) for s in doc.segments])

    def _insert_document_row(self, doc: Document, digest: str) -> None:
        """The ``documents`` row. A text over :data:`BIG_TEXT` characters goes, in pieces of
        that size, to ``document_parts`` and the row's ``text`` is empty
        (:meth:`document_text` joins them): one SQLite value of 142 MB costs twice its size
        in memory to write (and again to rewrite), a piece a few MB."""
        big = len(doc.text) > BIG_TEXT
        self.db.execute(
            "INSERT INTO documents (id, source, sha256, text, encoding, cleaning, ord, meta) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.source,
                digest,
                "" if big else doc.text,
                doc.encoding,
                json.dumps(doc.cleaning, sort_keys=True),
                self._next_ord(),
                json.dumps(doc.meta, sort_keys=True, ensure_ascii=False),
            ),
        )
        if big:
            self._write_parts(doc.id, doc.text)

    def _write_parts(self, doc: str, text: str) -> None:
        self.db.execute("DELETE FROM document_parts WHERE doc = ?", (doc,))
        for n, i in enumerate(range(0, len(text), BIG_TEXT)):
            self.db.execute(
                "INSERT INTO document_parts (doc, part, text) VALUES (?, ?, ?)",
                (doc, n, text[i : i + BIG_TEXT]),
            )

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

    def _insert_stream(self, stream: LineStream) -> None:
        """Insert a new streamed document: its segments block by block, then the positional
        flags, cleaning counts and digest known at the end (one pass over the text).

        The rows come from :class:`aligned.store.streaming.Rows` (a forked child makes them
        while this process writes); uids as :meth:`_new_uids` gives them: the child's n = 0
        uid unless taken (the used ones in a :class:`_UidFilter`), then n = 1, 2, …"""
        # A 16 MB page cache while a stream goes in (SQLite's default is 2 MB): the random
        # inserts into the uid index stay in memory (400k rows: 2.6 s -> 1.8 s).
        cache = int(self.db.execute("PRAGMA cache_size").fetchone()[0])
        self.db.execute(f"PRAGMA cache_size = {min(cache, -STREAM_CACHE_KB)}")
        try:
            self._insert_rows(stream)
        finally:
            self.db.execute(f"PRAGMA cache_size = {cache}")

    def _insert_rows(self, stream: LineStream) -> None:
        doc = stream.document
        with Rows(stream) as source:
            self._insert_document_row(doc, "")  # the digest comes at the end
            used = _UidFilter(
                str(r[0])
                for r in self.db.execute("SELECT uid FROM history WHERE doc = ?", (doc.id,))
            )
            bits, mask = used.bits, used.BITS - 1
            block_uids: set[str] = set()

            def taken(uid: str) -> bool:
                # Only a uid the filter may have seen is looked up (rows of earlier blocks are
                # in the table, those of this block in `block_uids`).
                return used.maybe(uid) and (
                    uid in used.exact
                    or uid in block_uids
                    or self.db.execute("SELECT 1 FROM segments WHERE uid = ?", (uid,)).fetchone()
                    is not None
                )

            end: StreamEnd | None = None
            for item in source:
                if isinstance(item, StreamEnd):
                    end = item
                    break
                uids = item.uids(doc.id)
                block_uids.clear()
                for i, uid in enumerate(uids):
                    bit = int(uid[-10:], 16) & mask
                    if bits[bit >> 3] & (1 << (bit & 7)) and taken(uid):
                        n = 1
                        while taken(uid := segment_uid(doc.id, item.texts[i], n)):
                            n += 1
                        uids[i] = uid
                        used.add(uid)
                    else:
                        bits[bit >> 3] |= 1 << (bit & 7)
                    block_uids.add(uid)
                self.db.executemany(
                    "INSERT INTO segments (doc, para, sent, start, end, text, flags, uid) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    zip(
                        repeat(doc.id), item.paras, repeat(1), item.starts, item.ends,
                        item.texts, item.flags, uids,
                    ),
                )  # fmt: skip
                self.db.executemany(
                    "INSERT INTO boilerplate_paras (doc, para, key) VALUES (?, ?, ?)",
                    item.key_rows(doc.id),
                )
        if end is None:  # pragma: no cover - Rows always ends with a StreamEnd
            raise RuntimeError("the rows of a streamed document ended without their end")
        stream.positional = end.positional
        doc.cleaning = end.cleaning
        self.db.execute(
            "UPDATE documents SET sha256 = ?, cleaning = ? WHERE id = ?",
            (end.digest, json.dumps(doc.cleaning, sort_keys=True), doc.id),
        )
        self._count_paragraphs(doc.id)
        for para, name in stream.positional.items():
            for seg_id, flags in self.db.execute(
                "SELECT id, flags FROM segments WHERE doc = ? AND para = ?", (doc.id, para)
            ).fetchall():
                self.db.execute(
                    "UPDATE segments SET flags = ? WHERE id = ?",
                    (flags_str(with_flag(flags_tuple(flags), name)), seg_id),
                )

    def _same_stream(self, stream: LineStream) -> bool:
        """Whether the stored segments of the stream's document are the stream's (store flags
        ignored), read side by side without holding either."""
        doc = stream.document.id
        rows = self.db.execute(
            "SELECT doc, para, sent, start, end, text, flags FROM segments WHERE doc = ? "
            "ORDER BY para, sent",
            (doc,),
        )
        positional: dict[int, str] = {}
        for block in stream.blocks():
            if not block:  # fetchmany(0) would read every row
                continue
            stored = rows.fetchmany(len(block))
            if len(stored) != len(block):
                return False
            for s, (d, p, n, a, b, t, f) in zip(block, stored, strict=True):
                flags = [x for x in flags_tuple(f) if x not in STORE_FLAGS]
                for name in ("heading", "byline"):
                    if name in flags:
                        flags.remove(name)
                        positional[int(p)] = name
                if (s.doc, s.para, s.sent, s.start, s.end, s.text, s.flags) != (
                    d, p, n, a, b, t, tuple(flags)
                ):  # fmt: skip
                    return False
        return rows.fetchone() is None and positional == stream.positional

    def _update_document(self, doc: Document, digest: str) -> DocumentChange:
        """Update a changed document in place (rules: module docstring)."""
        old = self.db.execute(
            "SELECT id, uid, text FROM segments WHERE doc = ? ORDER BY para, sent", (doc.id,)
        ).fetchall()
        new = doc.segments
        match = match_segments([str(r[2]) for r in old], [s.text for s in new])
        kept_old = set(match.values())
        removed = [
            (int(r[0]), str(r[1]), str(r[2])) for i, r in enumerate(old) if i not in kept_old
        ]
        orphaned_reviews, orphaned_refs = self._keep_human_work(doc.id, removed)
        # Translations of removed segments, re-attached below to new segments of the same text.
        removed_ids = [r[0] for r in removed]
        moved = self._translations_of(removed_ids)
        self.db.executemany("DELETE FROM segments WHERE id = ?", [(i,) for i in removed_ids])
        # Kept rows first out of the way of UNIQUE(doc, para, sent), then to their new places.
        kept = [(j, int(old[i][0])) for j, i in sorted(match.items())]
        self.db.executemany(
            "UPDATE segments SET para = -id, sent = 0 WHERE id = ?", [(row,) for _, row in kept]
        )
        self.db.executemany(
            "UPDATE segments SET para = ?, sent = ?, start = ?, end = ?, flags = ? WHERE id = ?",
            [
                (new[j].para, new[j].sent, new[j].start, new[j].end, flags_str(new[j].flags), row)
                for j, row in kept
            ],
        )
        big = len(doc.text) > BIG_TEXT
        self._write_parts(doc.id, doc.text if big else "")
        self.db.execute(
            "UPDATE documents SET source = ?, sha256 = ?, text = ?, encoding = ?, cleaning = ?, "
            "meta = ? WHERE id = ?",
            (
                doc.source,
                digest,
                "" if big else doc.text,
                doc.encoding,
                json.dumps(doc.cleaning, sort_keys=True),
                json.dumps(doc.meta, sort_keys=True, ensure_ascii=False),
                doc.id,
            ),
        )
        fresh = [s for j, s in enumerate(new) if j not in match]
        self._insert_segments(fresh)
        self._unindex_paragraphs(doc.id)
        self._index_paragraphs(doc.id, [(s.para, s.text) for s in new])
        if moved and fresh:
            self.db.executemany(
                "INSERT OR IGNORE INTO translations (segment, signature, source, text, score, "
                "src_tokens, tgt_tokens, split, parts, notes, created, lang, extra) "
                "SELECT s.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM segments s "
                "WHERE s.doc = ? AND s.text = ?",
                [(*row, doc.id, row[1]) for row in moved],
            )
        return DocumentChange(
            doc.id, len(kept), len(fresh), len(removed), orphaned_reviews, orphaned_refs
        )

    def _translations_of(self, segment_ids: Sequence[int]) -> list[tuple[object, ...]]:
        """Translation rows (without segment) of ``segment_ids`` made from their own text."""
        rows: list[tuple[object, ...]] = []
        for seg in segment_ids:
            rows += self.db.execute(
                "SELECT t.signature, t.source, t.text, t.score, t.src_tokens, t.tgt_tokens, "
                "t.split, t.parts, t.notes, t.created, t.lang, t.extra FROM translations t "
                "JOIN segments s ON s.id = t.segment WHERE t.segment = ? AND t.source = s.text",
                (seg,),
            ).fetchall()
        return rows

    def _keep_human_work(
        self, doc: str, removed: Sequence[tuple[int, str, str]]
    ) -> tuple[int, int]:
        """Copy the reviews, references and judgements of segments about to be deleted into
        ``history``; return (segments with reviews, segments with references)."""
        at = now()
        reviewed = with_refs = 0
        for seg, uid, text in removed:
            kinds = (
                ("review", "SELECT * FROM reviews WHERE segment = ? ORDER BY id"),
                ("ref", "SELECT * FROM refs WHERE segment = ? ORDER BY id"),
                ("judgement", "SELECT * FROM judgements WHERE segment = ? ORDER BY id"),
            )
            for kind, sql in kinds:
                cur = self.db.execute(sql, (seg,))
                names = [d[0] for d in cur.description]
                rows = cur.fetchall()
                if not rows:
                    continue
                reviewed += kind == "review"
                with_refs += kind == "ref"
                self.db.executemany(
                    "INSERT INTO history (doc, uid, source, kind, payload, reason, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            doc,
                            uid,
                            text,
                            kind,
                            json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False),
                            REASON_REMOVED,
                            at,
                        )
                        for row in rows
                    ],
                )
                crash_point("store.history")
        return reviewed, with_refs

    # -- reading ----------------------------------------------------------------------------

    def segments(self, doc: str | None = None) -> list[Segment]:
        """Segments in input order (document order, para, sent), of one document or all."""
        sql = (
            "SELECT s.doc, s.para, s.sent, s.start, s.end, s.text, s.flags FROM segments s "
            "JOIN documents d ON d.id = s.doc"
        )
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE s.doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY d.ord, s.doc, s.para, s.sent", params)
        return [
            Segment(d, p, s, start, end, text, flags_tuple(flags))
            for d, p, s, start, end, text, flags in rows
        ]

    def segment_texts(self, doc: str | None = None) -> list[SegmentText]:
        """(row id, doc, text, uid) of the segments in input order (document order, para,
        sent), all or of one document."""
        sql = "SELECT s.id, s.doc, s.text, s.uid FROM segments s JOIN documents d ON d.id = s.doc"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE s.doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY d.ord, s.doc, s.para, s.sent", params)
        return [SegmentText(int(a), str(b), str(c), str(u)) for a, b, c, u in rows]

    def segment_uids(self, doc: str | None = None) -> dict[int, str]:
        """Segment row id → its exported uid (of one document, or all)."""
        sql = "SELECT id, uid FROM segments"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE doc = ?"
            params = (doc,)
        return {int(a): str(b) for a, b in self.db.execute(sql, params)}

    def history(self, doc: str | None = None) -> list[HistoryEntry]:
        """Human work kept in ``history`` (of one document, or all), oldest first."""
        sql = "SELECT doc, uid, source, kind, payload, reason, at FROM history"
        params: tuple[str, ...] = ()
        if doc is not None:
            sql += " WHERE doc = ?"
            params = (doc,)
        rows = self.db.execute(sql + " ORDER BY id", params)
        return [
            HistoryEntry(str(d), str(u), str(src), str(k), json.loads(p), str(r), str(at))
            for d, u, src, k, p, r, at in rows
        ]

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

    def document_meta(self) -> dict[str, dict[str, str]]:
        """Every document's metadata (HTML title/url/date, extra JSONL fields), by id."""
        return {
            str(d): json.loads(m)
            for d, m in self.db.execute("SELECT id, meta FROM documents WHERE meta != '{}'")
        }

    def document_text(self, doc: str) -> str:
        """The text of document ``doc``; KeyError if it is not in the store. (A text of more
        than :data:`BIG_TEXT` characters is kept in ``document_parts``.)"""
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc,)).fetchone()
        if row is None:
            raise KeyError(doc)
        if row[0] == "":
            parts = self.db.execute(
                "SELECT text FROM document_parts WHERE doc = ? ORDER BY part", (doc,)
            )
            return "".join(str(r[0]) for r in parts)
        return str(row[0])

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for summaries and tests)."""
        return {
            table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("documents", "segments", "systems", "translations", "reviews")
        }

    def segment_stats(self, drop: frozenset[str] = frozenset()) -> SegmentStats:
        """Counts of the stored segments by flag, in one query over the flag combinations."""
        segments = flagged = dropped = 0
        counts: dict[str, int] = {}
        for value, n in self.db.execute("SELECT flags, count(*) FROM segments GROUP BY flags"):
            flags = flags_tuple(str(value))
            segments += n
            if flags:
                flagged += n
            if drop.intersection(flags):
                dropped += n
            for f in flags:
                counts[f] = counts.get(f, 0) + n
        return SegmentStats(segments, flagged, dropped, dict(sorted(counts.items())))
