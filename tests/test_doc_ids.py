"""Stable document ids, input order and excluded paths of ``read_sources``.

Ids key translations and review decisions in the store, so they must depend only on the
document and the argument it was found under: adding files never renumbers the others.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest

from corpus.errors import ConfigError, DataError
from corpus.model import RawDocument
from corpus.readers import ReadFailure, Skipped, read_sources

PAGE = (
    "<html><body><article><p>Bài báo ngày {day} nói về thời tiết Hà Nội.</p></article>"
    "</body></html>"
)


def read(*sources: str | Path, **kwargs: object) -> list[RawDocument | ReadFailure]:
    return list(read_sources([str(s) for s in sources], **kwargs))  # type: ignore[arg-type]


def ids(*sources: str | Path, **kwargs: object) -> list[str]:
    items = read(*sources, **kwargs)
    assert all(isinstance(i, RawDocument) for i in items), items
    return [i.id for i in items]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- files -----------------------------------------------------------------------------------


def test_scrape_ids_survive_a_new_folder_that_sorts_first(tmp_path: Path) -> None:
    scrape = tmp_path / "scrape"
    for day in ("2024-05-02", "2024-05-03"):
        write(scrape / day / "index.html", PAGE.format(day=day))
    before = ["2024-05-02/index.html", "2024-05-03/index.html"]
    assert ids(scrape) == before
    assert ids(f"{scrape}/") == before
    assert ids(scrape / "*" / "index.html") == before  # glob: relative to 'scrape'
    write(scrape / "2024-05-01" / "index.html", PAGE.format(day="01"))
    after = ["2024-05-01/index.html", *before]
    assert ids(scrape) == after
    assert ids(scrape / "*" / "index.html") == after
    docs = read(scrape)
    assert [d.source for d in docs] == [str(scrape / p) for p in after]  # source: as given


def test_relative_directory_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "scrape" / "2024-05-01" / "a.txt", "Một.")
    monkeypatch.chdir(tmp_path)
    [doc] = read("scrape")
    assert (doc.id, doc.source) == (
        "2024-05-01/a.txt",
        os.path.join("scrape", "2024-05-01", "a.txt"),
    )
    assert ids(".") == ["scrape/2024-05-01/a.txt"]
    assert ids("./scrape/../scrape/2024-05-01") == ["a.txt"]


def test_file_argument_is_its_file_name_with_suffix(tmp_path: Path) -> None:
    a_txt = write(tmp_path / "sub" / "a.txt", "Một.")
    a_html = write(tmp_path / "sub" / "a.html", "<html><body><p>Hai.</p></body></html>")
    assert ids(a_txt, a_html) == ["a.txt", "a.html"]
    assert ids(tmp_path / "sub") == ["a.html", "a.txt"]


def test_glob_ids_are_relative_to_the_fixed_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "data" / "s1" / "x" / "a.txt", "Một.")
    write(tmp_path / "data" / "s2" / "x" / "b.txt", "Hai.")
    write(tmp_path / "data" / "s2" / "x" / "deep" / "c.txt", "Ba.")
    assert ids(tmp_path / "data" / "s*" / "x" / "*.txt") == ["s1/x/a.txt", "s2/x/b.txt"]
    assert ids(tmp_path / "data" / "s2" / "*") == ["x/b.txt", "x/deep/c.txt"]  # a matched dir
    assert ids(f"{tmp_path}/data/**/*.txt") == [
        "s1/x/a.txt",
        "s2/x/b.txt",
        "s2/x/deep/c.txt",
    ]
    monkeypatch.chdir(tmp_path / "data" / "s2" / "x")
    assert ids("*.txt") == ["b.txt"]


def test_directory_order_is_sorted_path_by_path(tmp_path: Path) -> None:
    for rel in ("a-b/x.txt", "a/x.txt", "a/y/z.txt", "a.b/x.txt", "B.txt"):
        write(tmp_path / rel, "Một.")
    assert ids(tmp_path) == ["B.txt", "a/x.txt", "a/y/z.txt", "a-b/x.txt", "a.b/x.txt"]


# --- stdin -----------------------------------------------------------------------------------


def stdin_id(data: bytes, **kwargs: object) -> str:
    [doc] = read("-", stdin=io.BytesIO(data), **kwargs)
    assert isinstance(doc, RawDocument)
    return doc.id


def test_stdin_id_is_a_hash_of_its_bytes() -> None:
    data = "Xin chào.".encode()
    expected = "stdin-" + hashlib.sha256(data).hexdigest()[:12]
    assert stdin_id(data) == stdin_id(data) == expected
    assert stdin_id("Xin chào!".encode()) != expected
    # the raw bytes count, not the decoded text: a BOM changes the id
    assert stdin_id(b"\xef\xbb\xbf" + data) != expected


def test_doc_id_names_stdin() -> None:
    assert stdin_id(b"Mot.", doc_id="bai-1") == "bai-1"
    data = b'{"id": "r", "text": "Mot."}\n{"text": "Hai."}\n'
    assert ids("-", stdin=io.BytesIO(data), doc_id="lo") == ["r", "lo#2"]
    digest = hashlib.sha256(data).hexdigest()[:12]
    assert ids("-", stdin=io.BytesIO(data)) == ["r", f"stdin-{digest}#2"]


@pytest.mark.parametrize("bad", ["", "  ", " x", "x\n"])
def test_unusable_doc_id_is_a_config_error(bad: str) -> None:
    with pytest.raises(
        ConfigError, match="^" + re.escape(f"--doc-id {bad!r} is not a usable id; give a")
    ):
        read("-", stdin=io.BytesIO(b"x"), doc_id=bad)


def test_doc_id_without_stdin_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Một.")
    with pytest.raises(ConfigError) as info:
        read(path, doc_id="x")
    assert str(info.value) == (
        "--doc-id 'x' names the stdin document, but '-' (stdin) is not among the inputs; "
        "add '-' or leave --doc-id out"
    )


# --- duplicates ------------------------------------------------------------------------------


def test_same_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a" / "x.txt", "Một.")
    (tmp_path / "link.txt").symlink_to(path)
    docs = read(tmp_path / "a", path, tmp_path / "a" / ".." / "a" / "x.txt", tmp_path / "link.txt")
    assert [(d.id, d.source) for d in docs] == [("x.txt", str(tmp_path / "a" / "x.txt"))]


def test_two_files_with_one_id_are_a_data_error_before_reading(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.txt", "Một.")
    write(tmp_path / "b" / "x.txt", "Hai.")
    gen = read_sources([str(tmp_path / "a"), str(tmp_path / "b")])
    with pytest.raises(DataError) as info:
        next(gen)
    assert str(info.value) == (
        f"'{tmp_path / 'b' / 'x.txt'}' and '{tmp_path / 'a' / 'x.txt'}' both have the id "
        "'x.txt' (a file's id is its path relative to the argument it was found under); name "
        "their common parent directory instead, or rename one of them"
    )
    assert info.value.exit_code == 65
    assert ids(tmp_path) == ["a/x.txt", "b/x.txt"]  # the fix the message names


def test_doc_id_taken_by_a_file_is_a_data_error(tmp_path: Path) -> None:
    path = write(tmp_path / "x.txt", "Một.")
    with pytest.raises(
        DataError, match=r"^'.*x\.txt' and '<stdin> \(--doc-id\)' both have the id 'x\.txt'"
    ):
        read("-", path, stdin=io.BytesIO(b"Hai."), doc_id="x.txt")


def test_record_id_taken_by_another_document_fails_that_record(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Một.")
    batch = write(
        tmp_path / "b.jsonl",
        '{"id": "a.txt", "text": "Hai."}\n{"id": "k", "text": "Ba."}\n',
    )
    other = write(tmp_path / "c.jsonl", '{"id": "k", "text": "Bốn."}\n')
    items = read(tmp_path)
    assert [(type(i).__name__, i.source) for i in items] == [
        ("RawDocument", str(tmp_path / "a.txt")),
        ("ReadFailure", f"{batch}#1"),
        ("RawDocument", f"{batch}#2"),
        ("ReadFailure", f"{other}#1"),
    ]
    assert [i.message for i in items if isinstance(i, ReadFailure)] == [
        f"id 'a.txt' of '{batch}#1' is already the id of '{tmp_path / 'a.txt'}'; give every "
        'document its own id (JSONL "id" fields, --doc-id for stdin)',
        f"id 'k' of '{other}#1' is already the id of '{batch}#2'; give every document its own "
        'id (JSONL "id" fields, --doc-id for stdin)',
    ]


def test_stdin_record_duplicates_name_stdin() -> None:
    data = b'{"id": "a", "text": "Mot."}\n{"id": "a", "text": "Hai."}\n'
    items = read("-", stdin=io.BytesIO(data))
    assert isinstance(items[1], ReadFailure)
    assert items[1].message.startswith("id 'a' of '<stdin>#2' is already the id of '<stdin>#1';")


# --- order -----------------------------------------------------------------------------------


def test_documents_come_in_argument_order(tmp_path: Path) -> None:
    write(tmp_path / "z" / "2.txt", "Hai.")
    write(tmp_path / "z" / "1.txt", "Một.")
    write(tmp_path / "a.txt", "A.")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    write(tmp_path / "m.jsonl", '{"id": "m1", "text": "M1."}\n{"id": "m2", "text": "M2."}\n')
    items = read(
        tmp_path / "z",
        tmp_path / "bad.txt",
        "-",
        tmp_path / "m.jsonl",
        tmp_path / "a.txt",
        stdin=io.BytesIO(b"Vao."),
        doc_id="in",
    )
    summary = [
        (i.id, i.order) if isinstance(i, RawDocument) else ("failed", i.source) for i in items
    ]
    assert summary == [
        ("1.txt", 0),
        ("2.txt", 1),
        ("failed", str(tmp_path / "bad.txt")),
        ("in", 2),
        ("m1", 3),
        ("m2", 4),
        ("a.txt", 5),
    ]


# --- exclude ---------------------------------------------------------------------------------


def project(root: Path) -> None:
    write(root / "news" / "a.txt", "Một.")
    write(root / "out" / "corpus.jsonl", '{"id": "x", "text": "Cũ."}\n')
    write(root / "out" / "report.html", "<html><body><p>Báo cáo.</p></body></html>")
    write(root / "z.txt", "Hai.")


def test_excluded_output_directory_is_never_read(tmp_path: Path) -> None:
    project(tmp_path)
    notes: list[Skipped] = []
    out = str(tmp_path / "out")
    got = ids(tmp_path, exclude={out}, on_skip=notes.append)
    assert got == ["news/a.txt", "z.txt"]
    assert notes == [Skipped(str(tmp_path / "out"), out)]
    assert notes[0].message == f"not reading '{tmp_path / 'out'}': it is excluded from the input"
    assert ids(tmp_path) == ["news/a.txt", "x", "out/report.html", "z.txt"]  # without exclude


def test_exclude_compares_real_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path)
    (tmp_path / "alias").symlink_to(tmp_path / "out")
    monkeypatch.chdir(tmp_path)
    notes: list[Skipped] = []
    assert ids(".", exclude=["alias/"], on_skip=notes.append) == ["news/a.txt", "z.txt"]
    assert notes == [Skipped("./out", "alias/")]
    # a file under an excluded folder, matched by a glob, and an excluded file
    notes.clear()
    write(tmp_path / "news" / "b.txt", "Ba.")
    got = ids("*/*", exclude=["./out", "news/a.txt"], on_skip=notes.append)
    assert got == ["news/b.txt"]
    assert [n.message for n in notes] == [
        "not reading 'alias/corpus.jsonl': it is inside './out', which is excluded",
        "not reading 'alias/report.html': it is inside './out', which is excluded",
        "not reading 'news/a.txt': it is excluded from the input",
        "not reading 'out/corpus.jsonl': it is inside './out', which is excluded",
        "not reading 'out/report.html': it is inside './out', which is excluded",
    ]


def test_everything_excluded_is_a_config_error(tmp_path: Path) -> None:
    project(tmp_path)
    out = str(tmp_path / "out")
    with pytest.raises(ConfigError) as info:
        read(tmp_path / "news", out, exclude=[out])
    assert str(info.value) == (
        f"'{out}' names no *.txt/*.html/*.htm/*.jsonl files outside the excluded paths "
        f"('{out}'); name other inputs"
    )
