"""Table ``reviews``: the log of reviewers' decisions (accept, edit, reject).

A log, not a state: every decision is a new row, so nothing a reviewer did is lost and "who
changed it back" can be answered. Each row records ``judged``, the text the decision was made
on (the segment's human edit if one was in effect, else the machine text of the reviewed
system), and ``text``, the edited English of an ``edit``.

The effective state of a segment for a system S (:func:`effective_review`) follows from the
log, whatever system each decision was made under:

1. A human edit is a translation in its own right: the latest ``edit`` of the segment, unless
   a later ``reject`` judged exactly that edited text, is the segment's target under every
   system (reviewed).
2. Otherwise S's machine text T is judged by the latest decision whose ``judged`` is T:
   ``accept`` → reviewed; ``reject`` (or an ``edit``, which replaced T, since rejected) → the
   pair is left out; none → unreviewed. So an accept holds for the exact text it judged, and
   another system's different output of the same sentence is unreviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aligned.faults import crash_point
from aligned.store.core import now
from aligned.store.documents import Documents
from corpus.errors import ConfigError, DataError

DECISIONS = ("accept", "edit", "reject")


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """A segment's effective decision under a system (see the module docstring): the decision,
    the edited text (``edit`` only), who made it and when."""

    segment: int
    decision: str
    text: str | None
    who: str
    at: str


@dataclass(frozen=True, slots=True)
class LoggedReview:
    """One row of the decision log, as :func:`effective_review` reads it."""

    id: int
    decision: str
    text: str | None  # the edited English (edit only)
    judged: str | None  # the text the decision was made on; None = unknown
    who: str
    at: str


@dataclass(frozen=True, slots=True)
class ReviewState:
    """What the log means for one segment under one system.

    ``decision``: ``edit`` (a human edit is the target), ``accept`` (the machine text is
    reviewed) or ``reject`` (the pair is left out). ``text``: the target to export (the edited
    text, or the accepted machine text; None for reject). ``machine``: the system's machine
    text (what an edit replaced; None if the system has none).
    """

    segment: int
    decision: str
    text: str | None
    machine: str | None
    who: str
    at: str

    @property
    def reviewed(self) -> bool:
        return self.decision in ("accept", "edit")


def effective_review(
    segment: int, log: Sequence[LoggedReview], machine: str | None
) -> ReviewState | None:
    """The effective state of ``segment`` from its decision ``log`` (oldest first) for a
    system whose machine text is ``machine``; None = no decision applies (unreviewed)."""
    edit: LoggedReview | None = None
    for row in log:
        if row.decision == "edit":
            edit = row
        elif edit is not None and row.decision == "reject" and row.judged == edit.text:
            edit = None
    if edit is not None:
        return ReviewState(segment, "edit", edit.text, machine, edit.who, edit.at)
    if machine is None:
        return None
    for row in reversed(log):
        if row.judged == machine:
            decision = "accept" if row.decision == "accept" else "reject"
            text = machine if decision == "accept" else None
            return ReviewState(segment, decision, text, machine, row.who, row.at)
    return None


class Reviews(Documents):
    """Review decisions per segment; their effective state per system."""

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
        """Log a reviewer's decision on segment ``doc:para:sent`` made while reviewing
        ``signature``; it judged the text in effect (:meth:`judged_text`).

        Returns the time stored with it (``reviews.at``).
        """
        with self.transaction():
            seg = self.segment_id(doc, para, sent)
            return self.log_review(seg, signature, decision, text=text, who=who)

    def log_review(
        self,
        segment: int,
        signature: str,
        decision: str,
        *,
        text: str | None = None,
        who: str = "",
        judged: str | None = None,
        comment: str | None = None,
        at: str | None = None,
        category: str | None = None,
        severity: str | None = None,
    ) -> str:
        """Append one decision on segment row ``segment`` to the log; ``judged`` None = the
        text in effect under ``signature`` now; ``category``/``severity``: an MQM error
        annotation. Returns the time stored (``reviews.at``)."""
        if decision not in DECISIONS:
            raise ConfigError(f"review decision {decision!r} is not one of accept, edit, reject")
        if decision == "edit" and text is None:
            raise ConfigError("an 'edit' review decision needs the edited text")
        stamp = at or now()
        with self.transaction():
            if judged is None:
                judged = self.judged_text(segment, signature)
            self.db.execute(
                "INSERT INTO reviews (segment, signature, decision, text, judged, who, at, "
                "comment, category, severity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    segment,
                    signature,
                    decision,
                    text if decision == "edit" else None,
                    judged,
                    who,
                    stamp,
                    comment,
                    category,
                    severity,
                ),
            )
            crash_point("store.review")
        return stamp

    def accept_segments(self, items: Sequence[tuple[int, str]], *, who: str) -> None:
        """Log an 'accept' by ``who`` for each (segment id, signature) (imported reviewed pairs),
        judging the translation stored under that signature."""
        at = now()
        with self.transaction():
            self.db.executemany(
                "INSERT INTO reviews (segment, signature, decision, text, judged, who, at) "
                "SELECT ?, ?, 'accept', NULL, (SELECT t.text FROM translations t "
                "WHERE t.segment = ? AND t.signature = ?), ?, ?",
                [(seg, sig, seg, sig, who, at) for seg, sig in items],
            )
            crash_point("store.review")

    # -- reading ----------------------------------------------------------------------------

    def review_states(
        self, signature: str, segments: Iterable[int] | None = None
    ) -> dict[int, ReviewState]:
        """Segment id → effective review state under ``signature`` (module docstring), for the
        segments with a decision that applies; of ``segments`` only, if given."""
        sql = (
            "SELECT r.segment, r.id, r.decision, r.text, coalesce(r.judged, (SELECT o.text "
            "FROM translations o WHERE o.segment = r.segment AND o.signature = r.signature)), "
            "r.who, r.at, m.text FROM reviews r LEFT JOIN translations m "
            "ON m.segment = r.segment AND m.signature = ?"
        )
        params: list[object] = [signature]
        if segments is not None:
            wanted = list(segments)
            if not wanted:
                return {}
            sql += f" WHERE r.segment IN ({', '.join('?' * len(wanted))})"
            params += wanted
        logs: dict[int, list[LoggedReview]] = {}
        machine: dict[int, str | None] = {}
        for seg, rid, decision, text, judged, who, at, mt in self.db.execute(
            sql + " ORDER BY r.segment, r.id", params
        ):
            logs.setdefault(int(seg), []).append(
                LoggedReview(int(rid), str(decision), text, judged, str(who), str(at))
            )
            machine[int(seg)] = None if mt is None else str(mt)
        out = {}
        for seg, log in logs.items():
            state = effective_review(seg, log, machine[seg])
            if state is not None:
                out[seg] = state
        return out

    def judged_text(self, segment: int, signature: str) -> str | None:
        """The text a decision on ``segment`` made now, reviewing ``signature``, judges: the
        human edit in effect, else the system's machine text (None if it has none)."""
        state = self.review_states(signature, [segment]).get(segment)
        if state is not None and state.decision == "edit":
            return state.text
        row = self.db.execute(
            "SELECT text FROM translations WHERE segment = ? AND signature = ?",
            (segment, signature),
        ).fetchone()
        return None if row is None else str(row[0])

    def latest_decisions(self, signature: str) -> list[ReviewDecision]:
        """The effective decision per segment under ``signature``, in segment id order."""
        states = self.review_states(signature)
        return [
            ReviewDecision(seg, s.decision, s.text if s.decision == "edit" else None, s.who, s.at)
            for seg, s in sorted(states.items())
        ]

    def find_segment(self, exported_id: str) -> int | None:
        """The row id of the segment an exported id names: its stable uid (``doc#hex``) or the
        legacy ``doc:para:sent``; None if the store has no such segment."""
        row = self.db.execute("SELECT id FROM segments WHERE uid = ?", (exported_id,)).fetchone()
        if row is not None:
            return int(row[0])
        doc, _, rest = exported_id.rpartition(":")
        doc, _, para = doc.rpartition(":")
        if not (doc and para.isdigit() and rest.isdigit()):
            return None
        row = self.db.execute(
            "SELECT id FROM segments WHERE doc = ? AND para = ? AND sent = ?",
            (doc, int(para), int(rest)),
        ).fetchone()
        return None if row is None else int(row[0])

    def example_uid(self) -> str | None:
        """The uid of the first segment stored (for error messages); None in an empty store."""
        row = self.db.execute("SELECT uid FROM segments ORDER BY id LIMIT 1").fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def segment_uid_of(self, segment: int) -> str:
        """The exported id (uid) of segment row ``segment``; DataError if there is none."""
        row = self.db.execute("SELECT uid FROM segments WHERE id = ?", (segment,)).fetchone()
        if row is None or row[0] is None:
            raise DataError(f"segment {segment} is not in {self.path}; reload and try again")
        return str(row[0])
