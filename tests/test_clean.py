"""The Vietnamese cleaner: the study's §7 cleaning cases, each step, and offsets that survive."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus.clean import CleanOptions, clean_text
from corpus.errors import ConfigError
from corpus.segment import Segmenter

NFD = unicodedata.normalize("NFD", "Tiếng Việt: hoà bình, Đà Nẵng, người dân, thuở ấy, ước mơ.")

# --- §7 cleaning cases, exactly ----------------------------------------------------------------


def test_tone_marks_to_old_style() -> None:
    c = clean_text("hoà Hoà HOÀ thuý Thuỷ khoẻ uỷ Uỷ toà oà")
    assert c.text == "hòa Hòa HÒA thúy Thủy khỏe ủy Ủy tòa òa"
    assert c.counts == {"tone_style": 10}


@pytest.mark.parametrize(
    "word", ["quý", "Quỳnh", "hoàn", "thuyền", "khuya", "quỷ", "QUÝ", "Chloé", "Zoé", "hoà-bình"]
)
def test_tone_marks_left_alone(word: str) -> None:
    """Never after q, only at the end of a word, only after a Vietnamese onset (not Chloé)."""
    expected = "hòa-bình" if word == "hoà-bình" else word  # a hyphen ends a word
    assert clean_text(word).text == expected


def test_tone_marks_new_style_and_keep() -> None:
    old = "hòa Hòa HÒA thúy Thủy khỏe ủy Ủy tòa òa quý hoàn"
    new = "hoà Hoà HOÀ thuý Thuỷ khoẻ uỷ Uỷ toà oà quý hoàn"
    assert clean_text(old, CleanOptions(tone_style="new")).text == new
    assert clean_text(new, CleanOptions(tone_style="keep")).text == new
    assert clean_text(old, CleanOptions(tone_style="keep")).text == old


def test_tone_style_is_validated() -> None:
    with pytest.raises(ConfigError, match="tone style"):
        CleanOptions(tone_style="modern")  # type: ignore[arg-type]


def test_lookalike_eth() -> None:
    c = clean_text("Ðà Nẵng, ðường")
    assert c.text == "Đà Nẵng, đường"
    assert c.counts == {"lookalikes": 2}


def test_nfd_to_nfc() -> None:
    c = clean_text(NFD)
    expected = unicodedata.normalize("NFC", NFD).replace("hoà", "hòa")
    assert c.text == expected
    assert unicodedata.is_normalized("NFC", c.text)
    assert set(c.counts) == {"nfc", "tone_style"}
    # every cleaned word maps back to its decomposed original
    for word in c.text.split():
        s = c.text.index(word)
        a, b = c.span_to_old(s, s + len(word))
        assert clean_text(NFD[a:b]).text == word


def test_nfc_fallback_outside_the_mark_ranges() -> None:
    """Hangul jamo compose too: the run-by-run fallback still gives NFC and a usable map."""
    text = "xin chào \u1100\u1161 bạn"
    c = clean_text(text)
    assert c.text == "xin chào \uac00 bạn"
    assert c.chain.to_old(0) == 0 and c.chain.to_old(len(c.text), end=True) == len(text)
    assert c.counts["nfc"] >= 1
    # the edit covers the changed word only (found by tests/test_fuzz.py: it used to span from
    # the first to the last change, so one segment's offsets covered its neighbours)
    assert c.span_to_old(len(c.text) - 3, len(c.text)) == (len(text) - 3, len(text))
    assert c.span_to_old(9, 10) == (9, 11)
    # ... and within a word, only the non-ASCII run: "Nội." after the jamo maps exactly
    c = clean_text("\u1100\u1161Nội.Hà")
    assert c.text == "\uac00Nội. Hà"
    assert c.span_to_old(1, 5) == (2, 6)
    assert c.span_to_old(0, 1) == (0, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cô ấy là con gái.Dựa vào đó", "Cô ấy là con gái. Dựa vào đó"),
        ("Thật sao?Không đâu!Được rồi", "Thật sao? Không đâu! Được rồi"),
        ("im lặng...Rồi anh đi", "im lặng... Rồi anh đi"),
        ("TP.HCM", "TP.HCM"),
        ("Tp.HCM", "Tp.HCM"),
        ("ThS.BS", "ThS.BS"),
        ("bocongan.gov.vn", "bocongan.gov.vn"),
        ("abc@bca.gov.vn", "abc@bca.gov.vn"),
        ("Vnexpress.Net", "Vnexpress.Net"),
        ("Tuoitre.Vn", "Tuoitre.Vn"),
        ("xem tại bocongan.Gov", "xem tại bocongan.Gov"),
        ("www.abc.Com", "www.abc.Com"),
        ("http://tin.Moi", "http://tin.Moi"),
        ("tin@moi.Nhat", "tin@moi.Nhat"),
        ("Q.1", "Q.1"),
        ("13.30", "13.30"),
        ("gái.DỰA", "gái.DỰA"),
        ("a.Dựa", "a.Dựa"),
    ],
)
def test_missing_space(text: str, expected: str) -> None:
    c = clean_text(text)
    assert c.text == expected
    assert ("missing_space" in c.counts) == (text != expected)


# --- spaces, invisibles, controls, newlines --------------------------------------------------


@pytest.mark.parametrize(
    "space", ["\u00a0", "\u2007", "\u202f", "\u2002", "\u2003", "\u2009", "\u200a", "\u3000", "\t"]
)
def test_odd_spaces_become_one_space(space: str) -> None:
    c = clean_text(f"Phóng viên:{space}Đồng chí{space} {space}cho biết")
    assert c.text == "Phóng viên: Đồng chí cho biết"
    assert set(c.counts) == {"spaces"}


@pytest.mark.parametrize(
    "char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\x07", "\x9f"]
)
def test_invisibles_removed(char: str) -> None:
    c = clean_text(f"{char}Việt{char}Nam{char}")
    assert c.text == "ViệtNam"
    assert c.counts == {"invisibles": 3}


def test_whitespace_controls_separate_words() -> None:
    assert clean_text("một\x0bhai\x0cba\x1fbốn").text == "một hai ba bốn"


def test_lines_kept_stripped_and_collapsed() -> None:
    text = "  Dòng một.  \r\n\u00a0 \r\n\tDòng  hai.\rDòng ba.\u2028Dòng bốn."
    c = clean_text(text)
    assert c.text == "Dòng một.\n\nDòng hai.\nDòng ba.\nDòng bốn."
    assert c.counts == {"newlines": 4, "spaces": 5}


def test_nbsp_only_line_becomes_empty() -> None:
    assert clean_text("Một.\n\u00a0 \nHai.").text == "Một.\n\nHai."


def test_clean_ascii_is_untouched_and_free() -> None:
    c = clean_text("Plain text. Nothing to do.\nSecond line.")
    assert c.text == "Plain text. Nothing to do.\nSecond line."
    assert c.counts == {} and c.chain.maps == []


@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("nfc", NFD),
        ("lookalikes", "Ðà"),
        ("spaces", "a\u00a0 b "),
        ("invisibles", "a\u200bb"),
        ("missing_space", "gái.Dựa"),
    ],
)
def test_each_step_can_be_switched_off(option: str, text: str) -> None:
    on = clean_text(text, CleanOptions(tone_style="keep"))
    off = clean_text(text, CleanOptions(tone_style="keep", **{option: False}))
    assert on.text != text and option in on.counts
    assert option not in off.counts
    assert off.text == text


# --- offsets ---------------------------------------------------------------------------------


def test_offsets_of_an_inserted_space() -> None:
    text = "con gái.\u00adDựa vào"
    c = clean_text(text)
    assert c.text == "con gái. Dựa vào"
    assert c.span_to_old(0, 8) == (0, 9)  # "con gái." plus the soft hyphen after it
    assert c.span_to_old(9, 16) == (9, 16)  # "Dựa vào"
    assert c.chain.to_old(8) == 9  # the inserted space starts where "Dựa" starts


# Pieces for generated text: syllables in both tone styles and NFD, capitals, the characters the
# cleaner removes or rewrites, and sentence punctuation. No "@", "/" or "w": URL rules are local
# to a token, and a token containing them is tested by the cases above.
SYLLABLES = [
    "hoà", "hòa", "thuý", "Thuỷ", "khoẻ", "uỷ", "quý", "Quỳnh", "hoàn", "thuyền", "khuya",
    "gái", "Dựa", "Ðà", "ðường", "Việt", "Nam", "người", "TP", "HCM", "Tp", "ông", "Nguyễn",
    "T", "Ý", "v", "vn", "Net", "con", "Bộ",
]  # fmt: skip
PIECES = [
    *SYLLABLES,
    *(unicodedata.normalize("NFD", s) for s in SYLLABLES),
    " ", " ", " ", "\u00a0", "\u202f", "\u3000", "\t", "\n", "\r\n", "\r", "\u2028",
    "\u200b", "\u200d", "\ufeff", "\u00ad", "\x00", "\x0b", "\x1f", "\x85", "\x9f",
    ".", ".", "?", "!", "…", "...", "./.", ",", ":", "“", "”", "-",
    "\u0300", "\u0301", "\u0323", "\u031b", "a", "o", "e", "u", "y", "A", "Đ", "Ư",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def cut_points(cleaned: str) -> list[int]:
    """Positions next to whitespace: segment-like cuts that never fall inside a word."""
    n = len(cleaned)
    return [
        p for p in range(n + 1) if p in (0, n) or cleaned[p - 1].isspace() or cleaned[p].isspace()
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("con gái.\u00adDựa  hoa\u0300\r\n\u00a0Ðà")
@example("\u200b  x")
def test_map_is_monotonic_and_in_bounds(text: str) -> None:
    c = clean_text(text)
    n = len(c.text)
    starts = [c.chain.to_old(p) for p in range(n + 1)]
    ends = [c.chain.to_old(p, end=True) for p in range(n + 1)]
    assert starts == sorted(starts) and ends == sorted(ends)
    assert all(0 <= s <= e <= len(text) for s, e in zip(starts, ends, strict=True))
    assert ends[n] == len(text)
    # 0 maps to 0 unless the text starts with characters the cleaner deletes; then it maps past
    # exactly those (they clean to nothing).
    assert clean_text(text[: starts[0]]).text == ""
    if text[:1].isalnum():
        assert starts[0] == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)), max_size=8))
@example("con gái.\u00adDựa  hoa\u0300\r\n\u00a0Ðà gái.Dựa.Net", [(1, 4), (2, 5), (0, 3)])
def test_spans_map_back_to_text_that_cleans_the_same(
    text: str, picks: list[tuple[int, int]]
) -> None:
    c = clean_text(text)
    cuts = cut_points(c.text)
    spans = [(0, len(c.text))] + [(cuts[i % len(cuts)], cuts[j % len(cuts)]) for i, j in picks]
    for s, e in spans:
        if s >= e:
            continue
        a, b = c.span_to_old(s, e)
        assert clean_text(text[a:b]).text.strip() == c.text[s:e].strip(), (s, e, a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("Ông đến TP. HCM hôm qua.\u00a0Sau đó\u200b về. Cô ấy là con gái.Dựa vào.")
def test_segments_map_back_exactly(text: str) -> None:
    """Every segment the segmenter finds in the cleaned text is the cleaning of its origin."""
    c = clean_text(text)
    seg = Segmenter()
    offset = 0
    for line in c.text.split("\n"):
        for span in seg.split(line):
            s, e = offset + span.start, offset + span.end
            a, b = c.span_to_old(s, e)
            assert clean_text(text[a:b]).text == c.text[s:e]
        offset += len(line) + 1
