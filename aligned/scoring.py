"""Reference-based quality scores, computed by sacrebleu and nothing else.

Why sacrebleu for every number: its scores and signatures are what papers and leaderboards
report, so ours must be the same numbers (a test runs sacrebleu's own CLI and compares). The
metrics are sacrebleu's, with its CLI's defaults: BLEU (13a, exp smoothing), chrF (``chrf``,
word order 0, reported as ``chrF2``, the OPUS-MT leaderboard's and WMT's headline), chrF++
(``chrf++``, ``word_order=2``, ``chrF2++``) and TER. Without ``--metrics``: BLEU, chrF++ and
TER, as ``sacrebleu -m bleu chrf ter --chrf-word-order 2``.

The stored ``scores.metric`` is our name (``bleu``, ``chrf``, ``chrf++``, ``ter``). Stores
scored before ``chrf`` meant plain chrF hold chrF++ rows under ``chrf``; their signature
(``nw:2``) tells them apart, and :mod:`aligned.store.scores` reads them as ``chrf++``.

Confidence intervals and paired tests use sacrebleu's bootstrap, whose random seed is
sacrebleu's fixed default 12345 (``$SACREBLEU_SEED`` overrides it, as for sacrebleu's CLI); the
seed appears in every signature as ``seed:``.

In a store, corpus scores are rows of ``scores`` with ``segment`` NULL and per-segment sentence
scores rows with the segment id (the first segment of a ``2-1`` reference unit, scored against
both segments' outputs joined); ``reference`` is the reference's name and ``details`` JSON holds
the sacrebleu signature (and, for corpus rows, the confidence interval).

Scores know their inputs: every stored row records ``inputs`` = :func:`inputs_digest` of the
hypothesis and reference texts it was computed from, in order (all of them for a corpus row,
the segment's own pair for a sentence row). Readers recompute the digest from the store's
current texts; a score whose digest differs is stale and is never shown as current (the report
recomputes it, see :mod:`aligned.report`; ``songngu score`` always recomputes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corpus.errors import ConfigError, DataError

if TYPE_CHECKING:
    from aligned.store import Store

#: The metrics ``--metrics`` offers, by our name (sacrebleu's CLI ``-m`` names, with ``chrf++``
#: for chrF with word bigrams): ``chrf`` is sacrebleu's chrF (word order 0, reported as
#: ``chrF2``), ``chrf++`` is chrF++ (word order 2, ``chrF2++``).
METRIC_CHOICES = ("bleu", "chrf", "chrf++", "ter")
#: What ``score`` and ``compare`` compute without ``--metrics`` (and what the report shows).
DEFAULT_METRICS = ("bleu", "chrf++", "ter")
#: Metrics where a lower score is better (TER counts edits).
LOWER_IS_BETTER = frozenset({"ter"})
#: Bootstrap resamples for confidence intervals (sacrebleu's CLI default).
DEFAULT_BOOTSTRAP = 1000
#: Other spellings ``--metrics`` accepts: sacrebleu's reported names (any case).
_ALIASES = {"chrf2": "chrf", "chrf2++": "chrf++", "chrfpp": "chrf++"}


def parse_metrics(text: str) -> tuple[str, ...]:
    """``bleu,chrf,ter`` → the metric names, in the order given, each once."""
    out: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        name = _ALIASES.get(name, name)
        if name not in METRIC_CHOICES:
            raise ConfigError(
                f"--metrics {text!r}: unknown metric {part.strip()!r}; choose from "
                f"{','.join(METRIC_CHOICES)} (chrf = chrF, chrf++ = chrF with word bigrams), "
                "e.g. --metrics bleu,chrf,ter"
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _metric(key: str, *, references: list[list[str]] | None = None, sentence: bool = False) -> Any:
    """A fresh sacrebleu metric object for ``key`` (sacrebleu's CLI defaults otherwise).

    ``sentence``: BLEU with effective order, as sacrebleu recommends for sentence scores.
    """
    from sacrebleu.metrics import BLEU, CHRF, TER

    if key == "bleu":
        return BLEU(references=references, effective_order=sentence)
    if key == "chrf":
        return CHRF(word_order=0, references=references)
    if key == "chrf++":
        return CHRF(word_order=2, references=references)
    if key == "ter":
        return TER(references=references)
    raise ConfigError(f"unknown metric {key!r}; choose from {', '.join(METRIC_CHOICES)}")


def make_metrics(
    references: Sequence[str] | None = None, metrics: Sequence[str] = DEFAULT_METRICS
) -> dict[str, Any]:
    """Fresh sacrebleu metric objects by key, as sacrebleu's CLI makes them.

    With ``references`` the reference statistics are cached, as sacrebleu's CLI does.
    """
    refs = [list(references)] if references is not None else None
    return {key: _metric(key, references=refs) for key in metrics}


@dataclass(frozen=True, slots=True)
class MetricScore:
    """One corpus-level score with its sacrebleu name, signature and 95% interval."""

    key: str  # bleu | chrf | chrf++ | ter
    name: str  # sacrebleu's: BLEU, chrF2, chrF2++, TER
    score: float
    signature: str
    verbose: str = ""  # BLEU's n-gram precisions and lengths
    mean: float | None = None  # bootstrap mean and half-width of the 95% interval
    ci: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "metric": self.key,
            "name": self.name,
            "score": self.score,
            "signature": self.signature,
            "verbose_score": self.verbose,
            "confidence_mean": self.mean,
            "confidence_var": self.ci,
        }

    def text(self, width: int = 2) -> str:
        line = f"{self.name} = {self.score:.{width}f}"
        if self.ci is not None and self.mean is not None:
            line += f" (μ = {self.mean:.{width}f} ± {self.ci:.{width}f})"
        if self.verbose:
            line += f" {self.verbose}"
        return f"{line}\n  {self.signature}"


def check_lengths(hyps: Sequence[str], refs: Sequence[str], hyp_name: str, ref_name: str) -> None:
    """Refuse hypothesis and reference lists of different lengths, naming both counts."""
    if len(hyps) != len(refs):
        raise DataError(
            f"{hyp_name} has {len(hyps)} lines but {ref_name} has {len(refs)}; hypotheses and "
            "references must be line-aligned (one segment per line, same count)"
        )
    if not hyps:
        raise DataError(f"{hyp_name} and {ref_name} are empty; there is nothing to score")


def corpus_scores(
    hyps: Sequence[str],
    refs: Sequence[str],
    *,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    hyp_name: str = "hypotheses",
    ref_name: str = "references",
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> list[MetricScore]:
    """``metrics`` (default BLEU, chrF++ and TER) of ``hyps`` against one reference each, as
    sacrebleu computes them, in the order of ``metrics``.

    ``n_bootstrap`` > 1 adds sacrebleu's bootstrap 95% interval (and ``bs:``/``seed:`` to the
    signature); 1 switches it off.
    """
    check_lengths(hyps, refs, hyp_name, ref_name)
    if n_bootstrap < 1:
        raise ConfigError(f"--confidence must be at least 1 (1 = no interval), got {n_bootstrap}")
    out = []
    for key, metric in make_metrics(refs, metrics).items():
        score = metric.corpus_score(list(hyps), None, n_bootstrap=n_bootstrap)
        out.append(
            MetricScore(
                key=key,
                name=score.name,
                score=float(score.score),
                signature=str(metric.get_signature()),
                verbose=score._verbose if key == "bleu" else "",
                mean=float(score._mean) if n_bootstrap > 1 else None,
                ci=float(score._ci) if n_bootstrap > 1 else None,
            )
        )
    return out


def sentence_scores(
    hyps: Sequence[str], refs: Sequence[str], metrics: Sequence[str] = DEFAULT_METRICS
) -> list[dict[str, float]]:
    """Per-line sentence scores of ``metrics`` (sacrebleu's ``sentence_score``; BLEU with
    effective order)."""
    check_lengths(hyps, refs, "hypotheses", "references")
    objects = _sentence_metrics(metrics)
    return [
        {key: float(m.sentence_score(h, [r]).score) for key, m in objects.items()}
        for h, r in zip(hyps, refs, strict=True)
    ]


def _sentence_metrics(metrics: Sequence[str] = DEFAULT_METRICS) -> dict[str, Any]:
    """Sentence-level metrics: BLEU with effective order, as sacrebleu recommends for it."""
    return {key: _metric(key, sentence=True) for key in metrics}


def sentence_signatures(metrics: Sequence[str] = DEFAULT_METRICS) -> dict[str, str]:
    """The sacrebleu signatures of :func:`sentence_scores` (one per metric)."""
    objects = _sentence_metrics(metrics)
    for m in objects.values():
        m.sentence_score("x", ["x"])  # sacrebleu knows the number of references only after one
    return {k: str(m.get_signature()) for k, m in objects.items()}


# -- gates ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gate:
    """``--fail-under bleu=20`` (score must be ≥ 20) or ``--fail-over ter=70`` (≤ 70)."""

    metric: str
    value: float
    over: bool  # True: fail when the score is above value

    def passed(self, score: float) -> bool:
        return score <= self.value if self.over else score >= self.value

    def __str__(self) -> str:
        return f"--fail-{'over' if self.over else 'under'} {self.metric}={self.value:g}"


def parse_gate(text: str, *, over: bool) -> Gate:
    """Parse ``METRIC=VALUE``; the metric must be one of :data:`METRIC_CHOICES` (a gate on a
    metric that ``--metrics`` leaves out adds it: :func:`with_gated`)."""
    option = f"--fail-{'over' if over else 'under'}"
    name, sep, value = text.partition("=")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if not sep or key not in METRIC_CHOICES:
        raise ConfigError(
            f"{option} {text!r}: expected METRIC=VALUE with METRIC one of "
            f"{', '.join(METRIC_CHOICES)}, e.g. {option} bleu=20"
        )
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: {value!r} is not a number") from None
    return Gate(key, number, over)


def with_gated(metrics: Sequence[str], gates: Sequence[Gate]) -> tuple[str, ...]:
    """``metrics`` and, after them, any metric a gate tests that they leave out."""
    out = list(metrics)
    out += [g.metric for g in gates if g.metric not in out]
    return tuple(dict.fromkeys(out))


def failed_gates(scores: Sequence[MetricScore], gates: Sequence[Gate]) -> list[str]:
    """Messages for the gates the scores miss (empty: all passed)."""
    by_key = {s.key: s for s in scores}
    return [
        f"{by_key[g.metric].name} = {by_key[g.metric].score:.2f} misses {g}"
        for g in gates
        if not g.passed(by_key[g.metric].score)
    ]


# -- paired significance ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SystemResult:
    """One system's score in a paired test; ``p_value`` is None for the baseline."""

    system: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None


@dataclass(slots=True)
class Comparison:
    """sacrebleu ``PairedTest`` results: per metric name, the systems (baseline first)."""

    method: str  # bs | ar
    n_samples: int
    signatures: dict[str, str] = field(default_factory=dict)
    results: dict[str, list[SystemResult]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "n_samples": self.n_samples,
            "metrics": {
                name: {
                    "signature": self.signatures[name],
                    "systems": [
                        {
                            "system": r.system,
                            "score": r.score,
                            "difference": r.score - rows[0].score,
                            "p_value": r.p_value,
                            "confidence_mean": r.mean,
                            "confidence_var": r.ci,
                        }
                        for r in rows
                    ],
                }
                for name, rows in self.results.items()
            },
        }


def _float(value: object) -> float | None:
    """numpy float32 → float (JSON-serializable), None stays None."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def compare_systems(
    systems: Sequence[tuple[str, Sequence[str]]],
    refs: Sequence[str],
    *,
    method: str = "bs",
    n_samples: int = 0,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> Comparison:
    """sacrebleu's paired test of each system against the first (the baseline).

    ``method`` ``bs`` = paired bootstrap resampling (default 1000 samples), ``ar`` =
    approximate randomization (default 10000 trials); ``n_samples`` 0 = those defaults.
    Exactly what ``sacrebleu REF -i A B --paired-bs`` (or ``--paired-ar``) computes.
    """
    from sacrebleu.significance import PairedTest

    if method not in ("bs", "ar"):
        raise ConfigError(f"--method {method!r}: use 'bs' (paired bootstrap) or 'ar'")
    if len(systems) < 2:
        raise ConfigError(f"compare needs at least two systems, got {len(systems)}")
    for name, hyps in systems:
        check_lengths(hyps, refs, name, "the references")
    objects = {k.upper(): m for k, m in make_metrics(refs, metrics).items()}
    # sacrebleu logs its progress at INFO; songngu's stderr is for our messages.
    logging.getLogger("sacrebleu").setLevel(logging.WARNING)
    test = PairedTest(
        [(name, list(h)) for name, h in systems],
        objects,
        references=None,
        test_type=method,
        n_samples=n_samples,
    )
    sigs, table = test()
    out = Comparison(method, test.n_samples, {k: str(v) for k, v in sigs.items()})
    names = table["System"]
    for metric_name, rows in table.items():
        if metric_name == "System":
            continue
        out.results[metric_name] = [
            SystemResult(
                str(n),
                float(r.score),  # type: ignore[union-attr]
                _float(r.p_value),  # type: ignore[union-attr]
                _float(r.mean),  # type: ignore[union-attr]
                _float(r.ci),  # type: ignore[union-attr]
            )
            for n, r in zip(names, rows, strict=True)
        ]
    return out


# -- the store --------------------------------------------------------------------------------


def resolve_reference(store: Store, name: str | None) -> str:
    """The reference set to use: ``name``, or the only one; errors say what exists."""
    from aligned.references import reference_names

    names = reference_names(store)
    if not names:
        raise DataError(
            f"{store.path}: the store has no references; attach one with "
            f"`songngu refs add {store.path} REF`, or score plain files with "
            "`songngu score --hyp FILE --ref FILE`"
        )
    if name is None:
        if len(names) > 1:
            raise ConfigError(
                f"{store.path} has {len(names)} references ({', '.join(names)}); pick one "
                "with --ref NAME"
            )
        return names[0]
    if name not in names:
        raise ConfigError(
            f"--ref {name!r} is not in {store.path}; its references: {', '.join(names)}"
        )
    return name


def aligned_texts(
    store: Store, signatures: Sequence[str], reference: str
) -> tuple[list[int], list[list[str]], list[str]]:
    """The reference units every system translated: first segment ids, each system's outputs
    (joined with a space where a ``2-1`` unit covers two segments) and the reference texts.

    ``1-0`` units (a source sentence the reference does not translate) are left out.
    """
    from aligned.references import reference_groups

    outputs = [store.translation_texts(sig) for sig in signatures]
    ids: list[int] = []
    hyps: list[list[str]] = [[] for _ in signatures]
    refs: list[str] = []
    for group in reference_groups(store, reference):
        if group.alignment == "1-0":
            continue
        if not all(seg in out for out in outputs for seg in group.segments):
            continue
        ids.append(group.segments[0])
        refs.append(group.text)
        for i, out in enumerate(outputs):
            hyps[i].append(" ".join(out[seg] for seg in group.segments))
    return ids, hyps, refs


def inputs_digest(hyps: Sequence[str], refs: Sequence[str]) -> str:
    """sha256 of the hypothesis and reference texts, in order (what a score was computed
    from): JSON of ``[hyps, refs]``, so no two different inputs give one digest."""
    payload = json.dumps([list(hyps), list(refs)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class StoreScores:
    """What :func:`score_store` computed and stored."""

    signature: str
    reference: str
    segments: int
    scores: list[MetricScore]


def score_store(
    store: Store,
    signature: str,
    reference: str,
    *,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> StoreScores:
    """Corpus and sentence scores of ``signature`` against ``reference``, stored in ``scores``.

    Earlier scores of ``metrics`` for the same system and reference are replaced (one
    transaction; other metrics' rows stay); each row records the digest of its inputs (module
    docstring).
    """
    from aligned.store import MetricRow

    ids, (hyps,), refs = _texts_to_score(store, signature, reference)
    scores = corpus_scores(hyps, refs, n_bootstrap=n_bootstrap, metrics=metrics)
    per_segment = sentence_scores(hyps, refs, metrics)
    sent_sigs = sentence_signatures(metrics)
    digest = inputs_digest(hyps, refs)
    rows = [MetricRow(None, s.key, s.score, s.as_dict(), digest) for s in scores]
    for seg, values, hyp, ref in zip(ids, per_segment, hyps, refs, strict=True):
        own = inputs_digest([hyp], [ref])
        rows += [
            MetricRow(seg, key, values[key], {"signature": sent_sigs[key]}, own) for key in metrics
        ]
    store.replace_metric_scores(signature, reference, metrics, rows)
    return StoreScores(signature, reference, len(ids), scores)


def _texts_to_score(
    store: Store, signature: str, reference: str
) -> tuple[list[int], list[list[str]], list[str]]:
    """:func:`aligned_texts` of one system; DataError when no segment has both texts."""
    ids, hyps, refs = aligned_texts(store, [signature], reference)
    if not ids:
        raise DataError(
            f"{store.path}: no segment has both a translation under {signature!r} and a reference "
            f"in {reference!r}; check --system and --ref"
        )
    return ids, hyps, refs


@dataclass(frozen=True, slots=True)
class DocumentScores:
    """One document's corpus-level scores (``score --by document``): its id, the number of
    scored reference units, and each metric's score (no bootstrap)."""

    doc: str
    segments: int
    scores: list[MetricScore]

    def as_dict(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "segments": self.segments,
            "scores": {s.key: s.score for s in self.scores},
        }


def document_scores(
    store: Store,
    signature: str,
    reference: str,
    *,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> list[DocumentScores]:
    """Scores of each document (in input order) of ``signature`` against ``reference``:
    sacrebleu's corpus scores of that document's units alone, the same numbers sacrebleu's CLI
    gives on the document's lines. Computed, not stored (the ``scores`` table holds corpus
    and sentence rows only)."""
    ids, (hyps,), refs = _texts_to_score(store, signature, reference)
    doc_of = {s.id: s.doc for s in store.segment_texts()}
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for seg, hyp, ref in zip(ids, hyps, refs, strict=True):
        doc_hyps, doc_refs = grouped.setdefault(doc_of[seg], ([], []))
        doc_hyps.append(hyp)
        doc_refs.append(ref)
    return [
        DocumentScores(
            doc,
            len(doc_hyps),
            corpus_scores(doc_hyps, doc_refs, n_bootstrap=1, metrics=metrics, hyp_name=doc),
        )
        for doc, (doc_hyps, doc_refs) in grouped.items()
    ]
