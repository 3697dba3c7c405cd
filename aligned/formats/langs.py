"""Language tags of other tools' files: matching the sides a user chose, counting the rest.

Why one module: TMX, TSV headers and XLIFF all name languages, and the rule for picking the
source and target side of a unit must be the same everywhere.

Rules (:func:`pick_sides`): a tag matches a wanted one ignoring case and treating ``_`` as
``-`` (``EN_us`` = ``en-US``); a wanted tag without a subtag (``en``) matches every region
(``en``, ``en-US``, ``en-GB``), a wanted ``en-GB`` only ``en-GB``. When several of a unit's
texts match one side, the first in document order wins; the side asked for with the more
specific tag chooses first, so ``--source-lang en --target-lang en-GB`` on a unit with en-US
and en-GB texts gives en-US → en-GB. Tags are kept as the file wrote them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_SOURCE = "vi"
DEFAULT_TARGET = "en"


def norm(tag: str) -> str:
    """``tag`` for comparison: lower case, ``_`` as ``-``, no surrounding space."""
    return tag.strip().replace("_", "-").lower()


def matches(tag: str, wanted: str) -> bool:
    """Whether the file's ``tag`` is the language ``wanted`` (rules: module docstring)."""
    t, w = norm(tag), norm(wanted)
    return t == w or ("-" not in w and t.split("-", 1)[0] == w)


def pick_sides(tags: Sequence[str], source: str, target: str) -> tuple[int | None, int | None]:
    """Indexes into ``tags`` of the source and target text of one unit (None = absent)."""
    order = (0, 1) if norm(source).count("-") >= norm(target).count("-") else (1, 0)
    wanted = (source, target)
    chosen: list[int | None] = [None, None]
    for side in order:
        for i, tag in enumerate(tags):
            if i not in chosen and matches(tag, wanted[side]):
                chosen[side] = i
                break
    return chosen[0], chosen[1]


@dataclass
class ReadStats:
    """What a reader saw besides the pairs it yields, for the import summary and errors."""

    units: int = 0  # translation units (TMX tu, XLIFF unit, TSV row) read
    languages: Counter[str] = field(default_factory=Counter)  # tag as written → units holding it
    missing: int = 0  # units without a text in one (or both) of the chosen languages
    other_texts: int = 0  # texts in other languages, kept in extra as lang:TAG
    reversed: int = 0  # units whose original direction was target → source

    def language_list(self) -> str:
        """The languages seen, most frequent first (``en-US (3), fr (1)``)."""
        return ", ".join(f"{tag} ({n})" for tag, n in self.languages.most_common()) or "none"
