"""Table ``refs``: reference translations, one row per source segment and reference name.

``refs`` because ``references`` is an SQL keyword. What the rows mean (``1-1``, ``2-1`` and
``2-1:cont``, ``1-0``...) is :mod:`aligned.references`' business; this module stores and
reads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from aligned.store.core import StoreCore, now

#: ``history.reason`` of the rows of a reference removed by ``songngu refs remove``.
REASON_REFS_REMOVED = "removed by refs remove"


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """One ``refs`` row: the segment, its reference text, the bead type and its score."""

    segment: int
    text: str
    alignment: str
    score: float | None


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    """A reference as ``songngu refs list`` shows it: its name, the segments it gives a text
    (every alignment but ``1-0``), its units by alignment type and when it was last added."""

    name: str
    segments: int
    alignments: dict[str, int] = field(default_factory=dict)
    created: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "segments": self.segments,
            "alignments": self.alignments,
            "created": self.created,
        }


@dataclass(frozen=True, slots=True)
class RemovedReference:
    """What ``remove_reference`` did: reference rows copied to ``history`` and deleted, and
    scores computed against the reference deleted."""

    name: str
    rows: int
    scores: int
    at: str


class References(StoreCore):
    """Reference translations by name."""

    def reference_names(self) -> list[str]:
        """Names of the references in the store, sorted."""
        rows = self.db.execute("SELECT DISTINCT name FROM refs ORDER BY name")
        return [str(r[0]) for r in rows]

    def reference_rows(self, name: str) -> list[ReferenceRow]:
        """Rows of reference ``name`` in input order (document order, para, sent) of their
        segments."""
        rows = self.db.execute(
            "SELECT r.segment, r.text, r.alignment, r.align_score FROM refs r "
            "JOIN segments s ON s.id = r.segment JOIN documents d ON d.id = s.doc "
            "WHERE r.name = ? ORDER BY d.ord, s.doc, s.para, s.sent",
            (name,),
        )
        return [ReferenceRow(int(a), str(b), str(c), d) for a, b, c, d in rows]

    def replace_references(
        self, name: str, segments: Sequence[int], rows: Sequence[ReferenceRow]
    ) -> None:
        """Replace ``name``'s rows on ``segments`` by ``rows``, in one transaction."""
        created = now()
        with self.transaction():
            self.db.executemany(
                "DELETE FROM refs WHERE name = ? AND segment = ?", [(name, s) for s in segments]
            )
            self.db.executemany(
                "INSERT INTO refs (segment, name, text, alignment, align_score, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(r.segment, name, r.text, r.alignment, r.score, created) for r in rows],
            )

    def reference_infos(self) -> list[ReferenceInfo]:
        """Every reference, by name, with its coverage and alignment counts (``:cont`` rows,
        the later segments of a ``2-1``/``3-1`` unit, count towards segments, not units)."""
        rows = self.db.execute(
            "SELECT name, alignment, count(*), max(created) FROM refs GROUP BY name, alignment "
            "ORDER BY name, alignment"
        )
        infos: dict[str, tuple[int, dict[str, int], str]] = {}
        for name, alignment, n, created in rows:
            segs, kinds, last = infos.setdefault(str(name), (0, {}, ""))
            kind = str(alignment)
            if kind != "1-0":
                segs += int(n)
            if not kind.endswith(":cont"):
                kinds[kind] = kinds.get(kind, 0) + int(n)
            infos[str(name)] = (segs, kinds, max(last, str(created)))
        return [ReferenceInfo(n, s, k, c) for n, (s, k, c) in infos.items()]

    def remove_reference(self, name: str) -> RemovedReference:
        """Delete reference ``name``, keeping every row in ``history`` (kind ``ref``, reason
        :data:`REASON_REFS_REMOVED`, the row as it was in ``payload``), and delete the scores
        computed against it (they would describe a reference that is gone); one transaction."""
        at = now()
        with self.transaction():
            cur = self.db.execute(
                "SELECT s.doc, s.uid, s.text, r.* FROM refs r JOIN segments s ON s.id = r.segment "
                "JOIN documents d ON d.id = s.doc WHERE r.name = ? "
                "ORDER BY d.ord, s.doc, s.para, s.sent",
                (name,),
            )
            columns = [d[0] for d in cur.description][3:]
            rows = cur.fetchall()
            self.db.executemany(
                "INSERT INTO history (doc, uid, source, kind, payload, reason, at) "
                "VALUES (?, ?, ?, 'ref', ?, ?, ?)",
                [
                    (
                        doc,
                        uid,
                        text,
                        json.dumps(dict(zip(columns, rest, strict=True)), ensure_ascii=False),
                        REASON_REFS_REMOVED,
                        at,
                    )
                    for doc, uid, text, *rest in rows
                ],
            )
            self.db.execute("DELETE FROM refs WHERE name = ?", (name,))
            scores = self.db.execute("DELETE FROM scores WHERE reference = ?", (name,)).rowcount
        return RemovedReference(name, len(rows), int(scores), at)

    def restore_reference(self, name: str) -> tuple[int, int]:
        """Put back the rows of reference ``name`` that its latest ``refs remove`` kept in
        ``history``, on the segments that still have their uid; return (rows restored, rows
        whose segment is gone). The history rows stay (history is a log)."""
        rows = self.db.execute(
            "SELECT uid, payload, at FROM history WHERE kind = 'ref' AND reason = ? "
            "AND json_extract(payload, '$.name') = ? ORDER BY id",
            (REASON_REFS_REMOVED, name),
        ).fetchall()
        if not rows:
            return 0, 0
        last = max(str(at) for _, _, at in rows)
        restored = missing = 0
        with self.transaction():
            for uid, payload, at in rows:
                if at != last:
                    continue
                row = json.loads(payload)
                seg = self.db.execute("SELECT id FROM segments WHERE uid = ?", (uid,)).fetchone()
                if seg is None:
                    missing += 1
                    continue
                self.db.execute(
                    "INSERT INTO refs (segment, name, text, alignment, align_score, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        seg[0],
                        name,
                        row["text"],
                        row["alignment"],
                        row["align_score"],
                        row["created"],
                    ),
                )
                restored += 1
        return restored, missing

    def removed_reference_names(self) -> list[str]:
        """Names of references that ``refs remove`` removed (kept in ``history``), sorted."""
        rows = self.db.execute(
            "SELECT DISTINCT json_extract(payload, '$.name') FROM history WHERE kind = 'ref' "
            "AND reason = ? ORDER BY 1",
            (REASON_REFS_REMOVED,),
        )
        return [str(r[0]) for r in rows if r[0] is not None]
