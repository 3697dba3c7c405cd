"""Sentence alignment of a reference document to source segments, and an English splitter.

Why hand-written: the venv has no English sentence splitter (no nltk/punkt, pysbd, spaCy) and
adding one for a few lines of reference text is not worth a model download; the aligners that
exist (Bleualign, hunalign, vecalign) are command-line programs or need embeddings, not a
library call. What is here is small and measured (``benchmarks/align.py``):

* :func:`split_sentences`: a regex splitter for English news text (end mark, optional closing
  quote/bracket, space, then a capital, digit or opening quote), with an abbreviation list.
* :func:`align`: dynamic programming over the bead types 1-1, 1-2, 2-1, 1-0 and 0-1.
  With a machine translation of the source (Bleualign's idea), a bead gains the sentence-level
  chrF (sacrebleu) between the MT of its source side and its reference side (less a threshold),
  weighted by the number of sentences it covers, plus a small Gale–Church length term (the MT
  sometimes drops a sentence; the lengths still show it). Without MT it is Gale & Church
  (1993) alone: character-length ratios under a normal model plus bead-type priors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrebleu.metrics import CHRF

# -- English sentence splitting ---------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that end with a period without ending a sentence (lower-cased, without the final dot).
ABBREVIATIONS = _words(
    "mr mrs ms dr prof st jr sr rev hon gen col lt sgt capt cmdr adm maj gov sen rep pres messrs "
    "mt ft vs etc e.g i.e cf al inc ltd co corp bros no nos vol fig approx est dept univ assn "
    "ave blvd rd jan feb mar apr jun jul aug sep sept oct nov dec"
)

# A candidate boundary: end mark(s), optional closing quotes/brackets, whitespace; the next
# sentence must start with an (optional opening quote/bracket and) capital letter or digit.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’)\]]*)(\s+)(?=["'“‘(\[]*[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"(\S+)$")


#: After a dotted acronym (``U.S.``, ``p.m.``) a sentence still ends when one of these follows.
STARTERS = _words(
    "The A An It He She They We I This That These Those There But And In On At As If When "
    "However Its His Her Their Our"
)


def _is_abbreviation(before: str, after: str) -> bool:
    """Whether the text up to a period ends in an abbreviation or an initial (``J.``), so the
    period does not end the sentence; ``after`` is the text that follows."""
    m = _WORD_BEFORE.search(before)
    if m is None:
        return False
    word = m.group(1).lstrip("\"'“‘([").lower()
    if not word.endswith("."):
        return False
    stem = word[:-1]
    if "." in stem and re.fullmatch(r"[a-z](\.[a-z])+", stem):
        # Dotted acronyms (U.S., D.C., p.m.) end a sentence only before a typical first word.
        nxt = after.split(maxsplit=1)
        return not (nxt and nxt[0].strip("\"'“‘([") in STARTERS)
    # Listed abbreviations and single-letter initials (J. K. Rowling).
    return stem in ABBREVIATIONS or bool(re.fullmatch(r"[a-z]", stem))


def split_sentences(text: str) -> list[str]:
    """English sentences of ``text`` (whitespace-normalized), in order; never empty strings."""
    text = " ".join(text.split())
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        mark = m.group(1)
        end = m.end(1)
        if (
            mark.startswith(".")
            and mark.rstrip("\"'”’)]") == "."
            and _is_abbreviation(text[start : m.start(1) + 1], text[m.end() :])
        ):
            continue
        out.append(text[start:end])
        start = m.end()
    out.append(text[start:])
    return [s for s in out if s]


# -- alignment --------------------------------------------------------------------------------

SKIP_PENALTY = 0.25
MERGE_PENALTY = 0.02
MIN_SIMILARITY = 0.1
LENGTH_WEIGHT = 0.1  # chosen on the benchmarks (0.05-0.2 within 0.2 points)

#: Bead types (source sentences, reference sentences) the aligner may use.
#: 1-3 and 3-1 are there because a reference line often holds two or three sentences.
BEADS: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (1, 3), (3, 1))


@dataclass(frozen=True, slots=True)
class Bead:
    """One alignment unit: source segment indices ``src`` and reference sentence indices
    ``ref`` (0-based, consecutive; either may be empty), and the bead's score in [0, 1]
    (chrF/100 of the bridge in MT mode, the Gale–Church probability in length mode)."""

    src: tuple[int, ...]
    ref: tuple[int, ...]
    score: float

    @property
    def kind(self) -> str:
        """``"1-1"``, ``"1-2"``, ``"2-1"``, ``"1-0"`` or ``"0-1"``."""
        return f"{len(self.src)}-{len(self.ref)}"


@lru_cache(maxsize=1)
def _chrf() -> CHRF:
    from sacrebleu.metrics import CHRF  # imported on first use: `import aligned` stays light

    return CHRF(beta=1)


def similarity(hypothesis: str, reference: str) -> float:
    """Sentence-level chrF in [0, 1] (sacrebleu: character 6-grams; beta 1, not the default 2,
    so extra text on either side costs the same and a merge cannot swallow a stray segment)."""
    if not hypothesis.strip() or not reference.strip():
        return 0.0
    return _similarity(hypothesis, reference)


@lru_cache(maxsize=65536)
def _similarity(hypothesis: str, reference: str) -> float:
    chrf = _chrf()
    return float(chrf.sentence_score(hypothesis, [reference]).score) / 100.0


# Bead-type priors of Gale & Church (1993), Table 5; 1-0 and 0-1 share 0.0099, 1-2/2-1 0.089.
# 1-3/3-1 (not in their table) get a tenth of 1-2/2-1.
_GC_PRIOR = {
    (1, 1): 0.89,
    (1, 2): 0.0445,
    (2, 1): 0.0445,
    (1, 0): 0.00495,
    (0, 1): 0.00495,
    (1, 3): 0.00445,
    (3, 1): 0.00445,
}
_GC_VARIANCE = 6.8  # s² of their length model


def _gc_cost(len_src: int, len_ref: int, ratio: float, kind: tuple[int, int]) -> float:
    """-log P(bead) under Gale & Church: a normal model of the length difference + prior."""
    prior = -math.log(_GC_PRIOR[kind])
    if len_src == 0 and len_ref == 0:
        return prior
    mean = (len_src * ratio + len_ref) / 2.0  # their symmetric variant of l1*c
    delta = (len_ref - len_src * ratio) / math.sqrt(max(mean, 1.0) * _GC_VARIANCE)
    # Two-sided tail probability of the standard normal: P(|Z| >= |delta|).
    p = math.erfc(abs(delta) / math.sqrt(2.0))
    return prior - math.log(max(p, 1e-300))


def align(
    source: Sequence[str],
    reference: Sequence[str],
    mt: Sequence[str | None] | None = None,
    *,
    skip_penalty: float = SKIP_PENALTY,
    merge_penalty: float = MERGE_PENALTY,
    length_weight: float = LENGTH_WEIGHT,
    min_similarity: float = MIN_SIMILARITY,
) -> list[Bead]:
    """Align reference sentences to source segments; beads in order, covering both sides.

    ``mt[i]`` is a machine translation of ``source[i]`` (the bridge); a missing one (None)
    falls back to the source text itself, which still matches names and numbers. With
    ``mt=None`` the length-based Gale–Church model alone decides. In MT mode a bead gains
    ``chrF × (sentences covered) / 2`` minus ``length_weight ×`` its Gale–Church cost (the MT
    sometimes drops a sentence, the lengths still show it); 1-0/0-1 beads have no chrF and
    lose ``skip_penalty``, merges lose ``merge_penalty``.
    """
    n, m = len(source), len(reference)
    if mt is not None and len(mt) != n:
        raise ValueError(f"mt has {len(mt)} entries for {n} source segments")
    src_chars, ref_chars = sum(map(len, source)), sum(map(len, reference))
    # English characters per source character in this document (1.0 when a side is empty).
    ratio = ref_chars / src_chars if src_chars and ref_chars else 1.0
    bridge: list[str] = []
    if mt is not None:
        bridge = [t if t is not None else s for s, t in zip(source, mt, strict=True)]

    def bead(i: int, j: int, di: int, dj: int) -> tuple[float, float]:
        """(gain to maximise, stored score) of the bead ending at (i, j)."""
        len_s = sum(len(source[k]) for k in range(i - di, i))
        len_r = sum(len(reference[k]) for k in range(j - dj, j))
        cost = _gc_cost(len_s, len_r, ratio, (di, dj))
        if mt is None:
            return -cost, math.exp(-cost)
        if di == 0 or dj == 0:
            return -skip_penalty, 0.0
        sim = similarity(" ".join(bridge[i - di : i]), " ".join(reference[j - dj : j]))
        gain = (sim - min_similarity) * (di + dj) / 2.0 - (merge_penalty if di + dj > 2 else 0.0)
        return gain - length_weight * cost, sim

    neg = -math.inf
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    # A band around the diagonal keeps long documents linear-ish (Bleualign does the same).
    width = max(30, 2 * abs(n - m))
    for i in range(n + 1):
        centre = i * m // n if n else m
        for j in range(max(0, centre - width), min(m, centre + width) + 1):
            if i == 0 and j == 0:
                continue
            for di, dj in BEADS:
                if di > i or dj > j or best[i - di][j - dj] == neg:
                    continue
                gain, score = bead(i, j, di, dj)
                total = best[i - di][j - dj] + gain
                if total > best[i][j]:
                    best[i][j] = total
                    back[i][j] = (di, dj, score)
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None  # every (i, j) is reachable through 1-0/0-1 beads
        di, dj, score = step
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j)), score))
        i, j = i - di, j - dj
    beads.reverse()
    return beads
