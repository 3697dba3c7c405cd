"""Export filters: which of a store's pairs a training corpus should leave out, and why.

Why here: a corpus builder trains on what ``songngu export`` writes, and the anchors for that job
(OpusFilter, Bicleaner) drop pairs by flags, length, length ratio and duplicates. Each filter is
a small function ``AlignedPair -> reason | None`` (None = keep); :class:`Pipeline` runs them in
a fixed order over the pair iterator, as the pairs stream past, and counts what each removed, so
the export can say "removed: 30 duplicate source, 12 check:numbers, ...". A pair is counted
once, under the first filter that removes it.

Order: noise flags (``corpus.flags``), check flags (``aligned.checks``, as stored by ``songngu
check``/``run``), minimum and maximum length, length ratio, then duplicates last, so that
"keep the first" means the first pair that passed every other filter.

Memory: nothing is held per pair except by ``--dedup``, which keeps one 8-byte hash per distinct
source (a Python int in a set, about 70 bytes each), and the positions of the pairs the
requested checks flagged (read once from the store).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aligned.checks import CHECKS
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError
from corpus.flags import DROP_BY_DEFAULT, FLAGS

if TYPE_CHECKING:  # annotations only: the filters use the store through its public methods
    from aligned.store import Store

#: A filter: the reason a pair is removed ("check:numbers", "longer than 500 chars"), or None.
PairFilter = Callable[[AlignedPair], str | None]
#: Makes a fresh filter for one pass over the pairs (``dedup`` starts with an empty set).
Step = Callable[[], PairFilter]

#: ``--drop`` prefix that names a check explicitly (``check:numbers``; bare ``numbers`` works too).
CHECK_PREFIX = "check:"
DUPLICATE = "duplicate source"


@dataclass(frozen=True, slots=True)
class Drop:
    """What ``--drop`` names: noise flags (on the segment) and checks (stored per system)."""

    flags: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()


def parse_drop(value: str) -> Drop:
    """``--drop``: comma-separated noise flags and check names, ``default`` (the flags
    ``corpus.flags.DROP_BY_DEFAULT``) and ``none`` (adds nothing: ``none`` alone keeps all,
    ``none,numbers`` drops by that check only); ``check:NAME`` names a check explicitly.
    Unknown names are a ConfigError listing the valid ones."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    flags: set[str] = set()
    checks: set[str] = set()
    unknown = []
    for name in names:
        if name == "none":  # no noise flag ("none,numbers": only the check)
            continue
        if name == "default":
            flags |= DROP_BY_DEFAULT
        elif name.startswith(CHECK_PREFIX) and name[len(CHECK_PREFIX) :] in CHECKS:
            checks.add(name[len(CHECK_PREFIX) :])
        elif name in FLAGS:
            flags.add(name)
        elif name in CHECKS:
            checks.add(name)
        else:
            unknown.append(name)
    if unknown:
        raise ConfigError(
            f"unknown flag or check {', '.join(map(repr, unknown))} in --drop; noise flags: "
            f"{', '.join(FLAGS)}; checks: {', '.join(CHECKS)} (or 'default', 'none')"
        )
    return Drop(frozenset(flags), frozenset(checks))


def drop_help() -> str:
    """What ``--drop`` accepts besides the noise flags, for ``export --help``."""
    return f"checks (stored by `songngu check` or `run`): {', '.join(CHECKS)}"


# -- the filters --------------------------------------------------------------------------------


def flag_filter(drop: frozenset[str]) -> PairFilter:
    """Remove pairs whose segment carries a noise flag of ``drop`` (reason: "flagged NAME",
    the pair's first such flag)."""

    def f(pair: AlignedPair) -> str | None:
        for name in pair.flags:
            if name in drop:
                return f"flagged {name}"
        return None

    return f


def check_filter(flagged: Mapping[tuple[str, int, int], str]) -> PairFilter:
    """Remove pairs whose (doc, para, sent) is in ``flagged`` (position → check name);
    reason "check:NAME". A pair a reviewer accepted or edited is kept: a check flag is a hint
    for review, and the review has decided (the flag was computed on the machine output)."""

    def f(pair: AlignedPair) -> str | None:
        if pair.reviewed:
            return None
        name = flagged.get((pair.doc, pair.para, pair.sent))
        return None if name is None else CHECK_PREFIX + name

    return f


def min_chars_filter(n: int) -> PairFilter:
    """Remove pairs with a side (source or target) shorter than ``n`` characters."""
    reason = f"shorter than {n} chars"

    def f(pair: AlignedPair) -> str | None:
        return reason if len(pair.source) < n or len(pair.target) < n else None

    return f


def max_chars_filter(n: int) -> PairFilter:
    """Remove pairs with a side longer than ``n`` characters (a 1 MB "sentence" is no
    training pair)."""
    reason = f"longer than {n} chars"

    def f(pair: AlignedPair) -> str | None:
        return reason if len(pair.source) > n or len(pair.target) > n else None

    return f


def length_ratio(source: str, target: str) -> float:
    """Longer side / shorter side in characters, as OpusFilter's LengthRatioFilter with
    ``unit: char``: 0 when both are empty, infinity when only one is."""
    short, long = sorted((len(source), len(target)))
    if short == 0:
        return 0.0 if long == 0 else float("inf")
    return long / short


def ratio_filter(limit: float) -> PairFilter:
    """Remove pairs whose :func:`length_ratio` is above ``limit``."""
    reason = f"length ratio above {limit:g}"

    def f(pair: AlignedPair) -> str | None:
        return reason if length_ratio(pair.source, pair.target) > limit else None

    return f


def normalize_source(text: str) -> str:
    """The form under which two sources are duplicates: NFC, casefolded, whitespace runs
    (NBSP included) as one space, stripped."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return " ".join(folded.split())


def source_key(text: str) -> int:
    """An 8-byte hash of :func:`normalize_source`: what ``--dedup`` keeps per distinct source.
    (BLAKE2b, so the same in every process, unlike Python's ``hash``; a false duplicate needs a
    64-bit collision, about 1 in 3·10^7 at a billion distinct sources.)"""
    digest = hashlib.blake2b(normalize_source(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def dedup_filter() -> PairFilter:
    """Remove a pair whose normalized source was seen before in this pass (the first is kept)."""
    seen: set[int] = set()

    def f(pair: AlignedPair) -> str | None:
        key = source_key(pair.source)
        if key in seen:
            return DUPLICATE
        seen.add(key)
        return None

    return f


# -- the pipeline -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """The export's filter options (None / False = that filter is off)."""

    drop: Drop = Drop()
    min_chars: int | None = None
    max_chars: int | None = None
    max_ratio: float | None = None
    dedup: bool = False

    def __post_init__(self) -> None:
        for name, value in (("--min-chars", self.min_chars), ("--max-chars", self.max_chars)):
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        if self.max_ratio is not None and not self.max_ratio >= 1.0:  # NaN fails too
            raise ConfigError(
                f"--max-ratio must be at least 1 (longer side / shorter side), got "
                f"{self.max_ratio}; e.g. --max-ratio 3"
            )
        if (
            self.min_chars is not None
            and self.max_chars is not None
            and self.min_chars > self.max_chars
        ):
            raise ConfigError(
                f"--min-chars {self.min_chars} is above --max-chars {self.max_chars}; "
                "no pair could pass: lower --min-chars or raise --max-chars"
            )


class Pipeline:
    """The filters of one export, in order; :meth:`filter` streams one pass over the pairs."""

    def __init__(self, steps: Sequence[Step], *, checks_without_flags: Sequence[str] = ()) -> None:
        self.steps = tuple(steps)
        #: The checks asked for, when no check flag at all is stored for the system (then
        #: ``songngu check`` has most likely never run on it: a real run flags something).
        self.checks_without_flags = tuple(checks_without_flags)

    def filter(
        self, pairs: Iterable[AlignedPair], removed: Counter[str] | None = None
    ) -> Iterator[AlignedPair]:
        """The pairs every filter keeps, in input order; ``removed`` counts the rest by
        reason. Each call starts afresh (a new dedup set)."""
        filters = [make() for make in self.steps]
        for pair in pairs:
            for f in filters:
                reason = f(pair)
                if reason is not None:
                    if removed is not None:
                        removed[reason] += 1
                    break
            else:
                yield pair


def check_positions(
    store: Store, signature: str, checks: Iterable[str]
) -> tuple[dict[tuple[str, int, int], str], set[str]]:
    """(doc, para, sent) → the first (in registry order) of ``checks`` stored as a flag for
    ``signature``'s translation there; and the names of the checks that flagged anything."""
    wanted = frozenset(checks)
    rank = {name: i for i, name in enumerate(CHECKS)}
    out: dict[tuple[str, int, int], str] = {}
    seen: set[str] = set()
    for flag in store.stored_flags(signature, wanted):
        seen.add(flag.name)
        key = (flag.doc, flag.para, flag.sent)
        old = out.get(key)
        if old is None or rank[flag.name] < rank[old]:
            out[key] = flag.name
    return out, seen


def build_pipeline(
    options: FilterOptions, store: Store | None = None, signature: str = ""
) -> Pipeline:
    """The pipeline for ``options``; check filters read ``signature``'s stored flags from
    ``store`` (needed only when ``options.drop.checks`` names some)."""
    steps: list[Step] = []
    silent: list[str] = []
    if options.drop.flags:
        f = flag_filter(options.drop.flags)
        steps.append(lambda: f)
    if options.drop.checks:
        if store is None:
            raise ValueError("check filters need the store their flags are kept in")
        positions, found = check_positions(store, signature, options.drop.checks)
        if not found and not store.check_metrics_by_segment(signature):
            silent = [n for n in CHECKS if n in options.drop.checks]
        c = check_filter(positions)
        steps.append(lambda: c)
    if options.min_chars is not None:
        mn = min_chars_filter(options.min_chars)
        steps.append(lambda: mn)
    if options.max_chars is not None:
        mx = max_chars_filter(options.max_chars)
        steps.append(lambda: mx)
    if options.max_ratio is not None:
        r = ratio_filter(options.max_ratio)
        steps.append(lambda: r)
    if options.dedup:
        steps.append(dedup_filter)
    return Pipeline(steps, checks_without_flags=silent)


def describe_removed(removed: Mapping[str, int]) -> str:
    """``"30 duplicate source, 12 check:numbers"``: most removed first, '' when none."""
    items = sorted(((n, r) for r, n in removed.items() if n), key=lambda x: (-x[0], x[1]))
    return ", ".join(f"{n} {r}" for n, r in items)
