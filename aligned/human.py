"""Summaries of blind A/B judgements: win rates with Wilson intervals and an exact sign test.

Why these statistics: a blind pairwise judgement says which of two outputs a reviewer prefers.
Ties carry no direction, so (as in the sign test) they are counted and left out; the win rate
of a system is its wins over the decided judgements. The Wilson score interval stays inside
[0, 1] and is honest for the small counts a review session gives (the normal "p ± 1.96·se"
interval is not). The p-value is the exact two-sided binomial (sign) test of "both systems
are equally good" (p = 0.5). scipy would give ``binomtest`` but is not a dependency of
songngu, so the tail is summed here: with ``math.comb`` in exact integers up to 5,000
decided judgements, in log space (``math.lgamma``) above that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from aligned.store import Judgement

Z95 = 1.959963984540054  # the 97.5 % point of the standard normal distribution
EXACT_UP_TO = 5_000


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``wins / n`` (0, 0 for n = 0)."""
    if n == 0:
        return 0.0, 0.0
    p = wins / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, center - half), min(1.0, center + half)


def sign_test(wins: int, n: int) -> float:
    """Exact two-sided binomial test of ``wins`` out of ``n`` against p = 0.5 (1.0 for n = 0)."""
    if n == 0:
        return 1.0
    k = min(wins, n - wins)
    if n <= EXACT_UP_TO:
        tail = sum(math.comb(n, i) for i in range(k + 1))
        return min(1.0, 2 * tail / 2**n)
    logs = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2)
        for i in range(k + 1)
    ]
    top = max(logs)
    return min(1.0, 2 * math.exp(top) * sum(math.exp(v - top) for v in logs))


@dataclass(frozen=True, slots=True)
class PairSummary:
    """The judgements between two systems ``x`` and ``y``."""

    x: str
    y: str
    wins_x: int
    wins_y: int
    ties: int
    left: int  # how often the left side was preferred (position bias check)
    right: int

    @property
    def decided(self) -> int:
        return self.wins_x + self.wins_y

    @property
    def rate_x(self) -> float:
        return self.wins_x / self.decided if self.decided else 0.0

    @property
    def interval_x(self) -> tuple[float, float]:
        return wilson_interval(self.wins_x, self.decided)

    @property
    def interval_y(self) -> tuple[float, float]:
        return wilson_interval(self.wins_y, self.decided)

    @property
    def p_value(self) -> float:
        return sign_test(self.wins_x, self.decided)

    def as_dict(self) -> dict[str, object]:
        return {
            "systems": [self.x, self.y],
            "judgements": self.decided + self.ties,
            "wins": {self.x: self.wins_x, self.y: self.wins_y},
            "ties": self.ties,
            "win_rate": {self.x: self.rate_x, self.y: 1 - self.rate_x if self.decided else 0.0},
            "ci95": {self.x: list(self.interval_x), self.y: list(self.interval_y)},
            "sign_test_p": self.p_value,
            "preferred_side": {"left": self.left, "right": self.right},
        }

    def lines(self) -> list[str]:
        """The summary as text lines (``compare --human`` and the report header)."""
        out = [
            f"{self.decided + self.ties} blind judgements: {self.wins_x} for A, {self.wins_y} "
            f"for B, {self.ties} equal (ties left out of the rates)"
        ]
        if self.decided:
            for name, wins, (lo, hi) in (
                ("A", self.wins_x, self.interval_x),
                ("B", self.wins_y, self.interval_y),
            ):
                out.append(
                    f"  {name} wins {wins / self.decided:6.1%}  95% CI {lo:.1%}–{hi:.1%}  "
                    f"({self.x if name == 'A' else self.y})"
                )
            out.append(
                f"  sign test (exact binomial, two-sided): p = {self.p_value:.4g}"
                + ("  → the difference is unlikely to be chance" if self.p_value < 0.05 else "")
            )
        return out


def summarise(judgements: Sequence[Judgement]) -> list[PairSummary]:
    """One summary per pair of systems judged, in the order pairs first appear; within a
    pair, ``x`` is the system shown first (on either side) in the first judgement."""
    pairs: dict[frozenset[str], list[Judgement]] = {}
    order: dict[frozenset[str], tuple[str, str]] = {}
    for j in judgements:
        key = frozenset((j.left, j.right))
        pairs.setdefault(key, []).append(j)
        order.setdefault(key, (j.left, j.right))
    out = []
    for key, items in pairs.items():
        x, y = order[key]
        wins = {x: 0, y: 0}
        ties = left = right = 0
        for j in items:
            winner = j.winner
            if winner is None:
                ties += 1
            else:
                wins[winner] += 1
                left += j.preference == "left"
                right += j.preference == "right"
        out.append(PairSummary(x, y, wins[x], wins[y], ties, left, right))
    return out


def oriented(summary: PairSummary, a: str) -> PairSummary:
    """``summary`` with system ``a`` as ``x`` (so "A" in its lines is ``a``)."""
    if summary.x == a:
        return summary
    return PairSummary(
        summary.y,
        summary.x,
        summary.wins_y,
        summary.wins_x,
        summary.ties,
        summary.left,
        summary.right,
    )
