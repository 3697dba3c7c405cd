"""Table ``refs``: reference translations, one row per source segment and reference name.

``refs`` because ``references`` is an SQL keyword. What the rows mean (``1-1``, ``2-1`` and
``2-1:cont``, ``1-0``...) is :mod:`aligned.references`' business; this module stores and
reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aligned.store.core import StoreCore, now


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """One ``refs`` row: the segment, its reference text, the bead type and its score."""

    segment: int
    text: str
    alignment: str
    score: float | None


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
