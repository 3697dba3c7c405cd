"""Clean decoded Vietnamese text before segmentation, keeping offsets back to the input.

Every step is one precompiled regex run through ``offsets.substitute``, so it records what it
replaced, and the returned ``MapChain`` maps any position of the cleaned text back to the input.
A step whose pattern does not occur costs one scan (or less: ``str.isascii`` and
``unicodedata.is_normalized`` skip whole steps on plain text).

The tone-mark step is hand-written on purpose: Unicode normalization does not touch it
(``hoà`` and ``hòa`` are both NFC), and the one library that places Vietnamese tone marks,
underthesea's ``text_normalize``, re-tokenizes the text and joins tokens with spaces
(``18/4/1946 , tăng 1,5 %``), so it cannot run on text whose offsets we keep; its per-word
helper is internal and also respells ``qui`` -> ``quy`` (Qui Nhơn). The rule is small: only the
open syllables ending in oa/oe/uy differ between the two styles (segmentation study §6).

Steps, in order (each named in ``Cleaned.counts`` when it changed something):

1. ``newlines``: ``\\r\\n``, ``\\r``, U+0085/U+2028/U+2029 -> ``\\n`` (always on; lines are the
   caller's paragraphs).
2. ``invisibles``: zero-width characters, soft hyphen, C0/C1 controls removed. It runs before NFC
   so that a zero-width character between a letter and its combining mark cannot block
   composition. Whitespace-like controls (VT, FF, U+001C..U+001F) become spaces in step 5
   instead: removing them would glue two words together.
3. ``nfc``: composition, chunk-wise on base+combining runs; word-by-word fallback if needed.
4. ``lookalikes``: ``Ð/ð`` (U+00D0/U+00F0, Icelandic eth) -> ``Đ/đ``.
5. ``spaces``: odd spaces and tabs -> space, runs collapsed, every line stripped.
6. ``tone_style``: ``hoà`` -> ``hòa`` (old style, the default) or the reverse.
7. ``missing_space``: ``gái.Dựa`` -> ``gái. Dựa``, never in URLs, e-mail addresses, domains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from corpus.errors import ConfigError
from corpus.offsets import Edit, MapChain, OffsetMap, substitute

__all__ = ["DEFAULT_OPTIONS", "CleanOptions", "Cleaned", "clean_text"]

ToneStyle = Literal["old", "new", "keep"]


@dataclass(frozen=True)
class CleanOptions:
    """Which cleaning steps run; all on by default, tone marks to the old style."""

    nfc: bool = True
    lookalikes: bool = True
    spaces: bool = True
    invisibles: bool = True
    tone_style: ToneStyle = "old"
    missing_space: bool = True

    def __post_init__(self) -> None:
        if self.tone_style not in ("old", "new", "keep"):
            raise ConfigError(
                f"unknown tone style {self.tone_style!r}: use 'old' (hòa), 'new' (hoà) or 'keep'"
            )


DEFAULT_OPTIONS = CleanOptions()


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text, the map back to the input, and the number of changes per step."""

    text: str
    chain: MapChain
    counts: dict[str, int] = field(default_factory=dict)

    def span_to_old(self, start: int, end: int) -> tuple[int, int]:
        """Input span of the cleaned span ``text[start:end]``."""
        return self.chain.to_old(start), self.chain.to_old(end, end=True)


_Repl = Callable[[re.Match[str]], str]

# 1. newlines
_NEWLINES = re.compile("\r\n|[\r\x85\u2028\u2029]")

# 2. invisibles: zero-width space/joiners, word joiner, BOM, soft hyphen, C0/C1 controls except
# newline, tab and the whitespace-like ones (VT, FF, FS..US: step 5), and NEL (step 1).
_INVISIBLES = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]+")

# 3. NFC: a base (never whitespace) with the combining marks that follow it. The ranges cover
# Latin/Vietnamese diacritics; anything else still not NFC afterwards takes the fallback.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_NFC_CHUNK = re.compile(f"\\S?[{_MARKS}]+")
# The fallback's chunks: maximal runs of non-ASCII characters, with the printable ASCII before
# them (a possible base). ASCII characters are starters and no canonical decomposition has one
# after its first character, so NFC never composes or reorders across an ASCII character: NFC run
# by run is NFC of the whole text, and an edit never spans a word's ASCII letters, punctuation
# or spaces (where segment boundaries fall).
_NFC_RUN = re.compile(r"[\x21-\x7e]?[^\x00-\x7f]+")

# 4. look-alike letters
_LOOKALIKE_MAP = {"\u00d0": "\u0110", "\u00f0": "\u0111"}
_LOOKALIKES = re.compile("[\u00d0\u00f0]")

# 5. spaces: S = every horizontal space we normalize (the ASCII space included), S' = those that
# are not an ASCII space. Each match is a whole run: at a line edge it goes, elsewhere it becomes
# one space (a lone ASCII space never matches).
_SP = " \t\x0b\x0c\x1c-\x1f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SP_ODD = "\t\x0b\x0c\x1c-\x1f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"^[{_SP}]+|[{_SP}]+$|[{_SP}]{{2,}}|[{_SP_ODD}]", re.MULTILINE)

# 6. tone marks: a vowel pair at the end of a word (``oà``), then _tone checks that what comes
# before it in the word is a Vietnamese onset (q excluded: ``quý`` keeps its mark on y in both
# styles; ``Chloé`` has no Vietnamese onset). Scanning for the pair first is 10x faster than a
# pattern that starts with the onset.
_TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"  # huyền sắc hỏi ngã nặng
_ONSETS = frozenset(
    {"", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh"}
    | {"nh", "p", "ph", "r", "s", "t", "th", "tr", "v", "x"}
)
_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _tone_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Map new-style pairs (``oà``) to old-style (``òa``), every case combination and tone."""
    new_to_old: dict[str, str] = {}
    for first, second in _PAIRS:
        for f in (first, first.upper()):
            for s in (second, second.upper()):
                for mark in _TONE_MARKS:
                    toned_f = unicodedata.normalize("NFC", f + mark)
                    toned_s = unicodedata.normalize("NFC", s + mark)
                    new_to_old[f + toned_s] = toned_f + s
    return new_to_old, {old: new for new, old in new_to_old.items()}


def _tone_pattern(table: dict[str, str]) -> re.Pattern[str]:
    firsts = "".join(sorted({k[0] for k in table}))
    seconds = "".join(sorted({k[1] for k in table}))
    # A combining mark after the pair belongs to the word: no word end (and moving the tone
    # there would leave a mark that NFC composes onto the new bare vowel).
    return re.compile(f"[{firsts}][{seconds}](?![\\w{_MARKS}])")


def _tone_repl(table: dict[str, str]) -> _Repl:
    def repl(m: re.Match[str]) -> str:
        pair = m[0]
        new = table.get(pair)
        if new is None:
            return pair
        text, i = m.string, m.start()
        w = i
        while w > 0 and text[w - 1].isalnum():
            w -= 1
        return new if i - w <= 3 and text[w:i].lower() in _ONSETS else pair

    return repl


_NEW_TO_OLD, _OLD_TO_NEW = _tone_tables()
_TONE = {
    "old": (_tone_pattern(_NEW_TO_OLD), _tone_repl(_NEW_TO_OLD)),
    "new": (_tone_pattern(_OLD_TO_NEW), _tone_repl(_OLD_TO_NEW)),
}


def _pair_pattern(table: dict[str, str]) -> re.Pattern[str]:
    """``_tone_pattern`` restricted to the pairs of ``table``: the same edits, fewer no-op matches.

    ``_tone_pattern`` also matches pairs the table lacks (``quá``: ``uá``), which its repl
    leaves as they are, so they are no edits. Dropping them cannot uncover a pair the full
    pattern skips either: a match consumes its second character (a, e or y), and no pair of
    either table starts with one.
    """
    by_first: dict[str, str] = {}
    for pair in sorted(table):
        by_first[pair[0]] = by_first.get(pair[0], "") + pair[1]
    pairs = "|".join(f"{first}[{seconds}]" for first, seconds in by_first.items())
    return re.compile(f"(?:{pairs})(?![\\w{_MARKS}])")


_TONE_PAIRS = {
    "old": (_pair_pattern(_NEW_TO_OLD), _tone_repl(_NEW_TO_OLD)),
    "new": (_pair_pattern(_OLD_TO_NEW), _tone_repl(_OLD_TO_NEW)),
}

# 7. missing space: an empty match after a run of sentence punctuation that is followed by a
# capital and a lowercase letter; the repl function checks the rest (see _missing_space).
_MISSING_SPACE = re.compile(r"(?<=[.!?])(?=[^\W\d_]{2})")
# The same positions as the ends of these matches, found by a character-set scan (3x faster).
_MISSING_SPACE_AT = re.compile(r"[.!?](?=[^\W\d_]{2})")
# Words after the dot that make it a domain or file name (Vnexpress.Net), compared lowercased.
_TLDS = frozenset(
    {"vn", "com", "net", "org", "gov", "edu", "info", "biz", "io", "co", "uk", "us", "de", "fr"}
    | {"jp", "cn", "kr", "au", "ru", "int", "mil", "html", "htm", "php", "asp", "aspx", "jpg"}
    | {"jpeg", "png", "gif", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx"}
)


def _missing_space(m: re.Match[str]) -> str:
    """`` `` where ``gái.Dựa`` lacks its space, else nothing (the match is empty)."""
    return " " if _missing_space_at(m.string, m.start()) else ""


def _missing_space_at(text: str, pos: int) -> bool:
    """Whether a space belongs at ``pos``, a position ``_MISSING_SPACE`` matches."""
    p = pos  # start of the punctuation run
    while p > 0 and text[p - 1] in ".!?":
        p -= 1
    if p < 2 or not (text[p - 2].isalpha() and text[p - 2].islower()):
        return False
    if not (text[p - 1].isalpha() and text[p - 1].islower()):
        return False
    if not (text[pos].isupper() and text[pos + 1].islower()):
        return False
    w = pos
    while w < len(text) and text[w].isalpha():
        w += 1
    if text[pos:w].lower() in _TLDS:  # Vnexpress.Net, Abc.Com
        return False
    # The whitespace-delimited token around the punctuation: URLs, e-mail, paths.
    t0 = p
    while t0 > 0 and not text[t0 - 1].isspace():
        t0 -= 1
    t1 = pos
    while t1 < len(text) and not text[t1].isspace():
        t1 += 1
    token = text[t0:t1]
    return not ("@" in token or "/" in token or token.startswith("www."))


def _space_run(m: re.Match[str]) -> str:
    text = m.string
    s, e = m.span()
    if s == 0 or e == len(text) or text[s - 1] == "\n" or text[e] == "\n":
        return ""
    return " "


def _nfc(text: str) -> tuple[str, OffsetMap, int]:
    new, omap, n = substitute(text, _NFC_CHUNK, lambda m: unicodedata.normalize("NFC", m[0]))
    if unicodedata.is_normalized("NFC", new):
        return new, omap, n
    # Rare scripts (Hangul jamo, Indic two-part vowels): one coarser edit per non-ASCII run.
    # Mapping from the original keeps the chain simple: the chunk map is dropped.
    final, omap, n = substitute(text, _NFC_RUN, lambda m: unicodedata.normalize("NFC", m[0]))
    return final, omap, max(n, 1)


def clean_text(text: str, options: CleanOptions = DEFAULT_OPTIONS) -> Cleaned:
    """Clean ``text``; ``Cleaned.chain`` maps cleaned positions back into ``text``.

    Why the checks before the steps: most text needs few steps (a clean file none but the tone
    marks), and a full regex scan per step costs more than the whole rest of ``--segment
    lines``. A step is skipped only where a C-level check proves its pattern has no match, so
    text, offsets and counts are those of :func:`clean_text_reference`.
    """
    step = _Steps()

    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = step("newlines", substitute(text, _NEWLINES, lambda m: "\n"))
    ascii_only = text.isascii()
    # Every character the invisibles step removes and every odd space is unprintable, and so is
    # "\n" alone of what a line may hold: a text whose lines are printable needs neither.
    flat = text.replace("\n", " ")
    printable = flat.isprintable()
    if options.invisibles and not printable:
        text = step("invisibles", substitute(text, _INVISIBLES, lambda m: ""))
    if options.nfc and not ascii_only and not unicodedata.is_normalized("NFC", text):
        text = step("nfc", _nfc(text))
        printable = False  # not worth proving for a text that needed NFC
    if options.lookalikes and not ascii_only and ("\u00d0" in text or "\u00f0" in text):
        text = step("lookalikes", substitute(text, _LOOKALIKES, lambda m: _LOOKALIKE_MAP[m[0]]))
    if options.spaces and (not printable or _space_runs(text, flat)):
        text = step("spaces", substitute(text, _SPACES, _space_run))
    if options.tone_style != "keep" and not text.isascii():
        pattern, repl = _TONE_PAIRS[options.tone_style]
        text = step("tone_style", substitute(text, pattern, repl))
    if options.missing_space:
        text = step("missing_space", _insert_missing_spaces(text))
    return step.cleaned(text)


def _space_runs(text: str, flat: str) -> bool:
    """Whether a text whose only horizontal space is " " has a space the spaces step edits:
    a run of two or a space at a line edge (``_SPACES`` matches nothing else there).

    ``flat`` is ``text`` with newlines as spaces, where all three show as two spaces: one
    search answers for a text without blank lines.
    """
    if "  " not in flat:
        return text.startswith(" ") or text.endswith(" ")
    return (
        "  " in text or " \n" in text or "\n " in text or text.startswith(" ") or text.endswith(" ")
    )


def _insert_missing_spaces(text: str) -> tuple[str, OffsetMap, int]:
    """``substitute(text, _MISSING_SPACE, _missing_space)`` without the look-behind scan.

    ``_MISSING_SPACE`` matches the empty string at every position after a ``.!?`` that two
    letters follow; ``_MISSING_SPACE_AT`` matches that punctuation character instead (its end is
    the position), which the regex engine finds by a character-set scan. An inserted space is
    the edit ``substitute`` records for the empty match there.
    """
    edits: list[Edit] = []
    parts: list[str] = []
    last = 0
    for m in _MISSING_SPACE_AT.finditer(text):
        pos = m.end()
        if _missing_space_at(text, pos):
            parts.append(text[last:pos])
            parts.append(" ")
            new = pos + len(edits)
            edits.append(Edit(new, new + 1, pos, pos))
            last = pos
    if not edits:
        return text, OffsetMap(), 0
    parts.append(text[last:])
    return "".join(parts), OffsetMap(edits), len(edits)


class _Steps:
    """The offset maps and counts of the cleaning steps that changed something."""

    def __init__(self) -> None:
        self.chain = MapChain()
        self.counts: dict[str, int] = {}

    def __call__(self, name: str, result: tuple[str, OffsetMap, int]) -> str:
        new, omap, n = result
        if n:
            self.chain.add(omap)
            self.counts[name] = n
        return new

    def cleaned(self, text: str) -> Cleaned:
        return Cleaned(text, self.chain, self.counts)


def clean_text_reference(text: str, options: CleanOptions = DEFAULT_OPTIONS) -> Cleaned:
    """:func:`clean_text` step by step, every pattern run in full: the reference the fast
    predicates of :func:`clean_text` are tested against (tests/test_clean_fast.py)."""
    step = _Steps()

    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = step("newlines", substitute(text, _NEWLINES, lambda m: "\n"))
    ascii_only = text.isascii()
    if options.invisibles:
        text = step("invisibles", substitute(text, _INVISIBLES, lambda m: ""))
    if options.nfc and not ascii_only and not unicodedata.is_normalized("NFC", text):
        text = step("nfc", _nfc(text))
    if options.lookalikes and not ascii_only:
        text = step("lookalikes", substitute(text, _LOOKALIKES, lambda m: _LOOKALIKE_MAP[m[0]]))
    if options.spaces:
        text = step("spaces", substitute(text, _SPACES, _space_run))
    if options.tone_style != "keep" and not text.isascii():
        pattern, repl = _TONE[options.tone_style]
        text = step("tone_style", substitute(text, pattern, repl))
    if options.missing_space:
        text = step("missing_space", substitute(text, _MISSING_SPACE, _missing_space))
    return step.cleaned(text)
