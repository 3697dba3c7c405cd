"""``--segment lines`` by the fast path equals the reference path: the same segments (numbers,
offsets, texts, flags), positional flags and cleaning counts, for generated dirty text in
blocks of every size; and the batch offset mapping equals mapping one position at a time."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus import pipeline
from corpus.clean import CleanOptions, clean_text
from corpus.model import RawDocument
from corpus.pipeline import LineStream, PipelineOptions, _segment_texts

LINES = [
    "Bình luận (3)", "Tags: a, b", "Tổng số điểm của bài viết là: 5", "Thời gian chờ: 10",
    "Thứ bảy - 16/04/2022 12:01 381 0", "a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6.jpg",
    "bca 9109", "Ảnh: BCA", "Chú thích dưới ảnh.", "Phóng viên: Xin chào.", "Theo TTXVN",
    "Hà Nội hoà bình, người dân vui.", "con gái.Dựa vào đó", "The quick brown fox jumps.",
    " ".join(["dân"] * 30) + ".", unicodedata.normalize("NFD", "Việt Nam hoà"),
    "  lề trái", "lề phải \u00a0", "a\u200bb", "\u00a0", "", "",
]  # fmt: skip
NOISE = ["", " ", "\u00a0", "\t", "\u200b", "\x00", "\u0301", "\u2028", "\ufffd", "Ð", "  "]
LINES_MODE = PipelineOptions(segment="lines")
ENDS = ["\n", "\n", "\r\n", "\r", "\u2029", "\x85"]

line = st.tuples(st.sampled_from(NOISE), st.sampled_from(LINES), st.sampled_from(NOISE)).map(
    "".join
) | st.text(max_size=15)
text = st.lists(st.tuples(line, st.sampled_from(ENDS)).map("".join), max_size=25).map("".join)
clean_options = st.sampled_from(
    [
        CleanOptions(),
        CleanOptions(spaces=False),
        CleanOptions(tone_style="new", missing_space=False),
        CleanOptions(invisibles=False, nfc=False),
    ]
)


def stream(raw: RawDocument, options: PipelineOptions, block: int, reference: bool) -> tuple:
    s = LineStream(raw, options, block=block, reference=reference)
    blocks = list(s.blocks())
    return blocks, s.positional, s.document.cleaning


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text, clean_options, st.integers(1, 30), st.booleans())
@example("a\r\n\u00a0b \n\nc.Dựa\u2028hoà", CleanOptions(), 2, False)
@example("x.jpg\n\nẢnh: BCA\nChú thích.", CleanOptions(), 1, False)
@example("  a\n b \n", CleanOptions(spaces=False), 1, False)
def test_line_stream_equals_reference(
    source: str, clean: CleanOptions, block: int, replaced: bool
) -> None:
    marks = tuple(i for i, c in enumerate(source) if c == "\ufffd") if replaced else ()
    raw = RawDocument(id="d", source="d", text=source, replaced=marks)
    options = PipelineOptions(clean=clean, segment="lines")
    assert stream(raw, options, block, False) == stream(raw, options, block, True)
    assert _segment_texts(raw, options) == _segment_texts(raw, options, reference=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text, clean_options)
def test_sentence_mode_cleaning_equals_reference(source: str, clean: CleanOptions) -> None:
    raw = RawDocument(id="d", source="d", text=source)
    options = PipelineOptions(clean=clean)
    assert _segment_texts(raw, options) == _segment_texts(raw, options, reference=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text, st.lists(st.integers(0, 400), max_size=30))
def test_to_old_sorted_equals_to_old(source: str, picks: list[int]) -> None:
    chain = clean_text(source).chain
    n = len(clean_text(source).text)
    positions = sorted({p % (n + 1) for p in picks} | {0, n})
    for end in (False, True):
        assert chain.to_old_sorted(positions, end=end) == [
            chain.to_old(p, end=end) for p in positions
        ]


newline_text = st.lists(st.sampled_from(["a", "Bình", "", " ", "\n", "\n\n"]), max_size=40).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(newline_text | text, st.integers(1, 6))
def test_block_spans_by_find_equal_the_regex_spans(source: str, block: int) -> None:
    # A text whose only line ends are "\n" is cut with str.find; the regex (every line end)
    # must cut it at the same places: forced here by a "rare line end" found in every text.
    stream = LineStream(RawDocument(id="d", source="d", text=source), LINES_MODE, block=block)
    fast = list(stream._spans())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "_RARE_LINE_ENDS", ("",))
        assert list(stream._spans()) == fast
    assert "".join(source[a:b] for a, b, _ in fast) == source


@settings(max_examples=300, deadline=None)
@given(newline_text | text, st.integers(0, 8))
def test_more_line_ends_is_the_count(source: str, limit: int) -> None:
    expected = source.count("\n") + source.count("\r") > limit
    assert pipeline._more_line_ends(source, limit) is expected


def test_more_line_ends_stops_early_and_counts_past_its_chunks() -> None:
    assert pipeline._more_line_ends("a\n" * 1_000_000, 10_000)
    long = ("x" * 70_000 + "\r\n") * 3  # line ends in three 64K chunks
    assert pipeline._more_line_ends(long, 5) and not pipeline._more_line_ends(long, 6)
