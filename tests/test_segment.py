"""The Vietnamese segmenter against the study's tricky cases and the seed gold, exactly."""

from __future__ import annotations

import json

import pytest

from corpus.clean import clean_text
from corpus.segment import ABBREVIATIONS, Segmenter, Span, split_sentences
from tests.shared_data import GOLD, NEWS, gold_labels, gold_paragraphs
from tests.shared_data import SEED_IDS as SEEDS

CASES = [json.loads(line) for line in (GOLD / "tricky-cases.jsonl").read_text("utf-8").splitlines()]
# The only tricky inputs that need the cleaner: a missing space and a no-break space.
NEEDS_CLEANING = {"missing-space", "label-nbsp"}


def texts(paragraph: str, spans: list[Span]) -> list[str]:
    return [paragraph[s.start : s.end] for s in spans]


def check_spans(paragraph: str, spans: list[Span]) -> None:
    """Spans are in order, disjoint, stripped and never empty."""
    prev = 0
    for s in spans:
        assert prev <= s.start < s.end <= len(paragraph)
        seg = paragraph[s.start : s.end]
        assert seg == seg.strip() and seg
        prev = s.end


def test_there_are_51_tricky_cases() -> None:
    assert len(CASES) == 51
    assert len({c["id"] for c in CASES}) == 51


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_tricky_case(case: dict) -> None:
    if "input_paragraphs" in case:  # document level: label-glued
        paragraphs = case["input_paragraphs"]
        per_paragraph = Segmenter().split_document(paragraphs)
        got = [texts(p, s) for p, s in zip(paragraphs, per_paragraph, strict=True)]
        assert got == case["expected_per_paragraph"]
        return
    paragraph = case["input"]
    cleaned = clean_text(paragraph).text
    if case["id"] in NEEDS_CLEANING:
        assert cleaned != paragraph
        paragraph = cleaned
    else:
        assert cleaned == paragraph  # the segmenter alone handles it
    spans = Segmenter().split(paragraph)
    check_spans(paragraph, spans)
    assert texts(paragraph, spans) == case["expected"]


def test_glued_label_before_its_colon_form() -> None:
    """split_document learns labels from every paragraph first, so order does not matter."""
    paragraphs = [
        "Trung tướng Tô Ân XôNói về kinh nghiệm, có thể gói gọn trong 4 chữ.",
        "Trung tướng Tô Ân Xô: Lực lượng ra đời năm 1946.",
    ]
    spans = Segmenter().split_document(paragraphs)
    assert texts(paragraphs[0], spans[0]) == [
        "Trung tướng Tô Ân Xô",
        "Nói về kinh nghiệm, có thể gói gọn trong 4 chữ.",
    ]
    assert [s.speaker for s in spans[0]] == [True, False]
    assert [s.speaker for s in spans[1]] == [True, False]


def test_split_learns_labels_in_order() -> None:
    seg = Segmenter()
    glued = "Trung tướng Tô Ân XôNói về kinh nghiệm."
    assert texts(glued, seg.split(glued)) == [glued]  # label not seen yet
    seg.split("Trung tướng Tô Ân Xô: Lực lượng ra đời năm 1946.")
    assert seg.labels == {"Trung tướng Tô Ân Xô"}
    assert texts(glued, seg.split(glued)) == ["Trung tướng Tô Ân Xô", "Nói về kinh nghiệm."]


def test_glued_label_needs_a_colon_label_and_leaves_brands_alone() -> None:
    seg = Segmenter()
    doc = ["PV: Xin chào.", "PVGas tăng vốn. TikTok và iPhone tăng trưởng.", "Ông An: Vâng."]
    spans = seg.split_document(doc)
    assert texts(doc[1], spans[1]) == ["PVGas tăng vốn.", "TikTok và iPhone tăng trưởng."]
    assert not any(s.speaker for s in spans[1])
    assert texts(doc[2], spans[2]) == ["Ông An:", "Vâng."]
    assert seg.labels == {"PV", "Ông An"}


def test_speaker_label_only_at_paragraph_start() -> None:
    p = "Ông nói rằng Phóng viên: Đồng chí cho biết."
    assert texts(p, Segmenter().split(p)) == [p]
    heading = "Lực lượng Tham mưu Công an nhân dân: “Trung thành – Tận tụy”"
    assert texts(heading, Segmenter().split(heading)) == [heading]


def test_label_alone_is_one_speaker_span() -> None:
    spans = Segmenter().split("  Phóng viên:  ")
    assert spans == [Span(2, 13, speaker=True)]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Ông đến, v.v. Roe nói vậy.", ["Ông đến, v.v.", "Roe nói vậy."]),
        ("TikTok tăng mạnh. iPhone bán chậm.", ["TikTok tăng mạnh. iPhone bán chậm."]),
        ("Mr. Smith đến Hà Nội. St. Martin đẹp.", ["Mr. Smith đến Hà Nội.", "St. Martin đẹp."]),
        ("II. Mục tiêu chung", ["II. Mục tiêu chung"]),
        ("1. Chuẩn bị kỹ. 2. Thực hiện ngay.", ["1. Chuẩn bị kỹ.", "2. Thực hiện ngay."]),
        ("a. Chuẩn bị kỹ. b. Thực hiện ngay.", ["a. Chuẩn bị kỹ. b. Thực hiện ngay."]),
        ("Xem tr. 15 của Nxb. Trẻ. Sách hay.", ["Xem tr. 15 của Nxb. Trẻ.", "Sách hay."]),
        ("Bà H. (40 tuổi) và ông B. Nguyễn đến.", ["Bà H. (40 tuổi) và ông B. Nguyễn đến."]),
        (
            "Ông đến lúc 9 giờ. (Ảnh minh họa) Trời mưa.",
            ["Ông đến lúc 9 giờ.", "(Ảnh minh họa) Trời mưa."],
        ),
        ("Năm nay tăng mạnh. 2022 là năm bản lề.", ["Năm nay tăng mạnh.", "2022 là năm bản lề."]),
        ("Xong rồi./. Ban Biên tập", ["Xong rồi./.", "Ban Biên tập"]),
        ("Anh nói: «Tôi về.» Chị im.", ["Anh nói: «Tôi về.»", "Chị im."]),
        ("Ông hỏi: ‘Đi không?’ Tôi gật.", ["Ông hỏi: ‘Đi không?’", "Tôi gật."]),
        ("... Rồi anh đi.", ["... Rồi anh đi."]),
        ("Hết.\nTiếp theo.", ["Hết.", "Tiếp theo."]),
    ],
)
def test_rules(paragraph: str, expected: list[str]) -> None:
    spans = Segmenter().split(paragraph)
    check_spans(paragraph, spans)
    assert texts(paragraph, spans) == expected


def test_blank_paragraph_has_no_spans() -> None:
    assert Segmenter().split("") == []
    assert Segmenter().split(" \t\n ") == []


def test_spans_exclude_surrounding_whitespace() -> None:
    p = "   Một câu.  Hai câu.   "
    spans = Segmenter().split(p)
    assert spans == [Span(3, 11), Span(13, 21)]
    assert texts(p, spans) == ["Một câu.", "Hai câu."]


def test_abbreviation_list_is_case_sensitive() -> None:
    assert {"TP", "Tp", "tp", "TT", "PGS", "TS", "ThS"} <= ABBREVIATIONS
    assert "v" not in ABBREVIATIONS and "etc" not in ABBREVIATIONS
    p = "Ông sống ở khu CT. Con ông sống ở TP. Vinh."
    assert texts(p, Segmenter().split(p)) == ["Ông sống ở khu CT.", "Con ông sống ở TP. Vinh."]


def test_split_sentences_treats_lines_as_paragraphs() -> None:
    text = "Phóng viên: Xin chào. Ông khỏe không?\n\nTrung tướng Tô Ân Xô: Cảm ơn.\n"
    assert split_sentences(text) == [
        "Phóng viên:",
        "Xin chào.",
        "Ông khỏe không?",
        "Trung tướng Tô Ân Xô:",
        "Cảm ơn.",
    ]


# --- the seed gold ---------------------------------------------------------------------------


def segment_seed(seed: str) -> tuple[str, list[tuple[int, str, list[Span]]]]:
    """The raw seed, and (offset in cleaned text, paragraph, spans) per non-blank cleaned line."""
    raw = (NEWS / f"{seed}.txt").read_text(encoding="utf-8")
    cleaned = clean_text(raw).text
    lines, pos = [], 0
    for line in cleaned.split("\n"):
        if line.strip():
            lines.append((pos, line))
        pos += len(line) + 1
    spans = Segmenter().split_document([line for _, line in lines])
    return raw, [(off, line, s) for (off, line), s in zip(lines, spans, strict=True)]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_gold_exactly(seed: str) -> None:
    _, paragraphs = segment_seed(seed)
    got = [texts(line, spans) for _, line, spans in paragraphs]
    assert got == gold_paragraphs(seed)


def test_seed_counts() -> None:
    counts = [
        (len(paras), sum(len(s) for _, _, s in paras))
        for paras in (segment_seed(seed)[1] for seed in SEEDS)
    ]
    assert counts == [(5, 10), (31, 53)]  # 36 paragraphs, 63 segments; the NBSP line is none


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_speaker_spans_flagged(seed: str) -> None:
    _, paragraphs = segment_seed(seed)
    flagged = [line[s.start : s.end] for _, line, spans in paragraphs for s in spans if s.speaker]
    labels = gold_labels(seed)
    assert set(flagged) == labels
    every_label = [t for _, line, spans in paragraphs for t in texts(line, spans) if t in labels]
    assert flagged == every_label
    if seed.startswith("003"):
        assert flagged == [
            "Phóng viên:",
            "Trung tướng Tô Ân Xô:",
            "Phóng viên:",
            "Trung tướng Tô Ân Xô",
            "Phóng viên:",
            "Trung tướng Tô Ân Xô",
        ]


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_offsets_map_back_to_the_original(seed: str) -> None:
    """Each span is its segment's text, and maps to an original substring that cleans to it."""
    raw, paragraphs = segment_seed(seed)
    cleaned = clean_text(raw)
    for off, line, spans in paragraphs:
        check_spans(line, spans)
        for s in spans:
            seg = line[s.start : s.end]
            assert cleaned.text[off + s.start : off + s.end] == seg
            a, b = cleaned.span_to_old(off + s.start, off + s.end)
            assert clean_text(raw[a:b]).text == seg
