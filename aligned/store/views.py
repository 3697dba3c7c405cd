"""Read-only views joining several tables: the pairs an export writes, the rows a report shows.

Why here and not in the exporters or the report: these are the two queries that put segments,
translations, references and review decisions together, and the rule "the latest decision
counts" must be applied the same way in both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from aligned.pairs import AlignedPair
from aligned.store.core import StoreCore, flags_tuple


@dataclass(frozen=True, slots=True)
class ReportSegment:
    """One segment with up to two systems' translations, a reference and system A's latest
    review decision (what the HTML report shows on a row)."""

    id: int
    doc: str
    para: int
    sent: int
    source: str
    flags: tuple[str, ...]
    mt: str | None  # system A's translation; None = none stored
    mt_score: float | None
    b: str | None  # system B's translation
    ref: str | None
    ref_alignment: str | None
    decision: str  # '' = no decision
    decision_text: str


#: ``AlignedPair.extra`` keys of a reviewer's comment and MQM category/severity (TMX props,
#: the JSONL ``extra`` object).
REVIEW_NOTE_KEYS = ("x-review-comment", "x-review-category", "x-review-severity")


def _review_notes(notes: str | None) -> dict[str, str]:
    """The latest decision's comment, category and severity that are set, as extra props."""
    if not notes:
        return {}
    values = json.loads(notes)
    return {k: str(v) for k, v in zip(REVIEW_NOTE_KEYS, values, strict=True) if v}


class Views(StoreCore):
    """Queries across documents, translations, references and reviews."""

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
            " WHERE r.segment = s.id AND r.signature = t.signature ORDER BY r.id DESC LIMIT 1), "
            "(SELECT json_array(r.comment, r.category, r.severity) FROM reviews r "
            " WHERE r.segment = s.id AND r.signature = t.signature ORDER BY r.id DESC LIMIT 1) "
            "FROM segments s JOIN translations t ON t.segment = s.id AND t.signature = ? "
            "ORDER BY s.doc, s.para, s.sent",
            (signature,),
        )
        for doc, para, sent, start, end, source, flags, target, score, review, notes in rows:
            flag_tuple = flags_tuple(flags)
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
                extra=_review_notes(notes),
            )

    def report_segments(
        self, sig_a: str, sig_b: str = "", reference: str | None = None
    ) -> list[ReportSegment]:
        """Every segment in (doc, para, sent) order with system A's (``sig_a``) and system
        B's (``sig_b``; '' = none) translations, reference ``reference``'s text and system
        A's latest review decision."""
        rows = self.db.execute(
            "SELECT s.id, s.doc, s.para, s.sent, s.text, s.flags, a.text, a.score, b.text, "
            "r.text, r.alignment, "
            "(SELECT v.decision || ':' || coalesce(v.text, '') FROM reviews v "
            " WHERE v.segment = s.id AND v.signature = ? ORDER BY v.id DESC LIMIT 1) "
            "FROM segments s "
            "LEFT JOIN translations a ON a.segment = s.id AND a.signature = ? "
            "LEFT JOIN translations b ON b.segment = s.id AND b.signature = ? "
            "LEFT JOIN refs r ON r.segment = s.id AND r.name = ? "
            "ORDER BY s.doc, s.para, s.sent",
            (sig_a, sig_a, sig_b, reference or ""),
        )
        out = []
        for seg, doc, para, sent, src, flags, mt, mscore, bt, ref, align, review in rows:
            decision, _, edited = (review or "").partition(":")
            out.append(
                ReportSegment(
                    int(seg),
                    str(doc),
                    int(para),
                    int(sent),
                    str(src),
                    flags_tuple(str(flags)),
                    None if mt is None else str(mt),
                    None if mscore is None else float(mscore),
                    None if bt is None else str(bt),
                    None if ref is None else str(ref),
                    None if align is None else str(align),
                    decision,
                    edited,
                )
            )
        return out
