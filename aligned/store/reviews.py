"""Table ``reviews``: the log of reviewers' decisions (accept, edit, reject).

A log, not a state: every decision is a new row and the latest one per (segment, system)
counts, so nothing a reviewer did is lost and "who changed it back" can be answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aligned.faults import crash_point
from aligned.store.core import now
from aligned.store.documents import Documents
from corpus.errors import ConfigError

DECISIONS = ("accept", "edit", "reject")


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """The latest decision on one segment: its row id, the decision, edited text, who, when."""

    segment: int
    decision: str
    text: str | None
    who: str
    at: str


class Reviews(Documents):
    """Review decisions per segment and system."""

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
    ) -> str:
        """Log a reviewer's decision; the latest decision per (segment, system) counts.

        Returns the time stored with it (``reviews.at``).
        """
        if decision not in DECISIONS:
            raise ConfigError(f"review decision {decision!r} is not one of accept, edit, reject")
        if decision == "edit" and text is None:
            raise ConfigError("an 'edit' review decision needs the edited text")
        at = now()
        with self.transaction():
            seg = self.segment_id(doc, para, sent)
            self.db.execute(
                "INSERT INTO reviews (segment, signature, decision, text, who, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (seg, signature, decision, text, who, at),
            )
            crash_point("store.review")
        return at

    def accept_segments(self, items: Sequence[tuple[int, str]], *, who: str) -> None:
        """Log an 'accept' by ``who`` for each (segment id, signature) (imported reviewed pairs)."""
        at = now()
        with self.transaction():
            self.db.executemany(
                "INSERT INTO reviews (segment, signature, decision, text, who, at) "
                "VALUES (?, ?, 'accept', NULL, ?, ?)",
                [(seg, sig, who, at) for seg, sig in items],
            )
            crash_point("store.review")

    def latest_decisions(self, signature: str) -> list[ReviewDecision]:
        """The latest decision per segment under ``signature``, in segment id order."""
        rows = self.db.execute(
            "SELECT r.segment, r.decision, r.text, r.who, r.at FROM reviews r "
            "WHERE r.signature = ? AND r.id = (SELECT max(id) FROM reviews r2 "
            "WHERE r2.segment = r.segment AND r2.signature = r.signature) "
            "ORDER BY r.segment",
            (signature,),
        )
        return [ReviewDecision(int(a), str(b), c, str(d), str(e)) for a, b, c, d, e in rows]
