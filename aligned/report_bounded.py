"""The report of a large store: a bounded summary instead of every row.

Why: the full report (:mod:`aligned.report`) renders every segment, about 1.4 kB each; at
10⁶ segments that is a 1.4 GB page no browser opens, and ``songngu run`` writes it every
time. Above :data:`BOUNDED_ROWS` segments the report is still one self-contained file, but it
holds what a reader of a large corpus looks at first, all computed by SQL aggregates:

* the corpus scores stored by ``songngu score`` (not computed here: minutes at this size);
* the blind A/B judgements (:mod:`aligned.human`);
* noise flag and check counts per system;
* per-document numbers (segments, flagged, mean model score, mean sentence chrF++/BLEU);
* the flagged rows and the worst-scored rows (at most :data:`SAMPLE_ROWS` each);

and it says how to open the whole corpus: ``songngu review STORE`` (paged from the store).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aligned.store import SegmentQuery, Store

BOUNDED_ROWS = 5_000
SAMPLE_ROWS = 1_000
MAX_DOCUMENTS = 2_000
TEMPLATE = "report_bounded.html.j2"


def is_bounded(store: Store) -> bool:
    """True when the store has more segments than a full report should hold."""
    return store.segment_total() > BOUNDED_ROWS


def _rows(
    store: Store, query: SegmentQuery, sig_a: str, sig_b: str, ref: str | None, n: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, the first ``n`` rows as the API's JSON) for ``query``."""
    from aligned.server.app import row_json
    from aligned.store.search import MAX_LIMIT

    total = 0
    out: list[dict[str, Any]] = []
    offset = 0
    while len(out) < n:
        page = SegmentQuery(
            flag=query.flag, sort=query.sort, offset=offset, limit=min(MAX_LIMIT, n - len(out))
        )
        total, ids = store.find_segments(page, sig_a, sig_b, ref, use_fts=False)
        if not ids:
            break
        out += [row_json(r) for r in store.review_rows(ids, sig_a, sig_b, ref)]
        offset += len(ids)
    return total, out


def render_bounded_report(
    store: Store, *, systems: Sequence[str] = (), reference: str | None = None
) -> str:
    """The bounded report page as one HTML string (see the module docstring)."""
    from aligned.human import oriented, summarise
    from aligned.report import _environment, _resolve_reference, _resolve_systems

    sigs = _resolve_systems(store, systems)
    sig_a = sigs[0] if sigs else ""
    sig_b = sigs[1] if len(sigs) > 1 else ""
    ref = _resolve_reference(store, reference)
    corpus = []
    if ref is not None:
        for sig in sigs:
            corpus += _stored_corpus_scores(store, sig, ref)
    human: list[str] = []
    if sig_b:
        for s in summarise(store.judgements(sigs)):
            human += oriented(s, sig_a).lines()
    flagged_total, flagged = (
        _rows(store, SegmentQuery(flag="any"), sig_a, sig_b, ref, SAMPLE_ROWS) if sig_a else (0, [])
    )
    worst_by = "chrf" if ref is not None and store.has_sentence_scores(sig_a, ref) else "score"
    _, worst = (
        _rows(store, SegmentQuery(sort=worst_by), sig_a, sig_b, ref, SAMPLE_ROWS)
        if sig_a
        else (0, [])
    )
    docs = store.document_summary(sig_a, ref) if sig_a else []
    template = _environment().get_template(TEMPLATE)
    return template.render(
        store_name=store.path.name,
        store_path=str(store.path),
        total=store.segment_total(),
        documents=len(docs) if sig_a else store.document_count(),
        systems=sigs,
        reference=ref,
        corpus=corpus,
        human=human,
        flag_counts=store.flag_counts(sigs),
        docs=docs[:MAX_DOCUMENTS],
        docs_left=max(0, len(docs) - MAX_DOCUMENTS),
        flagged=flagged,
        flagged_total=flagged_total,
        worst=worst,
        worst_by=worst_by,
        threshold=BOUNDED_ROWS,
        sample=SAMPLE_ROWS,
        has_b=bool(sig_b),
        has_ref=ref is not None,
    )


def _stored_corpus_scores(store: Store, sig: str, ref: str) -> list[Any]:
    """Stored corpus scores only: computing them for 10⁶ segments takes minutes."""
    from aligned.report import SCORE_KEYS, CorpusScore

    rows = store.corpus_metric_scores(sig, ref, SCORE_KEYS)
    return [
        CorpusScore(
            sig,
            str(r.details.get("name", r.metric)),
            r.value,
            str(r.details.get("signature", "")),
            True,
        )
        for r in rows
    ]
