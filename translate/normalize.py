"""MT-input normalization: what OPUS-MT's ``preprocess-spm.sh`` did to its training data.

The HF ``MarianTokenizer`` never applies this (its sacremoses normalizer is set up but not
called), so without it the model sees characters (curly quotes, full-width punctuation) that
were rewritten in all of its training data. Only the model sees the normalized text; the
corpus keeps the original. Deliberately *not* sacremoses: that also rewrites the en dash ``–``,
which the OPUS-MT script keeps.

Two deliberate deviations from the script, both towards what it meant: zero-width characters
(U+200B, U+2060, U+FEFF) are removed *before* other format/control characters become spaces
(the script's order turned them into spaces, splitting words), and full-width ``１`` becomes
``1`` (the script, copying a Moses typo, maps it to ``"``).
"""

from __future__ import annotations

import re
import unicodedata

# The script's sed table, in its order (single characters only; the two "X *" rules below).
_TABLE = {
    "，": ",",
    "、": ",",
    "”": '"',
    "“": '"',
    "∶": ":",
    "：": ":",
    "？": "?",
    "《": '"',
    "》": '"',
    "）": ")",
    "！": "!",
    "（": "(",
    "；": ";",
    "１": "1",
    "」": '"',
    "「": '"',
    "０": "0",
    "３": "3",
    "２": "2",
    "５": "5",
    "６": "6",
    "９": "9",
    "７": "7",
    "８": "8",
    "４": "4",
    "～": "~",
    "’": "'",
    "…": "...",
    "━": "-",
    "〈": "<",
    "〉": ">",
    "【": "[",
    "】": "]",
    "％": "%",
    # Not in the script's table, but its ’ rule implies the opening one (study §6).
    "‘": "'",
}
_TRANS = str.maketrans(_TABLE)
_FULL_STOP = re.compile("[。．] *")  # 's/。 */. /g' and 's/． */. /g'
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
_SPACES = re.compile(" {2,}")
_SLASH_STOP = re.compile(r"\./\.$")  # Vietnamese official documents end with "./."


def _is_other(ch: str) -> bool:
    """Perl's ``\\p{C}``: control, format, surrogate, private use, unassigned."""
    return unicodedata.category(ch)[0] == "C"


def normalize_for_mt(text: str) -> str:
    """Return ``text`` as the OPUS-MT model saw its training input (see module docstring)."""
    if not text:
        return ""
    text = _ZERO_WIDTH.sub("", text)
    text = _FULL_STOP.sub(". ", text)
    text = text.translate(_TRANS)
    if not text.isascii():
        text = "".join(" " if _is_other(c) else c for c in text)
    elif any(c < " " or c == "\x7f" for c in text):
        text = "".join(" " if (c < " " or c == "\x7f") else c for c in text)
    text = _SPACES.sub(" ", text).strip(" ")
    return _SLASH_STOP.sub(".", text)
