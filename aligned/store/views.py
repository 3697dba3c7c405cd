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
from aligned.store.core import flags_tuple
from aligned.store.reviews import Reviews
from aligned.store.translations import parse_extra

#: ``AlignedPair.extra`` key of an exported human edit: the machine text it replaced.
EDITED_FROM = "edited_from"


@dataclass(frozen=True, slots=True)
class ReportSegment:
    """One segment with up to two systems' translations, a reference and its effective review
    state under system A (what the HTML report shows on a row)."""

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
    decision: str  # effective decision under system A: accept | edit | reject; '' = none
    decision_text: str  # the human edit in effect (decision 'edit'), else ''


#: ``AlignedPair.extra`` keys of a reviewer's comment and MQM category/severity (TMX props,
#: the JSONL ``extra`` object).
REVIEW_NOTE_KEYS = ("x-review-comment", "x-review-category", "x-review-severity")


def _review_notes(notes: str | None) -> dict[str, str]:
    """The latest decision's comment, category and severity that are set, as extra props."""
    if not notes:
        return {}
    values = json.loads(notes)
    return {k: str(v) for k, v in zip(REVIEW_NOTE_KEYS, values, strict=True) if v}


class Views(Reviews):
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
        translation under ``signature``. Review decisions apply as
        :mod:`aligned.store.reviews` says, across systems: a human edit in effect is the
        target (``reviewed``, ``extra["edited_from"]`` = the machine text it replaced), an
        accept of this very machine text sets ``reviewed``, a reject leaves the pair out.
        ``reviewed_only`` keeps accepted and edited pairs only.
        """
        states = self.review_states(signature)
        rows = self.db.execute(
            "SELECT s.id, s.doc, s.para, s.sent, s.start, s.end, s.text, s.flags, t.text, "
            "t.score, s.uid, d.meta, d.lang, t.lang, t.extra, "
            "(SELECT json_array(r.comment, r.category, r.severity) FROM reviews r "
            " WHERE r.segment = s.id ORDER BY r.id DESC LIMIT 1) "
            "FROM segments s JOIN translations t ON t.segment = s.id AND t.signature = ? "
            "JOIN documents d ON d.id = s.doc ORDER BY d.ord, s.doc, s.para, s.sent",
            (signature,),
        )
        doc_extra: dict[str, dict[str, str]] = {}  # per document: its metadata as doc-* keys
        for row in rows:
            seg, doc, para, sent, start, end, source, flags, target, score, uid, meta = row[:12]
            kept, own_lang = parse_extra(row[14])  # languages and kept data (issue 13)
            flag_tuple = flags_tuple(flags)
            if drop.intersection(flag_tuple):
                continue
            state = states.get(seg)
            if state is None:
                if reviewed_only:
                    continue
            elif state.decision == "reject":
                continue
            edited = state is not None and state.decision == "edit"
            if doc not in doc_extra:
                doc_extra[doc] = {f"doc-{k}": v for k, v in json.loads(meta).items()}
            extra = {**doc_extra[doc], **kept, **_review_notes(row[15])}
            if edited:
                extra[EDITED_FROM] = target
            yield AlignedPair(
                source=source,
                target=str(state.text) if state is not None and edited else target,
                doc=doc,
                para=para,
                sent=sent,
                start=start,
                end=end,
                flags=flag_tuple,
                signature=signature,
                score=score,
                reviewed=state is not None,
                extra=extra,
                uid=uid,
                source_lang=own_lang or row[12],
                target_lang=row[13],
            )

    def report_segments(
        self, sig_a: str, sig_b: str = "", reference: str | None = None
    ) -> list[ReportSegment]:
        """Every segment in (doc, para, sent) order with system A's (``sig_a``) and system
        B's (``sig_b``; '' = none) translations, reference ``reference``'s text and the
        effective review state under system A (a human edit in effect is ``decision_text``,
        ``mt`` stays the machine text it replaced)."""
        rows = self.db.execute(
            "SELECT s.id, s.doc, s.para, s.sent, s.text, s.flags, a.text, a.score, b.text, "
            "r.text, r.alignment "
            "FROM segments s "
            "LEFT JOIN translations a ON a.segment = s.id AND a.signature = ? "
            "LEFT JOIN translations b ON b.segment = s.id AND b.signature = ? "
            "LEFT JOIN refs r ON r.segment = s.id AND r.name = ? "
            "JOIN documents d ON d.id = s.doc ORDER BY d.ord, s.doc, s.para, s.sent",
            (sig_a, sig_b, reference or ""),
        )
        states = self.review_states(sig_a) if sig_a else {}
        out = []
        for seg, doc, para, sent, src, flags, mt, mscore, bt, ref, align in rows:
            state = states.get(int(seg))
            decision = "" if state is None else state.decision
            edited = str(state.text) if state is not None and decision == "edit" else ""
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
