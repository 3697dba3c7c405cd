"""Offset maps: trace positions in cleaned text back to the original text.

Cleaning edits text (NFC, removed invisibles, inserted spaces), yet every segment must point
back into the file it came from. Each edit step records the spans it replaced; a position in
the new text is mapped back by bisecting those spans. Steps chain, so a segment boundary is
mapped through every step only once, at the end. Hand-written because no library keeps
character offsets across arbitrary regex rewrites.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Edit:
    """``new[new_start:new_end]`` replaced ``old[old_start:old_end]``."""

    new_start: int
    new_end: int
    old_start: int
    old_end: int


@dataclass(slots=True)
class OffsetMap:
    """Maps positions of one edited text back to the text before the edit."""

    edits: list[Edit] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [e.new_start for e in self.edits]

    def __bool__(self) -> bool:
        return bool(self.edits)

    def to_old(self, pos: int, *, end: bool = False) -> int:
        """Old position of new position ``pos``.

        ``end=False`` maps a segment start, ``end=True`` a segment end: a position strictly
        inside a replaced span goes to the span's old start or old end respectively, so a
        segment always covers whole original characters.
        """
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return pos
        e = self.edits[i]
        if pos >= e.new_end:
            return e.old_end + (pos - e.new_end)
        if pos == e.new_start:
            return e.old_start
        return e.old_end if end else e.old_start

    def to_old_sorted(self, positions: list[int], *, end: bool = False) -> list[int]:
        """``[self.to_old(p, end=end) for p in positions]`` for ascending ``positions``.

        Why: a ``--segment lines`` block maps two positions per line through maps of a few
        edits. Between two edits the map is one shift, applied to the whole run of positions
        at once; a position inside an edit or at its ends goes through :meth:`to_old`.
        """
        if not self.edits:
            return positions
        out: list[int] = []
        i = 0
        shift = 0  # old - new after the previous edit
        for e in self.edits:
            j = bisect_left(positions, e.new_start, i)
            out += positions[i:j] if not shift else [p + shift for p in positions[i:j]]
            i = bisect_right(positions, e.new_end, j)
            out += [self.to_old(p, end=end) for p in positions[j:i]]
            shift = e.old_end - e.new_end
        out += positions[i:] if not shift else [p + shift for p in positions[i:]]
        return out


@dataclass(slots=True)
class MapChain:
    """A sequence of OffsetMaps, newest last."""

    maps: list[OffsetMap] = field(default_factory=list)

    def add(self, m: OffsetMap) -> None:
        if m:
            self.maps.append(m)

    def to_old(self, pos: int, *, end: bool = False) -> int:
        for m in reversed(self.maps):
            pos = m.to_old(pos, end=end)
        return pos

    def to_old_sorted(self, positions: list[int], *, end: bool = False) -> list[int]:
        """``[self.to_old(p, end=end) for p in positions]`` for ascending ``positions`` (each map
        keeps them ascending: ``to_old`` never decreases)."""
        for m in reversed(self.maps):
            positions = m.to_old_sorted(positions, end=end)
        return positions


def substitute(
    text: str,
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> tuple[str, OffsetMap, int]:
    """``pattern.sub(repl, text)`` that also returns the offset map and the number of changes.

    Matches whose replacement equals the matched text are not counted and not recorded.
    """
    parts: list[str] = []
    edits: list[Edit] = []
    last = 0
    shift = 0  # new position - old position, accumulated
    for m in pattern.finditer(text):
        new = repl(m)
        old = m.group(0)
        if new == old:
            continue
        s, e = m.span()
        parts.append(text[last:s])
        ns = s + shift
        edits.append(Edit(ns, ns + len(new), s, e))
        parts.append(new)
        shift += len(new) - (e - s)
        last = e
    if not edits:
        return text, OffsetMap(), 0
    parts.append(text[last:])
    return "".join(parts), OffsetMap(edits), len(edits)


def diff_map(old: str, new: str) -> OffsetMap:
    """Coarse map for a whole-text rewrite: one edit between common prefix and suffix."""
    if old == new:
        return OffsetMap()
    p = 0
    n = min(len(old), len(new))
    while p < n and old[p] == new[p]:
        p += 1
    s = 0
    while s < n - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return OffsetMap([Edit(p, len(new) - s, p, len(old) - s)])


def spans_to_old(chain: MapChain, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(chain.to_old(s), chain.to_old(e, end=True)) for s, e in spans]
