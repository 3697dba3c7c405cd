"""A self-contained HTML review report of a store: source | system A | system B | reference.

Why server-side rows: every row is rendered by Jinja2 with autoescaping, so untrusted document
text only ever reaches the page as escaped text (no ``innerHTML`` anywhere), the page reads
without JavaScript, and tests can check it with an HTML parser. The JavaScript only hides,
shows and reorders existing ``tr.row`` elements (one pass over a cached array, text for the
search box lower-cased once at load). Rows are CSS grids (not table rows) with
``content-visibility: auto``, so the browser lays out only the rows on screen: measured in
headless Chromium on 10,000 rows, load 2.3 s, a filter 0.15 s, a sort 0.7 s (as table rows:
14 s, 7 s and 12 s). ``benchmarks/report.py`` prints render time and size (about 1.4 kB a row).

Word diffs are computed here with :class:`difflib.SequenceMatcher` on whitespace tokens and
rendered as ``<del class="diff">`` (words of system A missing from the reference, or from
system B where there is no reference) and ``<ins class="diff">`` (words of the reference, or of
system B, that system A lacks).

Scores are never stale: a stored score (``songngu score``) is shown only while its inputs
digest equals that of the store's current translations and reference; otherwise the report
recomputes it with sacrebleu (corpus scores without bootstrap, so no confidence interval) and
says so next to the number ("the stored score is stale ..."). Recomputing costs what a report
of an unscored store always costs (no bootstrap); only the stale sentence scores are redone.

The only JSON on the page is ``<script type="application/json" id="report-config">``; it is
built with ``json.dumps`` and ``<``, ``>``, ``&`` escaped as ``\\u003c``, ``\\u003e``,
``\\u0026`` before it is marked safe, so no text can close the script element.
A ``<meta>`` Content-Security-Policy allows nothing external (``default-src 'none'``, inline
style and script only): the page is read-only (reviewing is ``songngu review``'s server). The
page has no timestamp: the same store gives the same bytes.

Page hooks (stable for browser tests): ``#rows`` (the ``tbody``), ``tr.row`` with ``data-id``
(segment id), ``data-doc``, ``data-para``, ``data-sent``, ``data-flags`` (space-separated),
``data-score``/``data-bleu``/``data-chrf``/``data-ter`` (system A; empty when unknown) and
``data-decision``; cells ``.src``, ``.mt``, ``.mt-b``, ``.ref``; controls ``#search``,
``#flag-filter``, ``#doc-filter``, ``#score-metric``, ``#min-score``, ``#max-score``,
``th[data-sort=id|score|bleu|chrf|ter]``; ``#count`` holds the number of visible rows. Keys:
``j``/``k`` move the current row (``tr.row.current``).

Rows carry their effective review state under system A (:mod:`aligned.store.reviews`) in
``data-decision``.

Human edits: a row whose human edit is in effect (any system's review) shows the edited text
in ``td.mt`` (class ``edited``) with the machine text it replaced below it, greyed and struck
through: ``<span class="mt-replaced">MT: <s>machine text</s></span>``; word diffs against B
and the reference are of the edited text.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from aligned.faults import crash_point
from aligned.store import Store
from corpus.errors import ConfigError

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE = "report.html.j2"
SCORE_KEYS = ("bleu", "chrf++", "ter")


def _page_keys(values: dict[str, float]) -> dict[str, float]:
    """Sentence scores keyed as the page names them (its chrF++ column is ``chrf``)."""
    return {"chrf" if k == "chrf++" else k: v for k, v in values.items()}


@dataclass(frozen=True, slots=True)
class DiffPart:
    """A run of words; ``changed`` ones are absent from the other text."""

    text: str
    changed: bool


def word_diff(a: str, b: str) -> tuple[list[DiffPart], list[DiffPart]]:
    """Word-level diff of ``a`` against ``b``: runs of ``a`` and of ``b`` with changed flags.

    Tokens are whitespace-separated words; a run's text keeps the single spaces between its
    words, and runs are joined by one space when rendered.
    """
    wa, wb = a.split(), b.split()
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    left: list[DiffPart] = []
    right: list[DiffPart] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        same = op == "equal"
        if i2 > i1:
            left.append(DiffPart(" ".join(wa[i1:i2]), not same))
        if j2 > j1:
            right.append(DiffPart(" ".join(wb[j1:j2]), not same))
    return left, right


_DIFF_TAGS = {
    "del": Markup('<del class="diff">{}</del>'),
    "ins": Markup('<ins class="diff">{}</ins>'),
}


def diff_html(parts: Sequence[DiffPart] | None, tag: str) -> Markup:
    """Runs as HTML: changed ones in ``<del class="diff">`` or ``<ins class="diff">``.

    ``Markup.format`` and ``escape`` escape every run's text, so the result is safe to embed;
    done here rather than in a template macro because macro calls dominate render time.
    """
    wrap = _DIFF_TAGS[tag]
    return Markup(" ").join(
        wrap.format(p.text) if p.changed else escape(p.text) for p in parts or ()
    )


def _plain(text: str) -> list[DiffPart]:
    return [DiffPart(text, False)] if text else []


@dataclass(slots=True)
class Row:
    """One segment as the template shows it."""

    id: int
    doc: str
    para: int
    sent: int
    flags: list[str]
    source: str
    mt: list[DiffPart]  # what the cell shows: the human edit in effect, else the machine text
    mt_text: str  # system A's machine text
    mt_missing: bool
    edited: bool  # a human edit is in effect: ``mt`` is it, ``mt_text`` what it replaced
    b: list[DiffPart] | None
    b_missing: bool
    ref: list[DiffPart] | None
    ref_alignment: str
    model_score: float | None
    scores: dict[str, float]
    scores_b: dict[str, float]
    decision: str


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """One corpus-level number of one system, with sacrebleu's signature."""

    system: str
    name: str
    score: float
    signature: str
    stored: bool  # False: computed for this report (none stored, or the stored one was stale)
    stale: bool = False  # a stored score existed but its inputs changed since `songngu score`


@dataclass(slots=True)
class ReportData:
    """Everything the template needs (also handy for tests)."""

    systems: list[str]
    reference: str | None
    rows: list[Row]
    corpus: list[CorpusScore] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def default_systems(store: Store) -> list[str]:
    """The latest system and, if there is one, the one used before it."""
    return store.systems()[:2]


def _resolve_systems(store: Store, systems: Sequence[str]) -> list[str]:
    if not systems:
        return default_systems(store)
    if len(systems) > 2:
        raise ConfigError(
            f"a report shows at most two systems side by side, got {len(systems)} --system "
            "options; keep two"
        )
    sigs = [store.resolve_system(s) for s in systems]
    if len(sigs) == 2 and sigs[0] == sigs[1]:
        raise ConfigError(f"--system {sigs[0]!r} is given twice; name two different systems")
    return sigs


def _resolve_reference(store: Store, reference: str | None) -> str | None:
    from aligned.references import reference_names
    from aligned.scoring import resolve_reference

    if reference is None and not reference_names(store):
        return None
    return resolve_reference(store, reference)


@dataclass(slots=True)
class SystemScores:
    """One system's scores against the reference as the report shows them."""

    sentences: dict[int, dict[str, float]] = field(default_factory=dict)
    corpus: list[CorpusScore] = field(default_factory=list)


def _system_scores(store: Store, sig: str, reference: str | None) -> SystemScores:
    """Scores of ``sig`` against ``reference`` for the report, never stale ones.

    Stored scores (``songngu score``) are shown when their inputs digest equals that of the
    current translations and reference (:func:`aligned.scoring.inputs_digest`); any other
    score is recomputed now with sacrebleu (cheap: corpus scores without bootstrap) and
    marked so, and a stale stored corpus score says it was stale.
    """
    if reference is None:
        return SystemScores()
    from aligned.scoring import aligned_texts, corpus_scores, inputs_digest, sentence_scores

    ids, (hyps,), refs = aligned_texts(store, [sig], reference)
    if not ids:
        return SystemScores()
    out = SystemScores()
    stored = store.sentence_metric_scores(sig, reference, SCORE_KEYS)
    todo: list[int] = []
    for i, (seg, hyp, ref) in enumerate(zip(ids, hyps, refs, strict=True)):
        inputs, values = stored.get(seg, (None, {}))
        if set(values) >= set(SCORE_KEYS) and inputs == inputs_digest([hyp], [ref]):
            out.sentences[seg] = _page_keys(values)
        else:
            todo.append(i)
    if todo:
        fresh = sentence_scores([hyps[i] for i in todo], [refs[i] for i in todo])
        for i, values in zip(todo, fresh, strict=True):
            out.sentences[ids[i]] = _page_keys(values)
    digest = inputs_digest(hyps, refs)
    rows = store.corpus_metric_scores(sig, reference, SCORE_KEYS)
    current = {r.metric: r for r in rows if r.inputs == digest}
    if rows and len(current) == len(rows):
        out.corpus = [
            CorpusScore(
                sig,
                str(current[k].details.get("name", k)),
                current[k].value,
                str(current[k].details.get("signature", "")),
                True,
            )
            for k in SCORE_KEYS
            if k in current
        ]
        return out
    out.corpus = [
        CorpusScore(sig, s.name, s.score, s.signature, False, stale=bool(rows))
        for s in corpus_scores(hyps, refs, n_bootstrap=1)
    ]
    return out


def collect(
    store: Store, *, systems: Sequence[str] = (), reference: str | None = None
) -> ReportData:
    """Read what the report shows: every segment in (doc, para, sent) order."""
    sigs = _resolve_systems(store, systems)
    ref_name = _resolve_reference(store, reference)
    sig_a = sigs[0] if sigs else ""
    sig_b = sigs[1] if len(sigs) > 1 else ""
    checks = store.check_metrics_by_segment(sig_a) if sig_a else {}
    by_system = {sig: _system_scores(store, sig, ref_name) for sig in sigs}
    scores_a = by_system[sig_a].sentences if sig_a else {}
    scores_b = by_system[sig_b].sentences if sig_b else {}
    out: list[Row] = []
    docs: list[str] = []
    all_flags: set[str] = set()
    for seg in store.report_segments(sig_a, sig_b, ref_name):
        flag_list = [*seg.flags, *checks.get(seg.id, [])]
        all_flags.update(flag_list)
        if not docs or docs[-1] != seg.doc:
            docs.append(seg.doc)
        mt_text = seg.mt or ""
        edited = seg.decision == "edit"
        shown = seg.decision_text if edited else mt_text
        has_shown = edited or seg.mt is not None
        mt_parts = _plain(shown)
        b_parts: list[DiffPart] | None = None
        ref_parts: list[DiffPart] | None = None
        if sig_b:
            b_text = seg.b or ""
            b_parts = _plain(b_text)
            if has_shown and seg.b is not None:
                mt_parts, b_parts = word_diff(shown, b_text)
        if ref_name is not None:
            ref_text = seg.ref or ""
            ref_parts = _plain(ref_text)
            if has_shown and ref_text:
                mt_parts, ref_parts = word_diff(shown, ref_text)
        out.append(
            Row(
                id=seg.id,
                doc=seg.doc,
                para=seg.para,
                sent=seg.sent,
                flags=flag_list,
                source=seg.source,
                mt=mt_parts,
                mt_text=mt_text,
                mt_missing=not has_shown,
                edited=edited,
                b=b_parts,
                b_missing=bool(sig_b) and seg.b is None,
                ref=ref_parts,
                ref_alignment=seg.ref_alignment or "",
                model_score=seg.mt_score,
                scores=scores_a.get(seg.id, {}),
                scores_b=scores_b.get(seg.id, {}),
                decision=seg.decision,
            )
        )
    corpus = [c for sig in sigs for c in by_system[sig].corpus]
    return ReportData(sigs, ref_name, out, corpus, docs, sorted(all_flags))


def json_for_script(value: object) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # escaped just above: no character can end the script element


def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("aligned", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["diff"] = diff_html
    return env


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def render_report(
    store: Store,
    *,
    systems: Sequence[str] = (),
    reference: str | None = None,
) -> str:
    """The report page as one HTML string (see the module docstring for its hooks).

    ``systems``: up to two signatures (or ``latest``); empty = the latest system and the one
    before it. ``reference``: a reference name; None = the only one, or none if the store has
    none.
    """
    from aligned.report_bounded import is_bounded, render_bounded_report

    if is_bounded(store):  # a large store: the bounded summary page
        return render_bounded_report(store, systems=systems, reference=reference)
    data = collect(store, systems=systems, reference=reference)
    config = {
        "systems": data.systems,
        "reference": data.reference,
        "docs": data.docs,
    }
    template = _environment().get_template(TEMPLATE)
    crash_point("report.render")
    return template.render(
        data=data,
        store_name=store.path.name,
        config=json_for_script(config),
        has_b=len(data.systems) > 1,
        has_ref=data.reference is not None,
        human=_human_lines(store, data.systems),
    )


def _human_lines(store: Store, systems: Sequence[str]) -> list[str]:
    """The blind A/B judgements between the report's two systems (:mod:`aligned.human`)."""
    from aligned.human import oriented, summarise

    if len(systems) < 2:
        return []
    return [
        line
        for s in summarise(store.judgements(systems))
        for line in oriented(s, systems[0]).lines()
    ]
