"""``decode_errors="replace"`` (``--decode-errors replace``): a file with a few bad bytes is
kept, the bytes become U+FFFD, the document says how many, and exactly the segments holding
one get the ``decode-error`` flag. The default stays strict, with the same message as before.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import ConfigError
from corpus.flags import DROP_BY_DEFAULT, FLAGS
from corpus.model import RawDocument
from corpus.pipeline import PipelineOptions, process_document
from corpus.readers import ReadFailure, decode_bytes, read_sources

P1 = "Sáng nay, người dân Thủ đô đã cảm nhận rõ không khí se lạnh đầu mùa. Nhiệt độ giảm sâu."
P2 = "Giá xăng dầu trong nước được điều chỉnh giảm theo xu hướng của thị trường thế giới."
P3 = "Người dân được khuyến cáo ngủ màn kể cả ban ngày. Đậy kín dụng cụ chứa nước."
TEXT = f"{P1}\n{P2}\n{P3}\n"
STRICT = (
    "cannot decode '{}': it is not UTF-8, not Windows-1258 Vietnamese, and no other encoding "
    "could be detected; pass its encoding with --encoding (e.g. --encoding cp1258) or convert "
    "the file to UTF-8"
)
FFFD = "\ufffd"


def warning(name: str, n: int) -> str:
    noun, them = ("byte", "it") if n == 1 else ("bytes", "them")
    return (
        f"'{name}': {n} {noun} could not be decoded (replaced with U+FFFD); the segments "
        f"holding {them} are flagged decode-error"
    )


def insert(text: str, at: dict[str, bytes]) -> tuple[bytes, str]:
    """UTF-8 of ``text`` with bad bytes put before the first occurrence of each key, and the
    text lenient decoding must give back (one U+FFFD per bad byte)."""
    data, expected = text.encode("utf-8"), text
    for word, bad in at.items():
        i = data.index(word.encode("utf-8"))
        data = data[:i] + bad + data[i:]
        j = expected.index(word)
        expected = expected[:j] + FFFD * len(bad) + expected[j:]
    return data, expected


def read_one(path: Path, **kwargs: object) -> RawDocument | ReadFailure:
    items = list(read_sources([str(path)], **kwargs))  # type: ignore[arg-type]
    assert len(items) == 1, items
    return items[0]


# 0xFF is never UTF-8; E1 BA is a three-byte sequence cut short; 0xC3 a two-byte one.
BAD = {"cảm": b"\xff", "ngủ": b"\xe1\xba", "chứa": b"\xc3"}


def test_default_is_strict_with_the_message_of_before(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(insert(TEXT, BAD)[0])
    for kwargs in ({}, {"decode_errors": "strict"}):
        item = read_one(path, **kwargs)
        assert isinstance(item, ReadFailure)
        assert item.message == STRICT.format(path)


def test_replace_keeps_the_text_and_counts_the_bytes(tmp_path: Path) -> None:
    data, expected = insert(TEXT, BAD)
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    doc = read_one(path, decode_errors="replace")
    assert isinstance(doc, RawDocument)
    assert doc.text == expected
    assert doc.encoding == "utf-8"
    assert doc.warnings == [warning(str(path), 4)]
    assert doc.replaced == tuple(i for i, ch in enumerate(expected) if ch == FFFD)
    assert len(doc.replaced) == 4
    assert decode_bytes(data, "a.txt", decode_errors="replace") == (
        expected,
        "utf-8",
        [warning("a.txt", 4)],
    )


def test_flag_on_exactly_the_affected_segments(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(insert(TEXT, BAD)[0])
    raw = read_one(path, decode_errors="replace")
    assert isinstance(raw, RawDocument)
    doc = process_document(raw)
    table = [(s.para, s.sent, "decode-error" in s.flags) for s in doc.segments]
    assert table == [
        (1, 1, True),  # ... đã �cảm nhận ...
        (1, 2, False),
        (2, 1, False),
        (3, 1, True),  # ... ��ngủ màn ...
        (3, 2, True),  # ... dụng cụ �chứa nước.
    ]
    for seg in doc.segments:
        assert (FFFD in seg.text) == ("decode-error" in seg.flags)


def test_flag_in_lines_mode_and_its_place_among_flags(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(insert(TEXT + "Bình luận (3)\n", {"(3)": b"\xff", "chứa": b"\xc3"})[0])
    raw = read_one(path, decode_errors="replace")
    assert isinstance(raw, RawDocument)
    lines = process_document(raw, PipelineOptions(segment="lines"))
    assert [(s.para, s.flags) for s in lines.segments] == [
        (1, ()),
        (2, ()),
        (3, ("decode-error",)),
        (4, ("widget", "decode-error")),
    ]
    assert list(FLAGS)[-1] == "decode-error"
    assert "decode-error" not in DROP_BY_DEFAULT


def test_literal_replacement_character_is_not_a_decode_error(tmp_path: Path) -> None:
    """U+FFFD written in the file (valid UTF-8 EF BF BD) is text, not a decoding error."""
    text = f"{P1}\nKý tự {FFFD} có sẵn trong tệp.\n{P3}\n"
    data, expected = insert(text, {"chứa": b"\xff"})
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    raw = read_one(path, decode_errors="replace")
    assert isinstance(raw, RawDocument)
    assert (raw.text, raw.replaced) == (expected, (expected.rindex(FFFD),))
    assert raw.warnings == [warning(str(path), 1)]
    flagged = [s.text for s in process_document(raw).segments if "decode-error" in s.flags]
    assert flagged == [f"Đậy kín dụng cụ {FFFD}chứa nước."]


def test_valid_utf8_is_untouched_by_replace(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    doc = read_one(path, decode_errors="replace")
    assert isinstance(doc, RawDocument)
    assert (doc.text, doc.warnings, doc.replaced) == (TEXT, [], ())


def test_utf8_bom_with_a_bad_byte(tmp_path: Path) -> None:
    data, expected = insert(TEXT, {"ngủ": b"\xff"})
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf" + data)
    doc = read_one(path, decode_errors="replace")
    assert isinstance(doc, RawDocument)
    assert (doc.text, doc.encoding, doc.replaced) == (
        expected,
        "utf-8-sig",
        (expected.index(FFFD),),
    )


def test_too_many_bad_bytes_is_still_refused_and_says_why(tmp_path: Path) -> None:
    """Every other word followed by a bad byte: not "a few", and no guess fits either."""
    data = b"".join(w.encode("utf-8") + b"\xff " for w in P1.split())
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    item = read_one(path, decode_errors="replace")
    assert isinstance(item, ReadFailure)
    assert item.message == (
        f"cannot decode '{path}': {len(P1.split())} of its bytes are not UTF-8, too many for "
        "--decode-errors replace (which keeps text that is clearly UTF-8 apart from a few bad "
        "bytes), it is not Windows-1258 Vietnamese, and no other encoding could be detected; "
        "pass its encoding with --encoding (e.g. --encoding cp1258) or convert the file to UTF-8"
    )


def cp1258_bytes(text: str) -> bytes:
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        marks = "".join(c for c in nfd if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones)) + marks)
    return "".join(out).encode("cp1258")


def test_legacy_file_still_goes_to_the_encoding_guess(tmp_path: Path) -> None:
    """Windows-1258 bytes are not UTF-8 with a few bad bytes: replace changes nothing."""
    path = tmp_path / "a.txt"
    path.write_bytes(cp1258_bytes(TEXT))
    strict = read_one(path)
    lenient = read_one(path, decode_errors="replace")
    assert isinstance(strict, RawDocument) and isinstance(lenient, RawDocument)
    assert lenient == strict
    assert (lenient.text, lenient.encoding, lenient.replaced) == (TEXT, "cp1258", ())


def test_ascii_text_with_one_legacy_byte_is_not_taken_for_utf8(tmp_path: Path) -> None:
    """No valid multi-byte UTF-8 at all: UTF-8 is not clearly the encoding, so the guess
    decides as without replace."""
    data = "The café opened on Monday morning, and the whole street came to see it.\n" * 3
    path = tmp_path / "a.txt"
    path.write_bytes(data.encode("cp1252"))
    strict = read_one(path)
    lenient = read_one(path, decode_errors="replace")
    assert isinstance(strict, RawDocument) and isinstance(lenient, RawDocument)
    assert lenient == strict
    assert FFFD not in lenient.text and lenient.replaced == ()


def test_given_encoding_with_an_undefined_byte(tmp_path: Path) -> None:
    """--encoding cp1258 and a byte cp1258 does not define (0x81): refused when strict,
    replaced (after NFC composition, at the right offset) with replace."""
    data = cp1258_bytes(P2) + b"\x81" + cp1258_bytes(" " + P3)
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    strict = read_one(path, encoding="cp1258")
    assert isinstance(strict, ReadFailure)
    assert strict.message == (
        f"cannot decode '{path}' as cp1258 (given by --encoding): byte 0x81 at offset "
        f"{len(cp1258_bytes(P2))} is invalid; pass the file's real encoding with --encoding, "
        "or convert the file to UTF-8"
    )
    doc = read_one(path, encoding="cp1258", decode_errors="replace")
    assert isinstance(doc, RawDocument)
    assert (doc.text, doc.encoding, doc.replaced) == (f"{P2}{FFFD} {P3}", "cp1258", (len(P2),))
    assert doc.warnings == [warning(str(path), 1)]


def test_jsonl_counts_per_record(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": P1}, ensure_ascii=False),
        json.dumps({"id": "b", "text": P2, "title": "Giá xăng"}, ensure_ascii=False),
        json.dumps({"id": "c", "text": P3}, ensure_ascii=False),
    ]
    data, _ = insert("\n".join(lines) + "\n", {"xu hướng": b"\xff\xfe", "chứa": b"\xff"})
    path = tmp_path / "b.jsonl"
    path.write_bytes(data)
    docs = list(read_sources([str(path)], decode_errors="replace"))
    assert all(isinstance(d, RawDocument) for d in docs)
    table = [(d.id, d.warnings, d.replaced, d.meta) for d in docs if isinstance(d, RawDocument)]
    p2 = P2.replace("xu hướng", FFFD * 2 + "xu hướng")
    assert table == [
        ("a", [], (), {}),
        (
            "b",
            [
                f"'{path}' line 2: 2 bytes could not be decoded (replaced with U+FFFD); the "
                "segments holding them are flagged decode-error"
            ],
            (p2.index(FFFD), p2.index(FFFD) + 1),
            {"title": "Giá xăng"},
        ),
        (
            "c",
            [
                f"'{path}' line 3: 1 byte could not be decoded (replaced with U+FFFD); the "
                "segments holding it are flagged decode-error"
            ],
            (P3.index("chứa"),),
            {},
        ),
    ]
    assert [d.text for d in docs if isinstance(d, RawDocument)] == [
        P1,
        p2,
        P3.replace("chứa", FFFD + "chứa"),
    ]


def test_html_flags_the_paragraph_with_the_bad_byte(tmp_path: Path) -> None:
    body = "".join(f"<p>{p}</p>" for p in (P1, P2, P3))
    html = f"<html><head><title>Tin</title></head><body><article>{body}</article></body></html>"
    path = tmp_path / "a.html"
    path.write_bytes(insert(html, {"xu hướng": b"\xff"})[0])
    raw = read_one(path, decode_errors="replace")
    assert isinstance(raw, RawDocument)
    assert raw.warnings == [warning(str(path), 1)]
    doc = process_document(raw)
    assert [s.text for s in doc.segments if "decode-error" in s.flags] == [
        P2.replace("xu hướng", FFFD + "xu hướng")
    ]


def test_unknown_value_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    message = "unknown --decode-errors 'ignore'; use 'strict' or 'replace'"
    with pytest.raises(ConfigError, match=f"^{message}$"):
        list(read_sources([str(path)], decode_errors="ignore"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=f"^{message}$"):
        decode_bytes(b"x", "x", decode_errors="ignore")  # type: ignore[arg-type]


ALWAYS_BAD = [*range(0x80, 0xC0), 0xC0, 0xC1, *range(0xF5, 0x100)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(TEXT)), st.sampled_from(ALWAYS_BAD)),
        min_size=1,
        max_size=6,
    )
)
def test_any_few_bad_bytes_are_counted_placed_and_flagged(inserts: list[tuple[int, int]]) -> None:
    """Bytes that are never UTF-8, put between characters: each is one U+FFFD at its place, the
    count is exact, and a segment is flagged exactly when it covers one of them."""
    chars = list(TEXT)
    for at, byte in sorted(inserts, reverse=True):
        chars.insert(at, chr(0xDC00 + byte))  # a placeholder for the bad byte
    data = "".join(chars).encode("utf-8", "surrogateescape")
    expected = "".join(FFFD if 0xDC80 <= ord(c) <= 0xDCFF else c for c in chars)
    text, codec, warnings = decode_bytes(data, "f.txt", decode_errors="replace")
    assert (text, codec, warnings) == (expected, "utf-8", [warning("f.txt", len(inserts))])
    raw = RawDocument(
        "f.txt", "f.txt", text, replaced=tuple(i for i, c in enumerate(text) if c == FFFD)
    )
    for seg in process_document(raw).segments:
        covers = any(seg.start <= i < seg.end for i in raw.replaced)
        assert ("decode-error" in seg.flags) == covers, seg
