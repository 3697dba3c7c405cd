"""Table ``scores``: reference-based metric scores and the reference-free check flags.

Corpus scores are rows with ``segment`` NULL, sentence scores rows with the segment id;
``reference`` names the reference and ``details`` is JSON (the sacrebleu signature, and for
corpus rows the confidence interval). ``inputs`` is the digest of the hypothesis and reference
texts a score was computed from (NULL: unknown, as after the v1→v2 migration): a reader
compares it with the digest of the current texts and never presents a score whose inputs
changed (a reference replaced under the same name, a re-translated segment).

``metric`` is the metric's name in :mod:`aligned.scoring` (``bleu``, ``chrf``, ``chrf++``,
``ter``). Before ``chrf`` meant plain chrF, chrF++ was stored as ``chrf``; such a row's sacrebleu
signature says ``nw:2`` (word order 2), and the readers here return it as ``chrf++`` (and
replacing ``chrf++`` scores replaces it), so old stores need no migration.

A check flag is a row with ``metric = 'check:<name>'``, ``reference`` NULL and ``details``
``{"detail": ...}``, for flagged segments only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aligned.store.core import StoreCore, now

#: ``scores.metric`` of a check flag is this prefix and the check's name.
CHECK_PREFIX = "check:"


class CheckFlag(Protocol):
    """What the store keeps of a check's flag (``aligned.checks.Flag`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def detail(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StoredFlag:
    """A stored flag with its segment's position and texts (for ``check --list``)."""

    doc: str
    para: int
    sent: int
    name: str
    value: float
    detail: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class MetricRow:
    """A metric score to store or read: the segment (None: corpus score), metric, value, its
    details (sacrebleu signature, interval...) and ``inputs``, the digest of the texts it was
    computed from (:func:`aligned.scoring.inputs_digest`; None = unknown, i.e. stale)."""

    segment: int | None
    metric: str
    value: float
    details: dict[str, Any]
    inputs: str | None = None


def _json(details: dict[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False)


#: SQL condition: a row stored as ``chrf`` that is chrF++ (word order 2): the old name.
_LEGACY_CHRFPP = "(metric = 'chrf' AND details LIKE '%|nw:2|%')"


def _metric_condition(metrics: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """SQL condition (and its parameters) selecting the rows of ``metrics``, the old
    ``chrf`` rows of chrF++ counted as ``chrf++`` and not as ``chrf``."""
    other = [m for m in metrics if m != "chrf"]
    parts = [f"metric IN ({', '.join('?' * len(other))})"] if other else []
    if "chrf" in metrics:
        parts.append(f"(metric = 'chrf' AND NOT {_LEGACY_CHRFPP})")
    if "chrf++" in metrics:
        parts.append(_LEGACY_CHRFPP)
    return "(" + (" OR ".join(parts) or "0") + ")", tuple(other)


def _read_metric(metric: str, details: str | None) -> str:
    """The metric a stored row holds: ``chrf++`` for an old chrF++ row stored as ``chrf``."""
    if metric == "chrf" and details and "|nw:2|" in details:
        return "chrf++"
    return metric


class Scores(StoreCore):
    """Scores against references and check flags, per system."""

    # -- check flags ------------------------------------------------------------------------

    def replace_check_flags(
        self,
        signature: str,
        flags: Sequence[tuple[int, CheckFlag]],
        names: Iterable[str] | None = None,
    ) -> None:
        """Replace ``signature``'s stored flags (of the checks ``names``; None = every check)
        by ``flags`` ((segment id, flag) pairs), in one transaction."""
        created = now()
        with self.transaction():
            if names is None:
                self.db.execute(
                    "DELETE FROM scores WHERE signature = ? AND metric LIKE 'check:%'",
                    (signature,),
                )
            else:
                self.db.executemany(
                    "DELETE FROM scores WHERE signature = ? AND metric = ?",
                    [(signature, CHECK_PREFIX + n) for n in names],
                )
            self.db.executemany(
                "INSERT INTO scores (segment, signature, reference, metric, value, details, "
                "created) VALUES (?, ?, NULL, ?, ?, ?, ?)",
                [
                    (
                        seg,
                        signature,
                        CHECK_PREFIX + f.name,
                        f.value,
                        _json({"detail": f.detail}),
                        created,
                    )
                    for seg, f in flags
                ],
            )

    def stored_flags(self, signature: str, names: Iterable[str]) -> list[StoredFlag]:
        """Flags of the checks ``names`` stored for ``signature``, in (doc, para, sent, check)
        order, with the segment's source and translation."""
        wanted = {CHECK_PREFIX + n for n in names}
        rows = self.db.execute(
            "SELECT s.doc, s.para, s.sent, c.metric, c.value, c.details, t.source, t.text "
            "FROM scores c JOIN segments s ON s.id = c.segment "
            "JOIN translations t ON t.segment = s.id AND t.signature = c.signature "
            "WHERE c.signature = ? AND c.metric LIKE 'check:%' "
            "ORDER BY s.doc, s.para, s.sent, c.id",
            (signature,),
        )
        return [
            StoredFlag(
                d, p, s, m[len(CHECK_PREFIX) :], v, json.loads(det).get("detail", ""), src, tgt
            )
            for d, p, s, m, v, det, src, tgt in rows
            if m in wanted
        ]

    def check_metrics_by_segment(self, signature: str) -> dict[int, list[str]]:
        """Segment id → the distinct ``check:<name>`` metrics stored for it, in stored order."""
        rows = self.db.execute(
            "SELECT segment, metric FROM scores WHERE segment IS NOT NULL AND signature = ? "
            "AND metric LIKE 'check:%' ORDER BY id",
            (signature,),
        )
        out: dict[int, list[str]] = {}
        for seg, metric in rows:
            names = out.setdefault(int(seg), [])
            if metric not in names:
                names.append(str(metric))
        return out

    # -- metric scores ----------------------------------------------------------------------

    def replace_metric_scores(
        self,
        signature: str,
        reference: str,
        metrics: Sequence[str],
        rows: Sequence[MetricRow],
    ) -> None:
        """Replace ``signature``'s scores of ``metrics`` against ``reference`` (corpus and
        sentence rows) by ``rows``, in one transaction."""
        created = now()
        where, params = _metric_condition(metrics)
        with self.transaction():
            self.db.execute(
                f"DELETE FROM scores WHERE signature = ? AND reference = ? AND {where}",
                (signature, reference, *params),
            )
            self.db.executemany(
                "INSERT INTO scores (segment, signature, reference, metric, value, details, "
                "created, inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.segment,
                        signature,
                        reference,
                        r.metric,
                        r.value,
                        _json(r.details),
                        created,
                        r.inputs,
                    )
                    for r in rows
                ],
            )

    def sentence_metric_scores(
        self, signature: str, reference: str, metrics: Sequence[str]
    ) -> dict[int, tuple[str | None, dict[str, float]]]:
        """Segment id → (inputs digest, metric → stored sentence score) of ``signature``
        against ``reference``; the digest says whether the scores are still current (None
        when unknown, or when the segment's rows were computed from different texts)."""
        where, params = _metric_condition(metrics)
        rows = self.db.execute(
            "SELECT segment, metric, value, inputs, details FROM scores WHERE segment IS NOT "
            f"NULL AND signature = ? AND reference = ? AND {where} ORDER BY id",
            (signature, reference, *params),
        )
        out: dict[int, tuple[str | None, dict[str, float]]] = {}
        for seg, metric, value, inputs, details in rows:
            if value is None:
                continue
            known, values = out.setdefault(int(seg), (inputs, {}))
            values[_read_metric(str(metric), details)] = float(value)
            if inputs != known:  # metrics scored from different texts: not one current set
                out[int(seg)] = (None, values)
        return out

    def corpus_metric_scores(
        self, signature: str, reference: str, metrics: Sequence[str]
    ) -> list[MetricRow]:
        """Stored corpus scores of ``signature`` against ``reference``, in stored order (with
        their inputs digest: compare it before presenting a score)."""
        where, params = _metric_condition(metrics)
        rows = self.db.execute(
            "SELECT metric, value, details, inputs FROM scores WHERE segment IS NULL AND "
            f"signature = ? AND reference = ? AND {where} ORDER BY id",
            (signature, reference, *params),
        )
        return [
            MetricRow(None, _read_metric(str(m), det), float(v), json.loads(det or "{}"), inp)
            for m, v, det, inp in rows
        ]

    def delete_reference_scores(self, reference: str) -> int:
        """Delete every score computed against reference ``reference`` (all systems, corpus
        and sentence rows); return how many rows went."""
        with self.transaction():
            cur = self.db.execute("DELETE FROM scores WHERE reference = ?", (reference,))
        return int(cur.rowcount)
