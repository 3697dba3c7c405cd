"""The ``not-english`` check: a translation that language identification says is not English.

Why: a vi→en output that is not English is a failed translation (Vietnamese copied through,
a hallucination in another language, markup or a name list with no English words), and
``vietnamese-left`` only sees Vietnamese letters. The identifier and its rule live in
``corpus.langid`` (py3langid, probabilities normalized): an output of at least
``MIN_LETTERS`` letters is flagged when P(en) is below ``NOT_ENGLISH_BELOW``.

Measured on the real OPUS-MT outputs in ``shared/data/*/systems/`` (two systems on NTREX-128
dev and FLORES-200 dev and devtest, 4,024 English outputs): 2 flagged (0.05 %), both headline
name lists ("Kanye West: Rapper renamed Ye"); ``benchmarks/langid.py`` recomputes it. Like every
check it is a hint for review, never a drop.
"""

from __future__ import annotations

from aligned.checks import Flag
from corpus.langid import (
    MIN_LETTERS,
    NOT_ENGLISH_BELOW,
    language_probabilities,
    letters,
)

NAME = "not-english"


def not_english(source: str, translation: str) -> Flag | None:
    """Flag ``translation`` when it is long enough to judge and P(en) < ``NOT_ENGLISH_BELOW``.

    The value is P(en); the detail names the most likely language. ``source`` is not used
    (the signature is the one every pair check shares).
    """
    del source
    if letters(translation) < MIN_LETTERS:
        return None
    probs = language_probabilities(translation)
    p_en = probs.get("en", 0.0)
    if p_en >= NOT_ENGLISH_BELOW:
        return None
    best = max(probs, key=lambda lang: probs[lang])
    return Flag(NAME, round(p_en, 4), f"P(en)={p_en:.3f}; most likely {best} ({probs[best]:.2f})")
