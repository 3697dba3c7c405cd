"""Reference-free checks of one translation: named flags with a value, per segment.

Why: most of a scraped corpus has no reference, yet some failures are visible from the source
and the output alone (an empty or copied output, Vietnamese left over, a number dropped, a
hallucination loop). Each check is cheap, explainable and measured: ``benchmarks/checks.py``
prints the share of real OPUS-MT outputs (NTREX-128 and FLORES-200 dev) each one flags — an
upper bound on its false-positive rate, since those outputs are mostly fine.

A flag is a hint for review, never a verdict; nothing is dropped because of one. In a store
they are rows of ``scores`` with ``metric = 'check:<name>'`` (flagged segments only).

Each check is a pure function of (source, output, split parts) registered in :data:`REGISTRY`;
:func:`check_store` runs them over a store through its methods (no SQL here).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.errors import ConfigError

if TYPE_CHECKING:  # only for annotations: the checks themselves know nothing of storage
    from aligned.store import Store, StoredFlag, StoredTranslation

#: ``length-ratio`` bounds on log(len(output) / len(source)) in characters, for sources of at
#: least :data:`LENGTH_MIN_CHARS` characters. Calibrated by ``benchmarks/checks.py`` (which
#: recomputes them): the 0.5 % and 99.5 % quantiles of that log ratio over the two OPUS-MT
#: systems' outputs on NTREX-128 dev + FLORES-200 dev and devtest (4,008 pairs with a long
#: enough source; measured -0.748 and 0.265), rounded outwards to 0.05. The low tail is mostly
#: real omissions (a dropped second sentence), so about 1 % of lines are flagged by design.
LENGTH_RATIO_LOW = -0.75
LENGTH_RATIO_HIGH = 0.30
LENGTH_MIN_CHARS = 20
#: ``copy``: share of the output's words (≥ 2 letters) that occur in the source.
COPY_MIN_SHARE = 0.9
COPY_MIN_WORDS = 4
#: ``repetition``: an n-gram (n ≤ 4) repeated back to back this many times, or a run of one
#: punctuation character this long, that the source does not have.
REPEAT_MIN = 3
RUN_MIN = 6


@dataclass(frozen=True, slots=True)
class Flag:
    """A check that fired: its name, a value (what was measured) and a short detail."""

    name: str
    value: float
    detail: str = ""


# -- Vietnamese letters -----------------------------------------------------------------------

# Marks found in Vietnamese but (almost) never in English text or European names: hook above,
# dot below, horn, breve; plus a tilde on e/i/u/y and two stacked marks (ấ, ề, ợ...).
_VI_MARKS = {"\u0309", "\u0323", "\u031b", "\u0306"}


@functools.cache  # a text repeats its letters: each is decided once
def _is_vietnamese_letter(ch: str) -> bool:
    if ch in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) < 2 or not decomposed[0].isalpha():
        return False
    marks = decomposed[1:]
    if any(m in _VI_MARKS for m in marks) or len(marks) >= 2:
        return True
    return "\u0303" in marks and decomposed[0].lower() in "eiuy"


_WORD = re.compile(r"\w+")


def vietnamese_words(text: str) -> list[str]:
    """Words of ``text`` with a letter only Vietnamese uses (``xứalish``, ``Nguyễn``)."""
    # An ASCII word has none (no ASCII letter decomposes): most of an English output.
    return [
        w
        for w in _WORD.findall(text)
        if not w.isascii() and any(_is_vietnamese_letter(c) for c in w)
    ]


# -- numbers ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_VI_SCALE = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_EN_WORDS: dict[str, float] = {w: i for i, w in enumerate(_SMALL.split())}
_EN_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70})
_EN_WORDS.update({"eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "half": 0.5})
_EN_WORDS.update({"a": 1, "an": 1, "once": 1, "twice": 2, "single": 1, "double": 2})
_EN_WORDS.update({"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6})
_EN_WORDS.update({"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "decade": 10})
_EN_WORDS.update({"century": 100, "quarter": 4})
_ROMAN = "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx"
_EN_WORDS.update({r: i for i, r in enumerate(_ROMAN.split(), start=1) if len(r) > 1})
_MONTHS = "january february march april may june july august september october november december"
for _i, _m in enumerate(_MONTHS.split(), start=1):
    _EN_WORDS[_m] = _i
    _EN_WORDS[_m[:3]] = _i
_EN_WORDS.update({"monday": 2, "tuesday": 3, "wednesday": 4, "thursday": 5, "friday": 6})
_EN_WORDS.update({"saturday": 7, "sunday": 1})


def _readings(token: str) -> set[float]:
    """Every value a digit token can mean with either separator convention.

    ``1,5`` → 1.5 or 15; ``68.500.000`` → 68500000; ``1.234,5`` → 1234.5; ``1,234.5`` → 1234.5.
    """
    values: set[float] = {float(token.replace(".", "").replace(",", ""))}
    for group, decimal in ((".", ","), (",", ".")):
        head, sep, tail = token.rpartition(decimal)
        if sep and group not in tail:
            with contextlib.suppress(ValueError):
                values.add(float(head.replace(group, "") + "." + tail))
    return values


def _scaled(values: set[float], following: str, scales: dict[str, float]) -> set[float]:
    word = following.split(maxsplit=1)[0].lower().strip(".,;:") if following.strip() else ""
    factor = scales.get(word)
    return {round(v * factor, 6) for v in values} if factor else set()


def source_numbers(text: str) -> list[tuple[str, set[float]]]:
    """Numbers of a Vietnamese source, each with the values it may mean (scales applied)."""
    out = []
    for m in _NUMBER.finditer(text):
        values = _readings(m.group())
        values |= _scaled(values, text[m.end() :], _VI_SCALE)
        out.append((m.group(), {round(v, 6) for v in values}))
    return out


_LOWER_WORD = re.compile(r"[a-z]+")


def target_values(text: str) -> set[float]:
    """Every value the English output mentions, read leniently (parts, words, months, scales)."""
    values: set[float] = set()
    for m in _NUMBER.finditer(text):
        readings = _readings(m.group())
        readings |= {float(p) for p in re.split(r"[.,]", m.group()) if p}
        values |= readings | _scaled(readings, text[m.end() :], _EN_SCALE)
    for word in _EN_WORDS.keys() & set(_LOWER_WORD.findall(text.lower())):
        values.add(float(_EN_WORDS[word]))
    return {round(v, 6) for v in values}


def missing_numbers(source: str, target: str) -> list[str]:
    """Source numbers none of whose readings appears in the output."""
    found = target_values(target)
    return [tok for tok, values in source_numbers(source) if not values & found]


# -- the other checks -------------------------------------------------------------------------


def _normalized_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w) >= 2 and not w.isdigit()]


def copy_share(source: str, target: str) -> float:
    """Share of the output's words (≥ 2 letters, no numbers) that occur in the source."""
    words = _normalized_words(target)
    if not words:
        return 0.0
    src = set(_normalized_words(source))
    return sum(w in src for w in words) / len(words)


_TOKEN = re.compile(r"\w+(?:['’]\w+)*")  # hyphens split: a-a-a-a is a loop


def max_repeat(text: str) -> int:
    """The most times an n-gram of words (n = 1..4) occurs back to back in ``text``
    (punctuation between the words is ignored: "no, no, no" repeats "no" 3 times)."""
    words = _TOKEN.findall(text.lower())
    best = 1
    for n in range(1, 5):
        for start in range(n):
            run = 1
            prev: tuple[str, ...] | None = None
            for i in range(start, len(words) - n + 1, n):
                gram = tuple(words[i : i + n])
                run = run + 1 if gram == prev else 1
                prev = gram
                best = max(best, run)
    return best


_PUNCT_RUN = re.compile(rf"([^\w\s])\1{{{RUN_MIN - 1},}}")


def longest_punct_run(text: str) -> int:
    return max((len(m.group()) for m in _PUNCT_RUN.finditer(text)), default=0)


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def unbalanced(text: str) -> list[str]:
    """Bracket kinds whose openings and closings do not match, and ``"`` for an odd number of
    double quotes (straight and curly counted together: the model turns “ ” into ")."""
    counts = Counter(text)
    bad = [f"{o}{c}" for o, c in _PAIRS.items() if counts[o] != counts[c]]
    if (counts['"'] + counts["“"] + counts["”"]) % 2:
        bad.append('"')
    return bad


_SINGLE_QUOTE = re.compile(r"[‘’]|(?<!\w)'|'(?!\w)")


# -- the checks: one function each, (source, output, split parts) -> Flag or None -------------
# Each runs on a non-blank source and a non-blank output (check_pair handles blank ones).


def check_empty(source: str, target: str, split: int = 0) -> Flag | None:
    return Flag("empty", 1.0, "no output") if not target.strip() else None


def check_copy(source: str, target: str, split: int = 0) -> Flag | None:
    if source.strip() == target.strip():
        return Flag("copy", 1.0, "output is the source")
    share = copy_share(source, target)
    if share >= COPY_MIN_SHARE and len(_normalized_words(target)) >= COPY_MIN_WORDS:
        return Flag("copy", round(share, 4), f"{share:.0%} of the words are the source's")
    return None


def check_vietnamese_left(source: str, target: str, split: int = 0) -> Flag | None:
    vi = vietnamese_words(target)
    return Flag("vietnamese-left", float(len(vi)), " ".join(vi[:10])) if vi else None


def check_numbers(source: str, target: str, split: int = 0) -> Flag | None:
    missing = missing_numbers(source, target)
    return Flag("numbers", float(len(missing)), " ".join(missing[:10])) if missing else None


def check_length_ratio(source: str, target: str, split: int = 0) -> Flag | None:
    if len(source) < LENGTH_MIN_CHARS or not target:
        return None
    ratio = math.log(len(target) / len(source))
    if LENGTH_RATIO_LOW <= ratio <= LENGTH_RATIO_HIGH:
        return None
    return Flag(
        "length-ratio",
        round(ratio, 4),
        f"output/source length {len(target)}/{len(source)} = {math.exp(ratio):.2f}",
    )


def check_repetition(source: str, target: str, split: int = 0) -> Flag | None:
    rep = max_repeat(target)
    if rep >= REPEAT_MIN and rep > max_repeat(source):
        return Flag("repetition", float(rep), f"an n-gram repeated {rep} times in a row")
    run = longest_punct_run(target)
    if run > longest_punct_run(source):
        return Flag("repetition", float(run), f"a run of {run} punctuation characters")
    return None


def check_split(source: str, target: str, split: int = 0) -> Flag | None:
    return Flag("split", float(split), f"input translated in {split} parts") if split > 1 else None


def check_brackets(source: str, target: str, split: int = 0) -> Flag | None:
    bad = [b for b in unbalanced(target) if b not in unbalanced(source)]
    if _SINGLE_QUOTE.search(source):  # 'x' and ‘x’ often come out as "x": parity means nothing
        bad = [b for b in bad if b != '"']
    return Flag("brackets", float(len(bad)), " ".join(bad)) if bad else None


def check_not_english(source: str, translation: str, split: int = 0) -> Flag | None:
    """Flag ``translation`` when it is long enough to judge and P(en) < ``NOT_ENGLISH_BELOW``.

    Why: a vi→en output that is not English (Vietnamese copied through, a hallucination in
    another language, a bare name list) is a failed translation that ``vietnamese-left`` does
    not see. The identifier and its rule live in ``corpus.langid`` (py3langid). Measured on
    the real OPUS-MT outputs in ``shared/data/*/systems/`` (4,024 English outputs): 2 flagged
    (0.05 %), both headline name lists; ``benchmarks/langid.py`` recomputes it. The value is
    P(en); the detail names the most likely language.
    """
    del source, split
    from corpus.langid import MIN_LETTERS, NOT_ENGLISH_BELOW, language_probabilities, letters

    if letters(translation) < MIN_LETTERS:
        return None
    probs = language_probabilities(translation)
    p_en = probs.get("en", 0.0)
    if p_en >= NOT_ENGLISH_BELOW:
        return None
    best = max(probs, key=lambda lang: probs[lang])
    return Flag(
        "not-english", round(p_en, 4), f"P(en)={p_en:.3f}; most likely {best} ({probs[best]:.2f})"
    )


def check_not_english_many(pairs: Sequence[tuple[str, str, int]]) -> list[Flag | None]:
    """:func:`check_not_english` of many (source, translation, split) at once: the model runs
    over all translations together (``corpus.langid.not_english_many``, ~10x faster); only
    the flagged ones are ranked alone, for the detail."""
    from corpus.langid import not_english_many

    flagged = not_english_many([t for _, t, _ in pairs])
    return [
        check_not_english(*pair) if hit else None for pair, hit in zip(pairs, flagged, strict=True)
    ]


# -- the registry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """A registered check: its name (the flag's), its function and one line of help."""

    name: str
    func: Callable[[str, str, int], Flag | None]
    help: str
    #: The check over many pairs at once, equal to ``func`` on each (for a whole store).
    many: Callable[[Sequence[tuple[str, str, int]]], list[Flag | None]] | None = None


#: Every check, in report order. Adding a check = one function above + one line here + tests;
#: ``songngu check`` (help, ``--checks``), the store runner and the benchmark read this.
REGISTRY: dict[str, Check] = {
    c.name: c
    for c in (
        Check("empty", check_empty, "the output is empty"),
        Check(
            "copy", check_copy, "the output is the source, or ≥ 90% of its words are the source's"
        ),
        Check(
            "vietnamese-left",
            check_vietnamese_left,
            "Vietnamese letters (đ, ư, ơ, ạ, ả, ấ...) left in the English",
        ),
        Check(
            "numbers",
            check_numbers,
            "a number, date, percentage or amount of the source is not in the output "
            "(1,5 = 1.5; 68.500.000 = 68,500,000 = 68.5 million; 18/4 = April 18)",
        ),
        Check(
            "length-ratio",
            check_length_ratio,
            "output/source length outside the range of real systems' outputs",
        ),
        Check(
            "repetition",
            check_repetition,
            "an n-gram repeated 3+ times in a row, or a punctuation run, not in the source",
        ),
        Check("split", check_split, "the input was too long for the model and translated in parts"),
        Check(
            "brackets",
            check_brackets,
            "brackets or double quotes unbalanced in the output but not in the source",
        ),
        Check(
            "not-english",
            check_not_english,
            "language identification says the output is not English (≥ 15 letters)",
            check_not_english_many,
        ),
    )
}
CHECKS = tuple(REGISTRY)


def check_pair(
    source: str, target: str, *, split: int = 0, names: Iterable[str] = CHECKS
) -> list[Flag]:
    """The checks ``names`` (default: all) on one (source, output) pair, in registry order.

    ``split`` = parts if the input was split. A blank source gets no flag; a blank output gets
    only ``empty`` (the other checks measure an output that is not there).
    """
    wanted = set(names)
    if not source.strip():
        return []
    if not target.strip():
        return [Flag("empty", 1.0, "no output")] if "empty" in wanted else []
    flags = []
    for check in REGISTRY.values():
        if check.name in wanted:
            flag = check.func(source, target, split)
            if flag is not None:
                flags.append(flag)
    return flags


def check_pairs(
    rows: Sequence[StoredTranslation], names: Iterable[str] = CHECKS
) -> list[list[Flag]]:
    """:func:`check_pair` of each row (``.source``, ``.text``, ``.split``), with the checks
    that have a ``many`` form run over all rows at once."""
    wanted = set(names)
    batched = {
        c.name: iter(c.many([(r.source, r.text, r.split) for r in rows if _checkable(r)]))
        for c in REGISTRY.values()
        if c.name in wanted and c.many is not None
    }
    out = []
    for r in rows:
        if not _checkable(r):
            out.append(check_pair(r.source, r.text, split=r.split, names=wanted))
            continue
        flags = []
        for check in REGISTRY.values():
            if check.name in wanted:
                got = batched.get(check.name)
                flag = next(got) if got is not None else check.func(r.source, r.text, r.split)
                if flag is not None:
                    flags.append(flag)
        out.append(flags)
    return out


def _checkable(row: StoredTranslation) -> bool:
    """Whether :func:`check_pair` runs the checks on the row (a source and an output)."""
    return bool(row.source.strip()) and bool(row.text.strip())


def unknown_checks(names: Iterable[str]) -> list[str]:
    """The names that are not registered checks (for an error naming them)."""
    return [n for n in names if n not in REGISTRY]


# -- running them over a store ----------------------------------------------------------------


def check_store(store: Store, signature: str, names: Iterable[str] = CHECKS) -> dict[str, int]:
    """Run the checks ``names`` (default: all) on the translations of ``signature`` and store
    the flags.

    Earlier flags of those checks for that system are replaced (one transaction). Returns the
    number of flagged segments per check (every check run is named, zeros included) and
    ``segments`` checked.
    """
    asked = tuple(names)
    if unknown := unknown_checks(asked):
        raise ConfigError(
            f"unknown check {', '.join(map(repr, unknown))}; the checks are {', '.join(CHECKS)}"
        )
    selected = [n for n in CHECKS if n in asked]
    rows = store.stored_translations(signature)
    checked = check_pairs(rows, selected)
    found = [(t.segment, f) for t, flags in zip(rows, checked, strict=True) for f in flags]
    every = len(selected) == len(CHECKS)
    store.replace_check_flags(signature, found, None if every else selected)
    counts = {name: 0 for name in selected}
    counts.update(Counter(f.name for _, f in found))
    counts["segments"] = len(rows)
    return counts


def stored_flags(store: Store, signature: str, names: Iterable[str] = CHECKS) -> list[StoredFlag]:
    """Flags stored for ``signature``, in (doc, para, sent, check) order."""
    return store.stored_flags(signature, names)
