"""Table ``judgements``: blind A/B preferences (left better / equal / right better).

Why a table of its own and not reviews: a judgement compares two systems on one segment without
the reviewer knowing which is which; it changes no translation and is summarised as win rates
(``songngu compare --human``), not applied to exports. Left and right are stored as shown, so
a bias towards one side can be checked later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aligned.store.core import StoreCore, now
from corpus.errors import ConfigError

PREFERENCES = ("left", "equal", "right")


@dataclass(frozen=True, slots=True)
class Judgement:
    """One stored judgement."""

    segment: int
    left: str
    right: str
    preference: str
    who: str
    at: str

    @property
    def winner(self) -> str | None:
        """The preferred system's signature; None for 'equal'."""
        return {"left": self.left, "right": self.right}.get(self.preference)


class Judgements(StoreCore):
    """Blind pairwise preferences between systems."""

    def add_judgement(
        self, segment: int, left: str, right: str, preference: str, *, who: str
    ) -> str:
        """Store one judgement; returns its time. ConfigError for a bad preference or a
        segment without a translation under both systems."""
        if preference not in PREFERENCES:
            raise ConfigError(f"preference {preference!r} is not one of left, equal, right")
        if left == right:
            raise ConfigError(f"a judgement compares two systems; got {left!r} twice")
        at = now()
        with self.transaction():
            found = self.db.execute(
                "SELECT count(*) FROM translations WHERE segment = ? AND signature IN (?, ?)",
                (segment, left, right),
            ).fetchone()[0]
            if found != 2:
                raise ConfigError(
                    f"segment {segment} lacks a translation under {left!r} or {right!r}"
                )
            self.db.execute(
                "INSERT INTO judgements (segment, left_system, right_system, preference, who, "
                "at) VALUES (?, ?, ?, ?, ?, ?)",
                (segment, left, right, preference, who, at),
            )
        return at

    def judgements(self, systems: Sequence[str] = ()) -> list[Judgement]:
        """Every judgement (between two of ``systems`` when given), in stored order."""
        rows = self.db.execute(
            "SELECT segment, left_system, right_system, preference, who, at FROM judgements "
            "ORDER BY id"
        )
        wanted = set(systems)
        out = [
            Judgement(int(a), str(b), str(c), str(d), str(e), str(f)) for a, b, c, d, e, f in rows
        ]
        return [j for j in out if not wanted or {j.left, j.right} <= wanted]

    def blind_candidate(self, sig_a: str, sig_b: str, who: str, after: int) -> int | None:
        """A segment after row id ``after`` (wrapping round) whose A and B translations differ
        and that ``who`` has not judged for this pair; None when none is left.

        Identical outputs are skipped: their judgement could only be 'equal' (WMT drops them
        too)."""
        sql = (
            "SELECT a.segment FROM translations a JOIN translations b "
            "ON b.segment = a.segment AND b.signature = ? "
            "WHERE a.signature = ? AND a.text != b.text AND a.segment {op} ? "
            "AND NOT EXISTS (SELECT 1 FROM judgements j WHERE j.segment = a.segment "
            "AND j.who = ? AND ((j.left_system = ? AND j.right_system = ?) OR "
            "(j.left_system = ? AND j.right_system = ?))) ORDER BY a.segment LIMIT 1"
        )
        args = (sig_b, sig_a, after, who, sig_a, sig_b, sig_b, sig_a)
        for op in (">", ">="):
            row = self.db.execute(
                sql.format(op=op), args if op == ">" else (*args[:2], 0, *args[3:])
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def max_segment_id(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM segments").fetchone()[0])
