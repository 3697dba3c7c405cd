"""Review decisions from anywhere, applied one way: the review server's POSTs, a JSONL file
(``songngu review STORE --apply FILE``) and, later, other tools' files (XLIFF) all become
:class:`Decision` values and go through :func:`apply_decisions`.

Why one function: every source then gets the same validation and the same guarantees. A
decision names its segment by the exported id (the stable uid ``doc#hex10``, or the legacy
``doc:para:sent``); it judges the text the reviewer saw, which is the segment's human edit if
one is in effect, else the machine text of the reviewed system (see
:mod:`aligned.store.reviews` for what the log then means). All decisions of one call are
applied in one transaction, after every one was checked: an unknown id or a bad decision is a
:class:`DataError` naming where it came from (``FILE: line 3``), and nothing is applied.

JSONL format, one object per line (blank lines are skipped)::

    {"id": "news.txt#1a2b3c4d5e", "decision": "accept", "who": "lan"}
    {"id": "news.txt#5e4d3c2b1a", "decision": "edit", "text": "The edited English.", "who": "lan"}
    {"id": "news.txt:3:1", "decision": "reject"}

``text`` is required for ``edit`` and refused otherwise; ``who`` defaults to the reviewer given
to the command; ``comment`` (a string) is stored with the decision.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corpus.errors import DataError

if TYPE_CHECKING:
    from aligned.store import Store

DECISIONS = ("accept", "edit", "reject")
JSONL_KEYS = ("id", "decision", "text", "who", "comment")
JSONL_EXAMPLE = '{"id": "<exported id>", "decision": "edit", "text": "New English.", "who": "lan"}'


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer's decision on one segment, from any source.

    ``id``: the segment's exported id (uid, or legacy ``doc:para:sent``). ``text``: the edited
    English (``edit`` only). ``judged``: the text the decision was made on, when the source
    knows it (e.g. a CAT tool's original target); None = the text in effect now. ``where``:
    the source's position for error messages (``decisions.jsonl: line 3``).
    """

    id: str
    decision: str
    text: str | None = None
    who: str = ""
    judged: str | None = None
    comment: str | None = None
    where: str = ""
    category: str | None = None  # MQM error category and severity (the review page's)
    severity: str | None = None


@dataclass(slots=True)
class Applied:
    """What :func:`apply_decisions` stored: the system, per-decision times, counts by kind."""

    signature: str
    at: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self, store: str) -> str:
        """``applied 3 decisions (1 accept, 1 edit, 1 reject) to STORE``."""
        kinds = ", ".join(f"{self.counts[k]} {k}" for k in DECISIONS if self.counts[k])
        noun = "decision" if self.total == 1 else "decisions"
        return f"applied {self.total} {noun}{f' ({kinds})' if kinds else ''} to {store}"


def check_decision(decision: object, text: object) -> str | None:
    """What is wrong with a decision kind and its text (None: nothing); shared by every
    source so the server and files refuse the same things with the same words."""
    if decision not in DECISIONS:
        return f"'decision' must be one of accept, edit, reject; got {decision!r}"
    if text is not None and not isinstance(text, str):
        return f"'text' must be a string or null, got {type(text).__name__}"
    if decision == "edit" and not (text or "").strip():
        return "an 'edit' decision needs the edited text in 'text'"
    return None


def read_decisions(text: str, name: str, *, who: str) -> list[Decision]:
    """Parse a JSONL decisions file (module docstring); ``who``: the default reviewer.

    DataError at the first bad line, naming the file, the line and the fix.
    """
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{where}: not valid JSON ({exc.msg}, column {exc.colno}); each line must be "
                f"one JSON object, e.g. {JSONL_EXAMPLE}"
            ) from None
        if not isinstance(data, dict):
            raise DataError(
                f"{where}: expected a JSON object, got {type(data).__name__}; e.g. {JSONL_EXAMPLE}"
            )
        unknown = sorted(set(data) - set(JSONL_KEYS))
        if unknown:
            raise DataError(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; a decision has "
                f"{', '.join(JSONL_KEYS)}"
            )
        seg_id, decision, edited = data.get("id"), data.get("decision"), data.get("text")
        if not isinstance(seg_id, str) or not seg_id:
            raise DataError(
                f"{where}: 'id' must be the exported id of a pair (a string such as "
                f"'doc.txt#1a2b3c4d5e'), got {seg_id!r}"
            )
        problem = check_decision(decision, edited)
        if problem is None and decision != "edit" and edited is not None:
            problem = "'text' is only for an 'edit' decision; drop it or use \"decision\": \"edit\""
        if problem is not None:
            raise DataError(f"{where}: {problem}")
        reviewer = data.get("who", who)
        comment = data.get("comment")
        for key, value in (("who", reviewer), ("comment", comment)):
            if value is not None and not isinstance(value, str):
                raise DataError(f"{where}: {key!r} must be a string, got {value!r}")
        out.append(
            Decision(seg_id, str(decision), edited, str(reviewer or who), None, comment, where)
        )
    return out


def apply_decisions(store: Store, decisions: Sequence[Decision], system: str) -> Applied:
    """Log ``decisions`` on ``store`` as reviews of ``system`` (a signature or ``latest``),
    all or none, in one transaction (module docstring). Returns what was stored."""
    signature = store.resolve_system(system)
    applied = Applied(signature)
    with store.transaction():
        segments = [_segment(store, d) for d in decisions]
        for d, seg in zip(decisions, segments, strict=True):
            problem = check_decision(d.decision, d.text)
            if problem is not None:
                raise DataError(f"{_at(d)}{problem}")
            judged = d.judged if d.judged is not None else store.judged_text(seg, signature)
            if judged is None:
                raise DataError(
                    f"{_at(d)}segment {d.id!r} has no translation under system {signature!r}; "
                    "review a system that translated it (--system SIGNATURE)"
                )
            applied.at.append(
                store.log_review(
                    seg,
                    signature,
                    d.decision,
                    text=d.text,
                    who=d.who,
                    judged=judged,
                    comment=d.comment,
                    category=d.category,
                    severity=d.severity,
                )
            )
            applied.counts[d.decision] += 1
    return applied


def _at(d: Decision) -> str:
    return f"{d.where}: " if d.where else ""


def _segment(store: Store, d: Decision) -> int:
    seg = store.find_segment(d.id)
    if seg is None:
        example = store.example_uid()
        hint = f" (such as {example!r})" if example else ""
        raise DataError(
            f"{_at(d)}id {d.id!r} is not a segment of {store.path}; use the 'id' of a pair "
            f"exported from this store{hint}"
        )
    return seg


#: File suffixes read as XLIFF by ``review --apply`` (a CAT tool's post-edited file).
XLIFF_SUFFIXES = (".xlf", ".xliff", ".xlf2", ".sdlxliff", ".mqxliff")


def is_xliff(path: str) -> bool:
    """True if ``review --apply`` reads ``path`` as XLIFF (by its suffix; stdin is JSONL)."""
    return path != "-" and path.lower().endswith(XLIFF_SUFFIXES)


def xliff_file_decisions(path: str, *, who: str) -> list[Decision]:
    """The decisions in a CAT tool's XLIFF file (1.2 or 2.0) that songngu exported: a changed
    target is an edit, a confirmed unchanged one an accept (rules:
    :func:`aligned.formats.xliff.xliff_decisions`)."""
    from aligned.formats.xliff import xliff_decisions

    return [
        Decision(
            uid,
            decision,
            text if decision == "edit" else None,
            who,
            None,
            None,
            f"{path}: unit {uid!r}",
        )
        for uid, decision, text in xliff_decisions(path)
    ]
