"""The cleaner's fast path equals its reference: the checks that skip a step, the tone-pair
pattern and the missing-space scan give the text, offsets and counts of running every pattern."""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus import clean
from corpus.clean import CleanOptions, clean_text, clean_text_reference
from corpus.offsets import MapChain
from tests.fakes import ANY_CLEAN_OPTIONS

# Pieces of dirty text: every class of character a step edits, the space patterns at line
# edges, both tone styles in precomposed and decomposed form, sentence punctuation.
PIECES = [
    "hoà", "hòa", "Thuỷ", "khoẻ", "quá", "Quỳnh", "toà", "gái", "Dựa", "Ðà", "ðường", "Việt",
    "người", "TP", "HCM", "Net", "vn", "www", "a@b", "x/y", "Hà", "Nội", "ĐÂY", "ạ", "ủy",
    unicodedata.normalize("NFD", "hoà"), unicodedata.normalize("NFD", "Việt"),
    " ", " ", " ", "  ", "\u00a0", "\u202f", "\u3000", "\u2007", "\t", "\x0b", "\x0c", "\x1c",
    "\x1f", "\n", "\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\u200b", "\u200d", "\u2060",
    "\ufeff", "\u00ad", "\x00", "\x07", "\x7f", "\x9f", "\u180e", "\ue000",
    ".", ".", "?", "!", "…", "...", ",", ":", "“", "”", "-", "_",
    "\u0300", "\u0301", "\u0323", "\u031b", "\u0302", "\u1100", "\u1161",
    "a", "o", "e", "u", "y", "A", "Đ", "Ư", "1", "12",
]  # fmt: skip
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
options = ANY_CLEAN_OPTIONS


def edits(chain: MapChain) -> list[list[tuple[int, int, int, int]]]:
    return [[(e.new_start, e.new_end, e.old_start, e.old_end) for e in m.edits] for m in chain.maps]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, options)
@example("con gái.\u00adDựa  hoa\u0300\r\n\u00a0Ðà quá.Net", CleanOptions())
@example(" a", CleanOptions())
@example("a\n\n b", CleanOptions())
@example("a \n", CleanOptions())
@example("\ue000  x", CleanOptions())
@example("hoà quá.Dựa", CleanOptions(tone_style="new"))
@example("hòa mùa.Dựa", CleanOptions(tone_style="new"))
def test_fast_clean_equals_reference(text: str, opts: CleanOptions) -> None:
    fast = clean_text(text, opts)
    ref = clean_text_reference(text, opts)
    assert fast.text == ref.text
    assert fast.counts == ref.counts
    assert edits(fast.chain) == edits(ref.chain)


def test_skipped_steps_only_edit_unprintable_characters() -> None:
    """The printable check stands for the invisibles step and the odd spaces: every character
    they match is unprintable, and so is every whitespace character but the ASCII space."""
    for pattern in (clean._INVISIBLES, re.compile(f"[{clean._SP_ODD}]")):
        chars = [chr(c) for c in range(sys.maxunicode + 1) if pattern.match(chr(c))]
        assert chars and not any(c.isprintable() for c in chars)
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert [c for c in spaces if c.isprintable()] == [" "]


def test_every_space_is_a_newline_or_a_cleaned_space() -> None:
    """What lets ``--segment lines`` take the non-empty lines of cleaned text as they are: every
    character ``str.strip`` removes becomes a newline or is one of the spaces step's."""
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    cleaned = {c for c in spaces if re.fullmatch(f"[{clean._SP}]", c)}
    assert spaces - cleaned == {"\n", "\r", "\x85", "\u2028", "\u2029"}


def test_clean_text_skips_scans_on_clean_text() -> None:
    """The fast path is taken: a clean text gives the same result as the reference."""
    text = "Câu một.\nCâu hai, hoà bình.\n\nCâu ba?"
    assert clean_text(text).text == clean_text_reference(text).text == text.replace("hoà", "hòa")
