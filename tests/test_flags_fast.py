"""The flagger's block path equals its reference (every rule on every paragraph) for every
input: flags, positional flags across blocks, and the helpers it rests on (matching form,
syllable counts, the phrase anchors, paragraph keys)."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus import flags
from corpus.flags import (
    DocumentFlagger,
    Flags,
    normalize,
    normalize_all,
    paragraph_key,
    paragraph_keys,
    syllables,
)

# Line-like pieces for every rule (widget, login, debris, dateline, credit, caption), and the
# characters matching form and syllable counts depend on.
WORDS = [
    "Bình luận", "bình luận (3)", "Tags:", "Xem thêm:", "Chia sẻ", "Bản quyền thuộc về", "©",
    "Tổng số điểm của bài viết", "CLICK ĐỂ ĐÁNH GIÁ", "bấm vào đây để", "Nhấn vào Đây để",
    "Trạng thái đăng nhập", "Thời gian chờ:", "vui lòng đăng nhập", "ﬅ", "ß", "K",
    "Thứ bảy - 16/04/2022 12:01 381 0", "16/04/2022", "ngày 1.2.2020", "T7, 12:00",
    "a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6", "anh.jpg", "bca 9109", "x.PNG",
    "Ảnh: BCA", "(Ảnh minh hoạ: TTXVN)", "Video:", "Nguồn ảnh: X", "Ảnh:",
    "Phóng viên:", "Ông Nguyễn Văn A", "Hà Nội", "TP.HCM", "người", "dân", "đã", "đến",
    "hoà", unicodedata.normalize("NFD", "hoà"), "Việt", "Nam", "The", "quick", "fox",
    "–", "-", "...", "_", "__", "(1)", "12", "”", "»", ")", ".", "!", "?", "…", ":", ";", ",",
    " ", " ", " ", "  ", "\u00a0", "\t", "\u3000", "\u2028", "\n", "\x85", "\u200b", "\ue000",
]  # fmt: skip
segment = st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join) | st.text(max_size=12)
body = st.integers(20, 40).map(lambda n: " ".join(["dân"] * n) + ".")
paragraph = st.lists(segment | body, max_size=3)
document = st.lists(paragraph, max_size=14)


def reference(blocks: list[list[list[str]]], speakers: list[list[list[bool]]] | None) -> tuple:
    return run(DocumentFlagger(reference=True), blocks, speakers)


def run(
    flagger: DocumentFlagger,
    blocks: list[list[list[str]]],
    speakers: list[list[list[bool]]] | None,
) -> tuple[list[list[list[Flags]]], dict[int, str], str | None]:
    out = []
    for k, paragraphs in enumerate(blocks):
        speaker = None if speakers is None else speakers[k]
        out.append(flagger.block(paragraphs, speaker))
    return out, flagger.positional(), flagger._previous


@st.composite
def blocks_and_speakers(
    draw: st.DrawFn,
) -> tuple[list[list[list[str]]], list[list[list[bool]]] | None]:
    doc = draw(document)
    cuts = sorted(draw(st.lists(st.integers(0, len(doc)), max_size=3)))
    blocks = [doc[a:b] for a, b in zip([0, *cuts], [*cuts, len(doc)], strict=True)]
    if not draw(st.booleans()):
        return blocks, None
    speakers = [[[draw(st.integers(0, 5)) == 0 for _ in p] for p in b] for b in blocks]
    return blocks, speakers


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks_and_speakers())
@example(([[["anh.jpg"], [], ["Hà Nội đẹp."], ["Ảnh: BCA"]]], None))
@example(([[["anh.jpg"]], [[], ["Chú thích ảnh", "Ảnh: BCA"]]], None))
@example(([[[" ".join(["–"] * 5 + ["dân"] * 22) + "."], ["Theo  TTXVN"]]], None))
@example(([[["Tiêu đề"], [" ".join(["dân"] * 26) + "."], ["Hà Nội"], ["  Theo TTXVN "]]], None))
@example(([[["Bình luận", "Tags:"], ["Thời gian chờ: 5"]]], [[[True, False], [False]]]))
@example(([[[" ".join(["dân"] * 26) + "."], ["a b c d e f g –"], ["a b c d e f –"]]], None))
@example(
    ([[[" ".join(["x"] * 31) + " –"], [" ".join(["x"] * 30) + " –"], ["x " * 25 + "."]]], None)
)
def test_block_equals_reference(
    case: tuple[list[list[list[str]]], list[list[list[bool]]] | None],
) -> None:
    blocks, speakers = case
    assert run(DocumentFlagger(), blocks, speakers) == reference(blocks, speakers)


def test_block_equals_reference_on_the_seeds() -> None:
    from tests.shared_data import SEED_IDS, gold_paragraphs

    for seed in SEED_IDS:
        paragraphs = gold_paragraphs(seed)
        speaker = [[s.endswith(":") and len(s) < 25 for s in p] for p in paragraphs]
        for split in (len(paragraphs), 7):
            blocks = [paragraphs[i : i + split] for i in range(0, len(paragraphs), split)]
            marks = [speaker[i : i + split] for i in range(0, len(paragraphs), split)]
            assert run(DocumentFlagger(), blocks, marks) == reference(blocks, marks)


def test_block_checks_the_speaker_shape() -> None:
    import pytest

    with pytest.raises(ValueError, match="speaker"):
        DocumentFlagger().block([["a", "b"]], [[True]])
    with pytest.raises(ValueError, match="speaker"):
        DocumentFlagger().block([["a"]], [[True], [False]])


texts = st.lists(st.sampled_from(WORDS), max_size=10).map("".join) | st.text(max_size=20)


@settings(max_examples=500, deadline=None)
@given(st.lists(texts, max_size=8))
@example(["a", "", "b"])
@example(["", " b"])
@example(["a\nb"])
@example(["a\u0301", "\u0301b"])
def test_normalize_all(items: list[str]) -> None:
    assert normalize_all(items) == [normalize(t) for t in items]


@settings(max_examples=500, deadline=None)
@given(st.lists(texts, max_size=8))
@example(["– _ ... a", "", "_"])
def test_syllable_counts(items: list[str]) -> None:
    lines = [normalize(t) for t in items]
    assert flags._syllable_counts(lines) == [syllables(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(texts, max_size=3), max_size=6))
@example([["Bình luận (3)"], [], ["ẞ 12", "x"]])
def test_paragraph_keys(paragraphs: list[list[str]]) -> None:
    assert paragraph_keys(paragraphs) == [paragraph_key(p) for p in paragraphs]


def test_phrase_anchors_find_every_phrase() -> None:
    """Each phrase holds an anchor piece; each letter of a piece is casefolded to from its
    listed characters only, and they fold to that one letter: a casefolded line holding a
    phrase comes from a line holding the piece in some case, which the anchor regex finds."""
    pieces = [piece for piece, _ in flags._PHRASE_ANCHORS]
    for phrase in flags._LOGIN_PHRASES + flags._WIDGET_PHRASES:
        assert any(piece in phrase for piece in pieces), phrase
    letters = set("".join(pieces))
    sources: dict[str, set[str]] = {x: set() for x in letters}
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        folded = c.casefold()
        for x in letters.intersection(folded):
            assert folded == x, (c, folded)
            sources[x].add(c)
    for x in letters:
        assert sources[x] == set(flags._fold_chars(x)), x
    for piece, entry in flags._PHRASE_ANCHORS:
        for variant in (piece, piece.upper(), piece.title()):
            m = flags._PHRASE_ANCHOR.search("x " + variant + " y")
            assert m is not None and m.start() == 2 + entry, variant


def test_only_a_colon_has_a_colon_in_matching_form() -> None:
    """Why a paragraph without ':' is never a photo credit: no character but the colon has one
    in its canonical decomposition, and no character casefolds to a newline (paragraph_keys)."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c != ":":
            assert ":" not in unicodedata.normalize("NFD", c), hex(code)
        if c != "\n":
            assert "\n" not in c.casefold(), hex(code)
