"""Language identification of segments: the ``not-vietnamese`` flag and the English check.

Why: scraped Vietnamese pages carry text in other languages (English quotes and abstracts,
site furniture, Chinese or Japanese names of products); translating it vi→en wastes time and
puts noise into the corpus, and an MT output that is not English is a failed translation.

The identifier is py3langid 0.4 (a naive Bayes model over byte n-grams, 140 language labels, its
4.6 MB model shipped in the wheel; chosen in ``benchmarks/langid.py``, results in
``notes/langid-results.md``). It is loaded on first use, never at import time (about 0.5 s),
and its probabilities are normalized, so a threshold means the same at every length.

Rule (``benchmarks/langid.py --project``, shared data: 6,382 Vietnamese sentences, 6,839
English and 1,632 other-language texts): a text is *not Vietnamese* when it has at least
:data:`MIN_LETTERS` letters and P(vi) is below :data:`NOT_VIETNAMESE_BELOW`. Flagged: 0.00 %
of the Vietnamese news sentences (NTREX-128, FLORES-200, VTB, seed bodies), 0.02 % of all
Vietnamese sentences (one tone-less Tatoeba line), 94 % of English and 93 % of other texts
(100 % of those with 15+ letters). Without tone marks, 10.8 % of news sentences are flagged.
Short texts: Vietnamese strings with fewer than 3 letters ("2022", "%s") are always
misidentified, and abbreviations and source lines of Vietnamese news are too ("TTXVN",
"TP.HCM", "Theo Reuters" and "Theo VnExpress" get P(vi) < 0.02), so a segment with fewer than
15 letters is never judged alone: :func:`segment_flags` lets it follow its paragraph.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from corpus.errors import ModelError

#: Texts with fewer letters (``str.isalpha``) are never flagged alone: "TTXVN", "Theo Reuters".
MIN_LETTERS = 15
#: A text of at least ``MIN_LETTERS`` letters is not Vietnamese when P(vi) is below this.
#: Measured: 0.00 % of the Vietnamese news sentences flagged (NTREX-128, FLORES-200, VTB,
#: seeds); every English and other-language text of 15+ letters flagged.
NOT_VIETNAMESE_BELOW = 0.1
#: An MT output of at least ``MIN_LETTERS`` letters is not English when P(en) is below this.
#: Measured: 2 of 4,024 real OPUS-MT outputs flagged (0.05 %), both headline-like name lists.
NOT_ENGLISH_BELOW = 0.1
#: What one Han, kana or Hangul character counts in :func:`letters`.
WIDE_LETTER = 3
_WIDE = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff]"
)

_INSTALL = "pip install 'py3langid>=0.4,<0.5'"


@functools.cache
def _identifier() -> Any:
    """The py3langid identifier with normalized probabilities (loaded once, on first use)."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as exc:
        raise ModelError(
            f"language identification needs py3langid, which is not installed ({exc}); "
            f"install it with: {_INSTALL}"
        ) from exc
    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except (AttributeError, OSError, ValueError) as exc:
        raise ModelError(
            f"could not load the py3langid model {MODEL_FILE!r} ({exc}); "
            f"reinstall a supported version: {_INSTALL}"
        ) from exc


def letters(text: str) -> int:
    """Letters in text, a Han, kana or Hangul character counting as :data:`WIDE_LETTER`.

    Identification below :data:`MIN_LETTERS` is unreliable. A CJK character stands for about a
    word, so "政府周一批准了新的省级规划。" (13 characters) counts 39, not 13.
    """
    wide = sum(1 for ch in _WIDE.findall(text) if ch.isalpha())  # rare: a cheap scan first
    return sum(map(str.isalpha, text)) + (WIDE_LETTER - 1) * wide


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of each of the model's 140 languages (ISO 639 codes) for text; sum 1."""
    return {lang: float(p) for lang, p in _identifier().rank(" ".join(text.split()))}


def vietnamese_probability(text: str) -> float:
    """P(vi) of text (0 to 1). A text with no letters gets a uniform, meaningless 1/140."""
    return language_probabilities(text).get("vi", 0.0)


def english_probability(text: str) -> float:
    """P(en) of text (0 to 1), for the ``not-english`` check on translations."""
    return language_probabilities(text).get("en", 0.0)


#: Letters only Vietnamese writes (đ, ơ, ư, dot below, hook above, and tone marks on
#: circumflex/breve vowels): French, Portuguese or Romanian have none of them.
VIETNAMESE_ONLY = frozenset(
    "đơư"
    "ạặậẹệịọộợụựỵ"
    "ảẳẩẻểỉỏổởủửỷ"
    "ẽễĩũữỹỗỡẵẫ"
    "ầấằắềếồốờớừứỳ"
    "ĐƠƯ"
    "ẠẶẬẸỆỊỌỘỢỤỰỴ"
    "ẢẲẨẺỂỈỎỔỞỦỬỶ"
    "ẼỄĨŨỮỸỖỠẴẪ"
    "ẦẤẰẮỀẾỒỐỜỚỪỨỲ"
)
#: Share of letters from :data:`VIETNAMESE_ONLY` above which a text is Vietnamese at sight.
VIETNAMESE_AT_SIGHT = 0.12


def vietnamese_at_sight(text: str) -> bool:
    """True when the text is plainly Vietnamese: ≥ 12 % of its letters are Vietnamese-only.

    Why: identification is most of the cost of storing a corpus (py3langid ranks 140 languages,
    about 3,000 segments/s per core); this test decides about 70 % of news sentences without
    it. Measured on the 13,240 distinct texts of the shared test sets (Vietnamese sources,
    English references and MT outputs): 4,116 are decided at sight and py3langid agrees on every
    one (none would be flagged ``not-vietnamese``).
    """
    n = sum(map(str.isalpha, text))
    return n > 0 and sum(1 for ch in text if ch in VIETNAMESE_ONLY) >= VIETNAMESE_AT_SIGHT * n


def is_not_vietnamese(text: str) -> bool:
    """Whether text is long enough to judge and is not Vietnamese (see the module rule)."""
    return (
        letters(text) >= MIN_LETTERS
        and not vietnamese_at_sight(text)
        and vietnamese_probability(text) < NOT_VIETNAMESE_BELOW
    )


def is_not_english(text: str) -> bool:
    """Whether text is long enough to judge and is not English (see :data:`NOT_ENGLISH_BELOW`)."""
    return letters(text) >= MIN_LETTERS and english_probability(text) < NOT_ENGLISH_BELOW


def segment_flags(paragraphs: Sequence[Sequence[str]]) -> list[list[bool]]:
    """Which segments are not Vietnamese, per paragraph.

    A segment of at least :data:`MIN_LETTERS` letters is judged on its own text, so an English
    quote inside a Vietnamese paragraph is flagged alone. A shorter segment ("Yes.", "Thanks!")
    follows its paragraph, judged as a whole: flagged in an English paragraph, never in a
    Vietnamese one, and never when the whole paragraph is itself too short to judge.
    """
    out: list[list[bool]] = []
    for segs in paragraphs:
        paragraph: bool | None = None  # the verdict on the whole paragraph, computed if needed
        marks = []
        for seg in segs:
            if letters(seg) >= MIN_LETTERS:
                marks.append(is_not_vietnamese(seg))
                continue
            if paragraph is None:
                paragraph = is_not_vietnamese(" ".join(segs))
            marks.append(paragraph)
        out.append(marks)
    return out
