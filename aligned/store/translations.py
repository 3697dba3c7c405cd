"""Tables ``systems`` and ``translations``: systems, the translation memory and pending work.

``systems.last_used`` is a store-wide counter (``meta.use_counter``), so "latest" is the system
most recently run or imported. ``translations.source`` is the segment text the translation was
made from; the index on (signature, source) makes the store a translation memory: a text
already translated under a signature, in any document, is copied, not translated again.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from aligned.faults import crash_point
from aligned.store.core import StoreCore, now
from corpus.errors import ConfigError, DataError
from translate.types import Hypothesis


@dataclass(frozen=True, slots=True)
class PendingText:
    """A source text some segments still need translated, with those segments' ids."""

    text: str
    segments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StoredTranslation:
    """One stored translation as the reference-free checks read it."""

    segment: int
    source: str
    text: str
    split: int  # the number of parts the input was split into, 0 if it was not split


@dataclass(frozen=True, slots=True)
class ImportedTranslation:
    """A translation read from a file, for a segment just inserted (``aligned.importing``)."""

    segment: int
    signature: str
    source: str
    text: str
    score: float | None
    lang: str = "en"  # the target's language tag, as the file wrote it
    extra: dict[str, str] = field(default_factory=dict)  # another tool's data, kept
    source_lang: str | None = None  # the source's tag when it differs from the document's


#: Key under which ``translations.extra`` keeps a pair's source language tag when it differs
#: from its document's ``documents.lang`` (en-US and en-GB units in one imported file).
SOURCE_LANG_KEY = "songngu:source_lang"


def extra_json(extra: dict[str, str], source_lang: str | None = None) -> str:
    """``translations.extra`` for a pair's extra data (and a source tag of its own)."""
    data = dict(extra)
    if source_lang is not None:
        data[SOURCE_LANG_KEY] = source_lang
    return json.dumps(data, ensure_ascii=False) if data else "{}"


def parse_extra(text: str | None) -> tuple[dict[str, str], str | None]:
    """``(extra, source_lang or None)`` from a ``translations.extra`` value."""
    if not text or text == "{}":
        return {}, None
    data = json.loads(text)
    source_lang = data.pop(SOURCE_LANG_KEY, None)
    return {str(k): str(v) for k, v in data.items()}, source_lang


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """A system as ``songngu systems list`` shows it."""

    signature: str
    name: str | None
    fields: dict[str, object]
    translations: int
    latest: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "signature": self.signature,
            "translations": self.translations,
            "latest": self.latest,
            "fields": self.fields,
        }


_PENDING_TABLES = itertools.count()


def _pending_where(signature: str, drop: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """SQL condition (on ``segments s``) and parameters: no translation under ``signature``
    and none of the ``drop`` flags (stored comma-joined)."""
    where = "NOT EXISTS (SELECT 1 FROM translations t WHERE t.segment = s.id AND t.signature = ?)"
    flags = sorted(drop)
    where += "".join(" AND instr(',' || s.flags || ',', ?) = 0" for _ in flags)
    return where, (signature, *(f",{f}," for f in flags))


def signature_fields(signature: str) -> dict[str, str]:
    """The ``key:value`` fields of a signature string (``{}`` for a free-form one)."""
    fields: dict[str, str] = {}
    for part in signature.split("|"):
        key, sep, value = part.partition(":")
        if not sep:
            return {}
        fields[key] = value
    return fields


class Translations(StoreCore):
    """Systems (signatures) and their translations of the segments."""

    # -- systems ----------------------------------------------------------------------------

    def use_system(self, signature: str, fields: dict[str, object] | None = None) -> None:
        """Register ``signature`` (if new) and make it the latest system."""
        with self.transaction():
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
        """``latest``, a signature or a system's name (``systems.name``) → a signature present
        in the store."""
        known = self.systems()
        if not known:
            raise DataError(
                f"{self.path}: the store has no translations yet; run `songngu run` (with the "
                "model available) or `songngu import` first"
            )
        if system == "latest":
            return known[0]
        if system in known:
            return system
        row = self.db.execute("SELECT signature FROM systems WHERE name = ?", (system,)).fetchone()
        if row is not None:
            return str(row[0])
        names = dict(self.db.execute("SELECT signature, name FROM systems").fetchall())
        listed = "\n  ".join(
            f"{names[sig]}  ({sig})" if names.get(sig) else sig for sig in known[:10]
        )
        raise ConfigError(
            f"--system {system!r} is not in {self.path}; its systems (latest first; a name or a "
            f"signature):\n  {listed}\n(or use --system latest; `songngu systems list` shows all)"
        )

    # -- translation memory -----------------------------------------------------------------

    #: Pending texts read from the store per query while a run iterates them.
    PENDING_PAGE = 4096

    def pending(self, signature: str, drop: frozenset[str]) -> Iterator[PendingText]:
        """Texts that segments not flagged with ``drop`` still need under ``signature``.

        Unique texts in input order (document order, para, sent) of their first segment, so
        a resumed run sends the same batches as an uninterrupted one; each with its segments
        in that order. Streamed: the list is taken when iteration starts (into a temporary
        table, on disk when large) and read back :attr:`PENDING_PAGE` texts at a time, so
        writing translations while iterating does not change it, and a million pending
        texts are never in memory at once.
        """
        where, params = _pending_where(signature, drop)
        table = f"songngu_pending_{id(self)}_{next(_PENDING_TABLES)}"
        self.db.execute(
            f"CREATE TEMP TABLE {table} (first INTEGER PRIMARY KEY, text TEXT, ids TEXT)"
        )
        try:
            self.db.execute(
                f"INSERT INTO {table} (first, text, ids) "
                "SELECT min(rn), text, group_concat(rn || ':' || id) FROM ("
                "SELECT s.id AS id, s.text AS text, "
                "row_number() OVER (ORDER BY d.ord, s.doc, s.para, s.sent) AS rn "
                f"FROM segments s JOIN documents d ON d.id = s.doc WHERE {where}"
                ") GROUP BY text",
                params,
            )
            last = 0
            while True:
                rows = self.db.execute(
                    f"SELECT first, text, ids FROM {table} WHERE first > ? ORDER BY first LIMIT ?",
                    (last, self.PENDING_PAGE),
                ).fetchall()
                if not rows:
                    break
                for _first, text, ids in rows:
                    pairs = sorted(tuple(map(int, x.split(":"))) for x in str(ids).split(","))
                    yield PendingText(str(text), tuple(i for _, i in pairs))
                last = int(rows[-1][0])
        finally:
            self.db.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def pending_count(self, signature: str, drop: frozenset[str]) -> int:
        """Segments (not texts) that :meth:`pending` would give."""
        where, params = _pending_where(signature, drop)
        return int(
            self.db.execute(f"SELECT count(*) FROM segments s WHERE {where}", params).fetchone()[0]
        )

    def fill_from_memory(self, signature: str, drop: frozenset[str]) -> int:
        """Copy translations of texts already translated under ``signature`` (any document)
        to the pending segments (:meth:`pending`); return the number of segments filled.

        One statement: each pending segment whose text has a translation under
        ``signature`` gets a copy of the first one stored (the memory's index order)."""
        where, params = _pending_where(signature, drop)
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO translations (segment, signature, source, text, score, "
                "src_tokens, tgt_tokens, split, parts, notes, created) "
                "SELECT s.id, m.signature, m.source, m.text, m.score, m.src_tokens, "
                "m.tgt_tokens, m.split, m.parts, m.notes, m.created FROM segments s "
                "JOIN translations m ON m.id = (SELECT t.id FROM translations t "
                "WHERE t.signature = ? AND t.source = s.text LIMIT 1) "
                f"WHERE {where}",
                (signature, *params),
            )
            return max(cur.rowcount, 0)

    # -- writing ----------------------------------------------------------------------------

    def add_translations(
        self, signature: str, items: Sequence[tuple[PendingText, Hypothesis]]
    ) -> int:
        """Store one batch of hypotheses in one transaction; return segments written."""
        written = 0
        created = now()
        with self.transaction():
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

    def add_imported_translations(self, items: Sequence[ImportedTranslation]) -> None:
        """Insert translations read from a file (their systems registered with use_system),
        with their language tags and extra data."""
        created = now()
        with self.transaction():
            self.db.executemany(
                "INSERT INTO translations (segment, signature, source, text, score, created, "
                "lang, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.segment,
                        t.signature,
                        t.source,
                        t.text,
                        t.score,
                        created,
                        t.lang,
                        extra_json(t.extra, t.source_lang),
                    )
                    for t in items
                ],
            )

    def set_document_lang(self, doc: str, lang: str) -> None:
        """Record the language tag of document ``doc``'s text (an imported file's source side)."""
        with self.transaction():
            self.db.execute("UPDATE documents SET lang = ? WHERE id = ?", (lang, doc))

    def document_lang(self, doc: str) -> str:
        """The language tag of document ``doc``'s text ('vi' for songngu's own runs)."""
        row = self.db.execute("SELECT lang FROM documents WHERE id = ?", (doc,)).fetchone()
        return "vi" if row is None else str(row[0])

    # -- reading ----------------------------------------------------------------------------

    def translations(self, signature: str | None = None) -> list[tuple[str, str, str]]:
        """``(doc:para:sent, signature, text)`` rows in a stable order (for comparisons)."""
        sql = (
            "SELECT s.doc || ':' || s.para || ':' || s.sent, t.signature, t.text "
            "FROM translations t JOIN segments s ON s.id = t.segment "
            "JOIN documents d ON d.id = s.doc"
        )
        params: tuple[str, ...] = ()
        if signature is not None:
            sql += " WHERE t.signature = ?"
            params = (signature,)
        rows = self.db.execute(sql + " ORDER BY d.ord, s.doc, s.para, s.sent, t.signature", params)
        return [(str(a), str(b), str(c)) for a, b, c in rows]

    def translation_texts(self, signature: str, doc: str | None = None) -> dict[int, str]:
        """Segment id → text of its translation under ``signature`` (of one document, or all)."""
        sql = "SELECT segment, text FROM translations WHERE signature = ?"
        params: tuple[str, ...] = (signature,)
        if doc is not None:
            sql += " AND segment IN (SELECT id FROM segments WHERE doc = ?)"
            params = (signature, doc)
        return {int(seg): str(text) for seg, text in self.db.execute(sql, params)}

    def stored_translations(self, signature: str) -> list[StoredTranslation]:
        """Every translation under ``signature`` with its source and split (for the checks)."""
        rows = self.db.execute(
            "SELECT segment, source, text, parts * split FROM translations WHERE signature = ?",
            (signature,),
        )
        return [StoredTranslation(int(a), str(b), str(c), int(d)) for a, b, c, d in rows]

    def target_tokens(self) -> int:
        """Target tokens the model produced for every stored translation (throughput figures)."""
        row = self.db.execute("SELECT sum(tgt_tokens) FROM translations").fetchone()
        return int(row[0] or 0)

    def translated_position(self, segment: int, signature: str) -> tuple[str, int, int] | None:
        """(doc, para, sent) of segment row ``segment`` if it has a translation under
        ``signature``; None if it has none (or does not exist)."""
        row = self.db.execute(
            "SELECT s.doc, s.para, s.sent FROM segments s JOIN translations t "
            "ON t.segment = s.id AND t.signature = ? WHERE s.id = ?",
            (signature, segment),
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]))

    # -- named systems (``songngu systems``) --------------------------------------------------

    def system_infos(self) -> list[SystemInfo]:
        """Every system, most recently used first, with its name and translation count."""
        rows = self.db.execute(
            "SELECT y.signature, y.name, y.fields, "
            "(SELECT count(*) FROM translations t WHERE t.signature = y.signature) "
            "FROM systems y ORDER BY y.last_used DESC"
        )
        return [
            SystemInfo(str(sig), None if name is None else str(name), json.loads(f), int(n), i == 0)
            for i, (sig, name, f, n) in enumerate(rows)
        ]

    def system_named(self, name: str) -> str | None:
        """The signature of the system called ``name``, or None."""
        row = self.db.execute("SELECT signature FROM systems WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_system_name(self, signature: str, name: str | None) -> None:
        """Name (or, with None, unname) the system ``signature``; the caller checks that the
        name is free (:meth:`system_named`)."""
        with self.transaction():
            self.db.execute("UPDATE systems SET name = ? WHERE signature = ?", (name, signature))

    def replace_system_translations(
        self,
        signature: str,
        name: str,
        fields: dict[str, object],
        items: Sequence[tuple[int, str, str]],
    ) -> int:
        """Make ``signature`` (named ``name``, latest) hold exactly ``items`` ((segment id,
        source text, translation) triples), in one transaction; return the rows written.

        For hypotheses read from a file (``songngu systems add``): earlier translations of that
        system are replaced; its stored scores become stale through their inputs digest.
        """
        created = now()
        with self.transaction():
            self.use_system(signature, fields)
            self.db.execute(
                "UPDATE systems SET name = ?, fields = ? WHERE signature = ?",
                (name, json.dumps(fields, sort_keys=True), signature),
            )
            self.db.execute("DELETE FROM translations WHERE signature = ?", (signature,))
            self.db.executemany(
                "INSERT INTO translations (segment, signature, source, text, created) "
                "VALUES (?, ?, ?, ?, ?)",
                [(seg, signature, source, text, created) for seg, source, text in items],
            )
        return len(items)
