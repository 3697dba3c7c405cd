"""Split inputs that are longer than the model can read, instead of truncating them.

Marian models have a fixed number of positions (512 for opus-mt); a longer input would be cut
by the tokenizer or crash the model. We split at the most natural boundary that makes every
part fit -- sentence ends, then ``;``, ``:``, ``,``, spaced dashes, then any whitespace -- and
only as a last resort at character windows (text with no spaces, e.g. Chinese). Parts are
translated separately and rejoined with a space. Pure Python: the token counter is injected.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Boundaries, most natural first. A break goes *after* the punctuation and replaces the
# whitespace that follows it, so "1,5" or "10:30" are never broken.
LEVELS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<=[.!?])\s+"),
    re.compile(r"(?<=;)\s+"),
    re.compile(r"(?<=:)\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"(?<=\s[-–—])\s+"),
    re.compile(r"\s+"),
)

Counter = Callable[[str], int]


def split_to_fit(text: str, count: Counter, limit: int) -> list[str]:
    """Split ``text`` into parts with ``count(part) <= limit``; ``" ".join`` of them is ``text``
    up to whitespace. ``count`` gives the number of model tokens of a text (without EOS)."""
    if limit < 1:
        raise ValueError(f"token limit must be at least 1, got {limit}")
    text = text.strip()
    if not text:
        return []
    if count(text) <= limit:
        return [text]
    return _split(text, count, limit, 0)


def _split(text: str, count: Counter, limit: int, level: int) -> list[str]:
    if level >= len(LEVELS):
        return _windows(text, count, limit)
    pieces = [p for p in LEVELS[level].split(text) if p]
    if len(pieces) == 1:
        return _split(text, count, limit, level + 1)
    out: list[str] = []
    current: list[str] = []
    current_n = 0
    for piece in pieces:
        n = count(piece)
        if n > limit:
            if current:
                out.extend(_checked(" ".join(current), count, limit, level))
                current, current_n = [], 0
            out.extend(_split(piece, count, limit, level + 1))
            continue
        # Token counts add up across whitespace (SentencePiece never merges across it), so the
        # sum is a good estimate; _checked re-counts the joined chunk and splits it if not.
        if current and current_n + n > limit:
            out.extend(_checked(" ".join(current), count, limit, level))
            current, current_n = [], 0
        current.append(piece)
        current_n += n
    if current:
        out.extend(_checked(" ".join(current), count, limit, level))
    return out


def _checked(chunk: str, count: Counter, limit: int, level: int) -> list[str]:
    if count(chunk) <= limit:
        return [chunk]
    return _split(chunk, count, limit, level + 1)


def _windows(text: str, count: Counter, limit: int) -> list[str]:
    """Longest character prefixes that fit, found by binary search (last resort)."""
    out: list[str] = []
    rest = text
    while rest:
        if count(rest) <= limit:
            out.append(rest)
            break
        lo, hi = 1, len(rest)  # invariant: prefix of length lo fits or lo == 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(rest[:mid]) <= limit:
                lo = mid
            else:
                hi = mid - 1
        # A single character always goes through, so this always progresses.
        part = rest[:lo].strip()
        if part:
            out.append(part)
        rest = rest[lo:].lstrip()
    return out
