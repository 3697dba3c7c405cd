"""Readers: every format, source expansion, decoding and the per-document failures.
All fixtures are built here in tmp_path."""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from pathlib import Path

import pytest

from corpus.errors import ConfigError, DataError
from corpus.model import RawDocument
from corpus.pipeline import process_documents
from corpus.readers import ReadFailure, decode_bytes, read_sources, sniff_format
from tests.shared_data import SEEDS

SEED = SEEDS / "003_31235d404d81b38e.txt"
VI = "Lực lượng Tham mưu Công an nhân dân đã thông tin với báo chí về những kết quả nổi bật."
TONES = "\u0300\u0301\u0303\u0309\u0323"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
HTML = """<!DOCTYPE html>
<html><head><title>Tin tức</title>
<style>p { color: red; } .x { display: none }</style>
<script>alert(1)</script>
</head><body>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/ts">Thời sự</a></li></ul></nav>
<article>
<h1>Hà Nội đón mùa thu</h1>
<p>Sáng nay, người dân Thủ đô đã cảm nhận rõ không khí se lạnh đầu mùa với nhiệt độ giảm.</p>
<script>alert(2)</script>
<p>Theo dự báo, thời tiết mát mẻ sẽ kéo dài đến cuối tuần, thuận lợi cho các hoạt động.</p>
</article>
<footer><p>Bản quyền © 2022 Báo X</p></footer>
</body></html>
"""
HTML_TEXT = (
    "Hà Nội đón mùa thu\n"
    "Sáng nay, người dân Thủ đô đã cảm nhận rõ không khí se lạnh đầu mùa với nhiệt độ giảm.\n"
    "Theo dự báo, thời tiết mát mẻ sẽ kéo dài đến cuối tuần, thuận lợi cho các hoạt động."
)


def cp1258_bytes(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters (ă â ê ô ơ ư đ are precomposed there)
    followed by a combining tone mark. Plain NFD cannot be encoded: cp1258 has no horn or
    breve combining marks."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in nfd if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES)) + tones)
    return "".join(out).encode("cp1258")


def read(*sources: str | Path, **kwargs: object) -> list[RawDocument | ReadFailure]:
    return list(read_sources([str(s) for s in sources], **kwargs))  # type: ignore[arg-type]


def docs_of(items: list[RawDocument | ReadFailure]) -> list[RawDocument]:
    assert all(isinstance(i, RawDocument) for i in items), items
    return [i for i in items if isinstance(i, RawDocument)]


def one_failure(items: list[RawDocument | ReadFailure]) -> ReadFailure:
    assert len(items) == 1 and isinstance(items[0], ReadFailure), items
    assert isinstance(items[0].error, DataError)
    return items[0]


# --- text ------------------------------------------------------------------------------------


def test_text_file_is_one_document_kept_exactly(tmp_path: Path) -> None:
    path = tmp_path / "000_abbbb2874d62dfae.txt"
    raw = "Dòng một.\r\nDòng hai.\r\n\r\n  Đoạn hai.\n"
    path.write_bytes(raw.encode("utf-8"))
    [doc] = docs_of(read(path))
    assert doc == RawDocument(
        id="000_abbbb2874d62dfae.txt", source=str(path), text=raw, encoding="utf-8", warnings=[]
    )


def test_seed_reads_unchanged() -> None:
    [doc] = docs_of(read(SEED))
    assert doc.id == "003_31235d404d81b38e.txt"
    assert doc.text == SEED.read_text(encoding="utf-8")


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + VI.encode("utf-8"))
    [doc] = docs_of(read(path))
    assert (doc.text, doc.encoding, doc.warnings) == (VI, "utf-8-sig", [])


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes(VI.encode("utf-16"))
    [doc] = docs_of(read(path))
    assert (doc.text, doc.encoding, doc.warnings) == (VI, "utf-16", [])


def test_one_megabyte_single_line(tmp_path: Path) -> None:
    """A 1 MiB line (no newline at all) is one document, character for character.
    Its reading speed is a figure of ``benchmarks/segmentation.py``, not a test."""
    line = ("Hà Nội đón mùa thu với không khí se lạnh, " * 30000)[: 1 << 20]
    path = tmp_path / "big.txt"
    path.write_text(line, encoding="utf-8")
    [doc] = docs_of(read(path))
    assert (doc.id, doc.source, doc.encoding, doc.warnings) == ("big.txt", str(path), "utf-8", [])
    assert doc.text == line
    assert len(doc.text) == 1 << 20
    assert "\n" not in doc.text


# --- decoding --------------------------------------------------------------------------------


def test_cp1258_is_decoded_composed_and_warned(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    data = cp1258_bytes(VI)
    assert b"\xcc" in data or b"\xec" in data  # really combining tone marks
    path.write_bytes(data)
    [doc] = docs_of(read(path))
    assert doc.text == VI
    assert doc.encoding == "cp1258"
    assert doc.warnings == [
        f"decoded '{path}' as cp1258 (not UTF-8); pass --encoding to choose another"
    ]


def test_cp1258_seed_round_trip() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert decode_bytes(cp1258_bytes(text), "seed.txt") == (
        text,
        "cp1258",
        ["decoded 'seed.txt' as cp1258 (not UTF-8); pass --encoding to choose another"],
    )


def test_other_encodings_are_detected_and_warned() -> None:
    russian = (
        "Москва — столица России, крупнейший по численности населения город страны. "
        "Город расположен на реке Москве в центре Восточно-Европейской равнины. "
    ) * 3
    assert decode_bytes(russian.encode("cp1251"), "ru.txt") == (
        russian,
        "cp1251",
        ["decoded 'ru.txt' as cp1251 (not UTF-8); pass --encoding to choose another"],
    )


UNDECODABLE = bytes(range(0x80, 0x100)) * 4


def test_undecodable_without_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(UNDECODABLE)
    failure = one_failure(read(path))
    assert failure.source == str(path)
    assert failure.message == (
        f"cannot decode '{path}': it is not UTF-8, not Windows-1258 Vietnamese, and no other "
        "encoding could be detected; pass its encoding with --encoding (e.g. --encoding cp1258) "
        "or convert the file to UTF-8"
    )
    assert failure.error.exit_code == 65


def test_undecodable_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"abc " + UNDECODABLE)
    failure = one_failure(read(path, encoding="ascii"))
    assert failure.message == (
        f"cannot decode '{path}' as ascii (given by --encoding): byte 0x80 at offset 4 is "
        "invalid; pass the file's real encoding with --encoding, or convert the file to UTF-8"
    )


def test_given_encoding_is_used_for_non_utf8_only(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café déjà vu".encode("latin-1"))
    utf8 = tmp_path / "utf8.txt"
    utf8.write_text(VI, encoding="utf-8")
    docs = docs_of(read(latin, utf8, encoding="latin-1"))
    assert [(d.text, d.encoding, d.warnings) for d in docs] == [
        ("café déjà vu", "iso8859-1", []),
        (VI, "utf-8", []),
    ]


def test_given_cp1258_is_composed(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_bytes(cp1258_bytes(VI))
    [doc] = docs_of(read(path, encoding="windows-1258"))
    assert (doc.text, doc.encoding, doc.warnings) == (VI, "cp1258", [])


def test_unknown_encoding_name_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(VI, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown encoding 'viscii-x' for --encoding"):
        read(tmp_path / "a.txt", encoding="viscii-x")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(PNG)
    failure = one_failure(read(path))
    assert failure.message == (
        f"'{path}' is a binary file (it contains NUL bytes); remove it from the input "
        "(if it is UTF-16 text without a byte-order mark, pass --encoding utf-16)"
    )


def test_mostly_control_characters_is_binary() -> None:
    with pytest.raises(DataError, match=r"^'ctl.txt' is a binary file \(40 of its 44 "):
        decode_bytes(b"\x01\x02\x03\x04" * 10 + b"abcd", "ctl.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "\u00a0 \n".encode(), b"\xef\xbb\xbf"])
def test_empty_and_whitespace_only(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    failure = one_failure(read(path))
    assert failure.message == f"'{path}' is empty (only whitespace); remove it from the input"


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Một.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(PNG)
    (tmp_path / "c.txt").write_text("Ba.", encoding="utf-8")
    items = read(tmp_path)
    assert [type(i).__name__ for i in items] == ["RawDocument", "ReadFailure", "RawDocument"]
    assert [i.source for i in items] == [str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")]


# --- HTML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_main_text_without_script_or_style(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"page{suffix}"
    path.write_text(HTML, encoding="utf-8")
    [doc] = docs_of(read(path))
    assert (doc.id, doc.source, doc.text, doc.encoding) == (
        f"page{suffix}",
        str(path),
        HTML_TEXT,
        "utf-8",
    )
    for leak in ("alert", "color", "display", "Trang chủ"):
        assert leak not in doc.text


def test_short_html_page_still_yields_its_text(tmp_path: Path) -> None:
    path = tmp_path / "short.html"
    path.write_text("<html><body><p>Xin chào các bạn.</p></body></html>", encoding="utf-8")
    [doc] = docs_of(read(path))
    assert doc.text == "Xin chào các bạn."


def test_html_without_main_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text(
        "<html><head><script>alert(1)</script></head><body><div></div></body></html>",
        encoding="utf-8",
    )
    failure = one_failure(read(path))
    assert failure.message == (
        f"no main text found in '{path}' (HTML); check that the page holds an article, "
        "or convert it to plain text and read it as .txt"
    )


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_records_ids_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": "Văn bản một.\nDòng hai."}, ensure_ascii=False),
        json.dumps({"text": "Không có id."}, ensure_ascii=False),
        "",
        '{"id": "x", "text": "thiếu dấu ngoặc"',
        json.dumps({"id": 7, "text": "Id là số."}, ensure_ascii=False),
        json.dumps({"id": [1], "text": "Id sai kiểu."}, ensure_ascii=False),
        json.dumps({"id": "y"}),
        json.dumps(["không", "phải", "object"], ensure_ascii=False),
        json.dumps({"id": "z", "text": "  "}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read(path)
    summary = [
        (i.id, i.source, i.text) if isinstance(i, RawDocument) else (i.source, i.message)
        for i in items
    ]
    assert summary[0] == ("a1", f"{path}#1", "Văn bản một.\nDòng hai.")
    assert summary[1] == ("batch.jsonl#2", f"{path}#2", "Không có id.")
    assert summary[2][0] == f"{path}#4"
    assert summary[2][1].startswith(f"'{path}' line 4 is not valid JSON (")
    assert summary[2][1].endswith('); fix the line so it reads {"id": "...", "text": "..."}')
    assert summary[3] == ("7", f"{path}#5", "Id là số.")
    assert summary[4:] == [
        (f"{path}#6", f"'{path}' line 6: \"id\" [1] is a list; use a string or an integer"),
        (f"{path}#7", f'\'{path}\' line 7 has no "text" field; add the document text as "text"'),
        (
            f"{path}#8",
            f"'{path}' line 8 is a JSON list, not an object; write it as "
            '{"id": "...", "text": "..."}',
        ),
        (f"{path}#9", f"'{path}' line 9: \"text\" is empty; remove the line or give it text"),
    ]


def test_jsonl_duplicate_ids_are_failures_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text(
        '{"id": "a", "text": "Một."}\n{"id": "a", "text": "Hai."}\n{"id": "a-2", "text": "Ba."}\n',
        encoding="utf-8",
    )
    items = read(path)
    assert [(type(i).__name__, i.source) for i in items] == [
        ("RawDocument", f"{path}#1"),
        ("ReadFailure", f"{path}#2"),
        ("RawDocument", f"{path}#3"),
    ]
    assert [i.id for i in items if isinstance(i, RawDocument)] == ["a", "a-2"]
    assert [i.order for i in items if isinstance(i, RawDocument)] == [0, 1]
    failure = items[1]
    assert isinstance(failure, ReadFailure)
    assert failure.message == (
        f"id 'a' of '{path}#2' is already the id of '{path}#1'; give every document its own id "
        '(JSONL "id" fields, --doc-id for stdin)'
    )
    assert failure.error.exit_code == 65


def test_empty_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n\n \n", encoding="utf-8")
    assert one_failure(read(path)).message == (
        f"'{path}' is empty (only whitespace); remove it from the input"
    )


def test_jsonl_fields_other_than_id_and_text_are_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    record = {
        "id": "vne-1",
        "text": VI,
        "title": "Kết quả nổi bật",
        "url": "https://example.vn/a.html",
        "date": "2024-03-14",
        "views": 1200,
        "score": 0.5,
        "live": True,
        "tags": ["công an", "báo chí"],
        "source": {"site": "X", "page": 2},
        "note": None,
        "empty": "",
    }
    path.write_text(
        json.dumps(record, ensure_ascii=False) + "\n" + json.dumps({"text": "Hai."}) + "\n",
        encoding="utf-8",
    )
    first, second = docs_of(read(path))
    assert first.meta == {
        "title": "Kết quả nổi bật",
        "url": "https://example.vn/a.html",
        "date": "2024-03-14",
        "views": "1200",
        "score": "0.5",
        "live": "true",
        "tags": '["công an","báo chí"]',
        "source": '{"site":"X","page":2}',
        "empty": "",
    }
    assert list(first.meta) == [
        "title",
        "url",
        "date",
        "views",
        "score",
        "live",
        "tags",
        "source",
        "empty",
    ]
    assert second.meta == {}
    assert [d.meta for d in process_documents([first, second])] == [first.meta, {}]


def test_jsonl_metadata_with_a_lone_surrogate_fails_the_record(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a", "text": "Một.", "title": "x\\ud800"}\n', encoding="utf-8")
    assert one_failure(read(path)).message == (
        f"'{path}' line 1: field \"title\" holds a lone surrogate, which is no character; "
        "write the character itself or a valid surrogate pair"
    )


def test_html_metadata_reaches_the_document(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        HTML.replace(
            "<title>Tin tức</title>",
            '<title>Hà Nội đón mùa thu</title><link rel="canonical" href="https://tintuc.vn/ha-noi-don-mua-thu.html">'
            '<meta property="article:published_time" content="2022-09-20T08:00:00+07:00">',
        ),
        encoding="utf-8",
    )
    [doc] = docs_of(read(path))
    assert (doc.text, doc.meta) == (
        HTML_TEXT,
        {
            "title": "Hà Nội đón mùa thu",
            "url": "https://tintuc.vn/ha-noi-don-mua-thu.html",
            "date": "2022-09-20",
        },
    )


# --- expansion -------------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    (root / ".hidden").mkdir()
    (root / "z.txt").write_text("Z.", encoding="utf-8")
    (root / "b" / "doc.txt").write_text("B.", encoding="utf-8")
    (root / "a" / "doc.txt").write_text("A.", encoding="utf-8")
    (root / "a" / "page.HTML").write_text(
        "<html><body><p>Trang.</p></body></html>", encoding="utf-8"
    )
    (root / "a" / "r.jsonl").write_text('{"id": "r1", "text": "R."}\n', encoding="utf-8")
    (root / "a" / "notes.md").write_text("bỏ qua", encoding="utf-8")
    (root / ".hidden" / "h.txt").write_text("ẩn", encoding="utf-8")
    (root / "a" / ".h.txt").write_text("ẩn", encoding="utf-8")


def test_directory_is_searched_recursively_and_sorted(tmp_path: Path) -> None:
    make_tree(tmp_path)
    docs = docs_of(read(tmp_path))
    assert [(d.id, d.source, d.text, d.order) for d in docs] == [
        ("a/doc.txt", str(tmp_path / "a" / "doc.txt"), "A.", 0),
        ("a/page.HTML", str(tmp_path / "a" / "page.HTML"), "Trang.", 1),
        ("r1", f"{tmp_path / 'a' / 'r.jsonl'}#1", "R.", 2),
        ("b/doc.txt", str(tmp_path / "b" / "doc.txt"), "B.", 3),
        ("z.txt", str(tmp_path / "z.txt"), "Z.", 4),
    ]
    assert all(d.warnings == [] for d in docs)


def test_glob_and_explicit_file_read_once(tmp_path: Path) -> None:
    make_tree(tmp_path)
    docs = docs_of(read(tmp_path / "*" / "*.txt", tmp_path / "a" / "doc.txt"))
    assert [(d.id, d.source) for d in docs] == [
        ("a/doc.txt", str(tmp_path / "a" / "doc.txt")),
        ("b/doc.txt", str(tmp_path / "b" / "doc.txt")),
    ]


def test_glob_matching_nothing_is_a_config_error(tmp_path: Path) -> None:
    pattern = str(tmp_path / "examples" / "*.txt")
    with pytest.raises(ConfigError) as info:
        read(pattern)
    assert str(info.value) == (
        f"glob pattern '{pattern}' matches no files; check the pattern "
        "(quote it so the shell does not expand it)"
    )
    assert info.value.exit_code == 2


def test_missing_path_and_empty_directory_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Tốt.", encoding="utf-8")
    missing = tmp_path / "nope.txt"
    with pytest.raises(ConfigError, match=f"^no such file or directory: '{missing}'; check"):
        read(tmp_path / "good.txt", missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(
        ConfigError,
        match=rf"^directory '{empty}' holds no \*\.txt/\*\.html/\*\.htm/\*\.jsonl files",
    ):
        read(empty)
    with pytest.raises(ConfigError, match="no input given"):
        read()


def test_unknown_format_and_double_stdin_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown input format 'pdf'; use one of"):
        read("-", fmt="pdf", stdin=io.BytesIO(b"x"))
    with pytest.raises(ConfigError, match="given twice"):
        read("-", "-", stdin=io.BytesIO(b"x"))


# --- stdin and sniffing ----------------------------------------------------------------------


def test_stdin_text() -> None:
    [doc] = docs_of(read("-", stdin=io.BytesIO(VI.encode("utf-8"))))
    digest = hashlib.sha256(VI.encode("utf-8")).hexdigest()[:12]
    assert (doc.id, doc.source, doc.text, doc.encoding) == (f"stdin-{digest}", "-", VI, "utf-8")


def test_stdin_jsonl_sniffed_with_a_bad_line() -> None:
    data = '{"id": "a", "text": "Một."}\n{"id": "b", "text": "Hai."\n'.encode()
    items = read("-", stdin=io.BytesIO(data))
    assert isinstance(items[0], RawDocument)
    assert (items[0].id, items[0].source, items[0].text) == ("a", "-#1", "Một.")
    assert isinstance(items[1], ReadFailure)
    assert items[1].source == "-#2"
    assert items[1].message.startswith("'<stdin>' line 2 is not valid JSON")


def test_stdin_html_sniffed() -> None:
    [doc] = docs_of(read("-", stdin=io.BytesIO(HTML.encode("utf-8"))))
    digest = hashlib.sha256(HTML.encode("utf-8")).hexdigest()[:12]
    assert (doc.id, doc.text) == (f"stdin-{digest}", HTML_TEXT)


def test_stdin_format_forced() -> None:
    data = '{"id": "a", "text": "Một."}\n'
    [doc] = docs_of(read("-", stdin=io.BytesIO(data.encode()), fmt="text"))
    assert doc.text == data


def test_stdin_cp1258() -> None:
    [doc] = docs_of(read("-", stdin=io.BytesIO(cp1258_bytes(VI))))
    assert doc.text == VI
    assert doc.warnings == [
        "decoded '<stdin>' as cp1258 (not UTF-8); pass --encoding to choose another"
    ]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"id": 1, "text": "a"}\n\n{"text": "b"}\n', "jsonl"),
        ('{"id": 1, "text": "a"}\n{broken}\n', "jsonl"),
        ("{không phải json}\n", "text"),
        ("<!doctype html><html><body><p>Xin chào.</p></body></html>", "html"),
        ("  <p>Đoạn văn.</p>", "html"),
        ("Giá 5 < 7 và <b>đậm</b>", "text"),
        ("Văn bản thường.", "text"),
    ],
)
def test_sniff_format(text: str, fmt: str) -> None:
    assert sniff_format(text) == fmt
