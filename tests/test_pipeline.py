"""The source-side pipeline on the real seed articles: segments, flags and offsets."""

from __future__ import annotations

import itertools

import pytest

from corpus.clean import clean_text
from corpus.errors import ConfigError
from corpus.model import RawDocument
from corpus.pipeline import (
    PipelineOptions,
    keep_segments,
    paragraph_spans,
    parse_flag_list,
    process_document,
    process_documents,
)
from corpus.readers import read_sources
from tests.shared_data import DATA, NEWS, SEED_IDS, gold_noise, gold_paragraphs


def _raw(seed: str) -> RawDocument:
    text = (NEWS / f"{seed}.txt").read_text(encoding="utf-8")
    return RawDocument(id=seed, source=str(NEWS / f"{seed}.txt"), text=text)


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_segments_equal_gold(seed: str) -> None:
    doc = process_document(_raw(seed))
    got: list[list[str]] = []
    for seg in doc.segments:
        if seg.sent == 1:
            got.append([])
        got[-1].append(seg.text)
    assert got == gold_paragraphs(seed)


def test_seed_counts() -> None:
    docs = process_documents([_raw(s) for s in SEED_IDS])
    assert [len(d.segments) for d in docs] == [10, 53]
    assert [d.segments[-1].para for d in docs] == [5, 31]


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_flags_match_noise_annotation(seed: str) -> None:
    noise = gold_noise(seed)
    doc = process_document(_raw(seed))
    for seg in doc.segments:
        expected = noise.get(seg.text)
        if expected is None:
            assert seg.flags == (), seg
        else:
            assert seg.flags == (expected,), seg


@pytest.mark.parametrize("seed", SEED_IDS)
def test_offsets_map_back_to_the_original(seed: str) -> None:
    raw = _raw(seed)
    doc = process_document(raw)
    for seg in doc.segments:
        original = raw.text[seg.start : seg.end]
        assert clean_text(original).text.strip() == seg.text
        # the span is tight: it starts and ends on the segment's first and last characters
        assert original[0] == seg.text[0] or not original[0].isalnum()
    ends = [(s.start, s.end) for s in doc.segments]
    assert ends == sorted(ends)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


def test_offsets_survive_cleaning_edits() -> None:
    # NFD marks, NBSP, a zero-width space, a soft hyphen and a missing space all change
    # lengths before the second sentence; its offsets must still point at it.
    text = (
        "Ông đe\u0301n TP.HCM\u00a0hôm\u200b qua.Sau đó ông về Hà N\u00adội."
        "\nTrung tướng Tô Ân Xô: Hòa bình."
    )
    raw = RawDocument(id="d", source="-", text=text)
    doc = process_document(raw)
    assert [(s.para, s.sent, s.text) for s in doc.segments] == [
        (1, 1, "Ông đén TP.HCM hôm qua."),
        (1, 2, "Sau đó ông về Hà Nội."),
        (2, 1, "Trung tướng Tô Ân Xô:"),
        (2, 2, "Hòa bình."),
    ]
    assert [text[s.start : s.end] for s in doc.segments] == [
        "Ông đe\u0301n TP.HCM\u00a0hôm\u200b qua.",
        "Sau đó ông về Hà N\u00adội.",
        "Trung tướng Tô Ân Xô:",
        "Hòa bình.",
    ]
    assert doc.segments[2].flags == ("speaker-label",)


def test_paragraph_modes() -> None:
    text = "  Một dòng.  \nHai dòng.\n\n\nBa.\n"
    assert paragraph_spans(text, "line") == [(2, 11), (14, 23), (26, 29)]
    assert paragraph_spans(text, "blank") == [(2, 23), (26, 29)]
    raw = RawDocument(id="d", source="-", text="Câu một\nvẫn tiếp. Câu hai.\n\nĐoạn hai.")
    doc = process_documents([raw], None)[0]
    blank = process_documents([raw], PipelineOptions(paragraphs="blank"))[0]
    assert [s.text for s in doc.segments] == ["Câu một", "vẫn tiếp.", "Câu hai.", "Đoạn hai."]
    assert [(s.para, s.text) for s in blank.segments] == [
        (1, "Câu một vẫn tiếp."),
        (1, "Câu hai."),
        (2, "Đoạn hai."),
    ]


def test_drop_flags() -> None:
    assert parse_flag_list("none") == frozenset()
    assert parse_flag_list("widget, dateline") == {"widget", "dateline"}
    assert "image-debris" in parse_flag_list("default")
    with pytest.raises(ConfigError, match=r"'wigdet'.*valid flags"):
        parse_flag_list("wigdet")
    doc = process_document(_raw("003_31235d404d81b38e"))
    kept = keep_segments(doc.segments, parse_flag_list("widget,login-prompt,dateline"))
    assert len(kept) == 53 - 6
    assert all(not {"widget", "login-prompt", "dateline"} & set(s.flags) for s in kept)


def test_empty_document_gives_no_segments() -> None:
    doc = process_document(RawDocument(id="e", source="-", text="\u00a0\n \n"))
    assert doc.segments == []


# --- --segment lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lines", "sentences"),
    [("flores200-dev", 499, 554), ("ntrex128", 1005, 1026)],
)
def test_lines_mode_gives_one_segment_per_line_of_a_test_set(
    name: str, lines: int, sentences: int
) -> None:
    path = DATA / name / "dev.vi"
    [raw] = read_sources([str(path)])
    assert isinstance(raw, RawDocument)
    [doc] = process_documents([raw], PipelineOptions(segment="lines"))
    file_lines = path.read_text(encoding="utf-8").split("\n")
    assert file_lines[-1] == "" and all(ln.strip() for ln in file_lines[:-1])
    assert len(doc.segments) == len(file_lines) - 1 == lines
    assert [(s.doc, s.para, s.sent) for s in doc.segments] == [
        ("dev.vi", n, 1) for n in range(1, lines + 1)
    ]
    for seg, line in zip(doc.segments, file_lines, strict=False):
        assert raw.text[seg.start : seg.end] == line.strip()
        assert seg.text == clean_text(line).text.strip()
    # the default sentence mode splits some lines: the count differs
    assert len(process_document(raw).segments) == sentences


def test_lines_mode_keeps_every_line_whole_with_exact_offsets() -> None:
    text = (
        "Phóng viên: Câu một. Câu hai.\r\n"
        "\r\n"
        "  \t \n"
        "Ông đe\u0301n\u00a0TP.HCM.\n"
        "Bình luận\n"
        "\u200b\n"
        "Cuối."
    )
    raw = RawDocument(id="d", source="-", text=text)
    doc = process_document(raw, PipelineOptions(segment="lines"))
    assert [(s.para, s.sent, s.text, s.flags) for s in doc.segments] == [
        (1, 1, "Phóng viên: Câu một. Câu hai.", ()),
        (4, 1, "Ông đén TP.HCM.", ()),
        (5, 1, "Bình luận", ("widget",)),
        (7, 1, "Cuối.", ()),
    ]
    assert [text[s.start : s.end] for s in doc.segments] == [
        "Phóng viên: Câu một. Câu hai.",
        "Ông đe\u0301n\u00a0TP.HCM.",
        "Bình luận",
        "Cuối.",
    ]
    sentences = process_document(raw)
    assert [s.text for s in sentences.segments][:3] == ["Phóng viên:", "Câu một.", "Câu hai."]


def test_segment_mode_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown segment mode 'words'; use 'sentences'"):
        PipelineOptions(segment="words")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="--paragraphs blank joins lines"):
        PipelineOptions(segment="lines", paragraphs="blank")


def test_document_keeps_the_read_order() -> None:
    raws = [RawDocument(id=f"d{i}", source="-", text="Một.", order=i) for i in (0, 1, 2)]
    assert [d.order for d in process_documents(raws)] == [0, 1, 2]
