"""References in the store: line-aligned and document attach, the read API, CLI and errors.

No model: a fake translator (a fixed dictionary) writes the MT bridge, as in test_store.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aligned.cli import main
from aligned.references import (
    ReferenceGroup,
    attach_documents,
    attach_lines,
    reference_groups,
    reference_lines,
    reference_names,
    reference_sentences,
    references,
)
from aligned.runner import translate_pending
from aligned.store import Store, open_store
from corpus.errors import ConfigError, DataError
from corpus.model import RawDocument
from corpus.pipeline import process_documents
from tests.fakes import MT, REFERENCE, SIG, SOURCE, TableTranslator


def _store(path: Path, docs: dict[str, str], *, translate: bool) -> Store:
    store = open_store(path)
    store.add_documents(process_documents([RawDocument(d, f"{d}.txt", t) for d, t in docs.items()]))
    if translate:
        store.use_system(str(SIG))
        table = dict(zip(SOURCE, MT, strict=True))
        translate_pending(store, TableTranslator(table, upper_unknown=True), drop=frozenset())
    return store


def _ids(store: Store) -> list[int]:
    return [s.id for s in store.segment_texts()]


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Store]:
    """Documents 'b' (3 segments) and 'a' (2), given in that order: input order is b, then a."""
    docs = {"b": "Ba một. Ba hai.\nBa ba.\n", "a": "A một.\nA hai.\n"}
    with _store(tmp_path / "c.sqlite", docs, translate=False) as s:
        yield s


@pytest.fixture
def news(tmp_path: Path) -> Iterator[Store]:
    """Document 'news': the crafted source of test_align, one segment per line, translated."""
    with _store(tmp_path / "c.sqlite", {"news": "\n".join(SOURCE) + "\n"}, translate=True) as s:
        assert [seg.text for seg in s.segments()] == SOURCE
        yield s


def _rows(store: Store, name: str = "ref") -> list[tuple[str, str, str, float | None]]:
    rows = store.db.execute(
        "SELECT s.doc || ':' || s.para || ':' || s.sent, r.text, r.alignment, r.align_score "
        "FROM refs r JOIN segments s ON s.id = r.segment WHERE r.name = ? "
        "ORDER BY s.doc, s.para, s.sent",
        (name,),
    )
    return [(a, b, c, None if d is None else round(d, 4)) for a, b, c, d in rows]


# -- line-aligned ----------------------------------------------------------------------------


def test_lines_attach_in_input_order(small: Store) -> None:
    # Input order (b was given first), not document-id order.
    res = attach_lines(small, ["B one.", "B two.", "", "A one.", "A two."])
    assert (res.name, res.segments, res.beads) == ("ref", 4, {"1-1": 4})
    assert res.first == (("Ba một.", "B one."), ("Ba hai.", "B two."), ("Ba ba.", ""))
    assert _rows(small) == [
        ("a:1:1", "A one.", "1-1", None),
        ("a:2:1", "A two.", "1-1", None),
        ("b:1:1", "B one.", "1-1", None),
        ("b:1:2", "B two.", "1-1", None),
    ]
    ids = _ids(small)
    assert references(small) == {
        ids[0]: "B one.",
        ids[1]: "B two.",
        ids[3]: "A one.",
        ids[4]: "A two.",
    }
    assert reference_names(small) == ["ref"]


def test_lines_count_mismatch_names_both_counts(small: Store) -> None:
    with pytest.raises(DataError) as err:
        attach_lines(small, ["one", "two", "three", "four"])
    assert str(err.value).startswith("the reference has 4 lines but the store has 5 segments;")
    with pytest.raises(DataError, match="has 2 lines but document 'b' has 3 segments"):
        attach_lines(small, ["one", "two"], doc="b")
    assert reference_names(small) == []


def test_lines_one_document_and_rerun_replaces(small: Store) -> None:
    attach_lines(small, ["B1", "B2", "B3"], doc="b")
    attach_lines(small, ["b1", "b2", "b3"], doc="b")  # same name: replaced, not added
    attach_lines(small, ["x1", "x2", "x3", "x4", "x5"], name="other")
    assert _rows(small) == [
        ("b:1:1", "b1", "1-1", None),
        ("b:1:2", "b2", "1-1", None),
        ("b:2:1", "b3", "1-1", None),
    ]
    assert small.db.execute("SELECT count(*) FROM refs").fetchone()[0] == 8
    assert reference_names(small) == ["other", "ref"]
    assert list(references(small, "other").values()) == ["x1", "x2", "x3", "x4", "x5"]
    with pytest.raises(ConfigError, match="several references \\(other, ref\\)"):
        references(small)
    with pytest.raises(ConfigError, match=r"reference 'nope' is not in .*references: other, ref"):
        references(small, "nope")
    with pytest.raises(ConfigError, match=r"--doc 'zz' is not a document of .*documents: a, b"):
        attach_lines(small, ["x"], doc="zz")


# -- whole documents -------------------------------------------------------------------------

NEWS_REF = (
    f"{REFERENCE[0]}\n{REFERENCE[1]} {REFERENCE[2]}\n\n{REFERENCE[3]}\n"
    f"{REFERENCE[4]} {REFERENCE[5]}\n{REFERENCE[6]}\n"
)


def test_reference_lines_split_at_line_feeds_only() -> None:
    assert reference_lines("a\r\nb\u2028c\n\nd") == ["a", "b\u2028c", "", "d"]
    assert reference_lines("a\n") == ["a"]


def test_reference_sentences_split_per_line() -> None:
    assert reference_sentences(NEWS_REF) == REFERENCE
    assert reference_sentences("A title\nIt begins. It ends.") == [
        "A title",
        "It begins.",
        "It ends.",
    ]


def test_documents_with_mt_bridge_store_every_bead_type(news: Store, tmp_path: Path) -> None:
    ref = tmp_path / "news.txt"
    ref.write_text(NEWS_REF, encoding="utf-8")
    [res] = attach_documents(news, [ref], signature=str(SIG))
    assert res.method == "mt-chrf"
    assert res.beads == {"0-1": 1, "1-0": 1, "1-1": 3, "1-2": 1, "2-1": 1}
    assert res.unaligned == ("Subscribe to our newsletter.",)
    assert res.segments == 5
    assert _rows(news) == [
        ("news:1:1", REFERENCE[0], "1-1", 1.0),
        ("news:2:1", f"{REFERENCE[1]} {REFERENCE[2]}", "1-2", 0.8587),
        ("news:3:1", REFERENCE[3], "2-1", 1.0),
        ("news:4:1", "", "2-1:cont", None),
        ("news:5:1", "", "1-0", 0.0),
        ("news:6:1", REFERENCE[4], "1-1", 1.0),
        ("news:7:1", REFERENCE[6], "1-1", 1.0),
    ]
    ids = _ids(news)
    assert reference_groups(news) == [
        ReferenceGroup((ids[0],), REFERENCE[0], "1-1", 1.0),
        ReferenceGroup((ids[1],), f"{REFERENCE[1]} {REFERENCE[2]}", "1-2", 0.858675),
        ReferenceGroup((ids[2], ids[3]), REFERENCE[3], "2-1", 1.0),
        ReferenceGroup((ids[4],), "", "1-0", 0.0),
        ReferenceGroup((ids[5],), REFERENCE[4], "1-1", 1.0),
        ReferenceGroup((ids[6],), REFERENCE[6], "1-1", 1.0),
    ]
    # The 2-1 pair is keyed by its first segment; the 1-0 segment has no reference.
    assert references(news) == {
        ids[0]: REFERENCE[0],
        ids[1]: f"{REFERENCE[1]} {REFERENCE[2]}",
        ids[2]: REFERENCE[3],
        ids[5]: REFERENCE[4],
        ids[6]: REFERENCE[6],
    }
    # Re-running replaces the rows of that name.
    attach_documents(news, [ref], signature=str(SIG))
    assert news.db.execute("SELECT count(*) FROM refs").fetchone()[0] == 7


def test_list_remove_restore_keep_every_bead(news: Store, tmp_path: Path) -> None:
    """`refs list` counts units by type (a 2-1 unit once, its two segments covered);
    `refs remove` then `refs restore` gives back the same rows, 2-1:cont and scores included."""
    ref = tmp_path / "news.txt"
    ref.write_text(NEWS_REF, encoding="utf-8")
    attach_documents(news, [ref], signature=str(SIG))
    [info] = news.reference_infos()
    assert (info.name, info.segments, info.alignments) == (
        "ref",
        6,
        {"1-0": 1, "1-1": 3, "1-2": 1, "2-1": 1},
    )
    before = news.db.execute(
        "SELECT segment, name, text, alignment, align_score, created FROM refs ORDER BY segment"
    ).fetchall()
    removed = news.remove_reference("ref")
    assert (removed.rows, removed.scores) == (7, 0)
    assert news.reference_names() == [] and news.removed_reference_names() == ["ref"]
    assert news.restore_reference("ref") == (7, 0)
    after = news.db.execute(
        "SELECT segment, name, text, alignment, align_score, created FROM refs ORDER BY segment"
    ).fetchall()
    assert after == before
    assert news.restore_reference("nope") == (0, 0)


def test_documents_without_mt_use_gale_church(news: Store, tmp_path: Path) -> None:
    ref = tmp_path / "other-name.txt"
    ref.write_text(NEWS_REF, encoding="utf-8")
    [res] = attach_documents(news, [ref], doc="news", name="gc")
    assert (res.method, res.beads, res.unaligned) == ("gale-church", {"1-1": 7}, ())
    assert [(d, t, a) for d, t, a, _ in _rows(news, "gc")] == [
        (f"news:{k + 1}:1", REFERENCE[k], "1-1") for k in range(7)
    ]
    with pytest.raises(ConfigError, match=r"other-name\.txt: no document 'other-name' in"):
        attach_documents(news, [ref])
    with pytest.raises(ConfigError, match="--doc 'news' takes exactly one reference file, got 2"):
        attach_documents(news, [ref, ref], doc="news")


# -- the command line ------------------------------------------------------------------------


def test_cli_lines_and_documents(
    news: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(news.path)
    lines = tmp_path / "ref.en"
    lines.write_text("\n".join(REFERENCE) + "\n", encoding="utf-8")
    assert main(["refs", "add", store, str(lines), "--name", "lines"]) == 0
    assert "reference 'lines': 7 segments (lines; 1-1: 7)" in capsys.readouterr().err
    doc_ref = tmp_path / "news.txt"
    doc_ref.write_text(NEWS_REF, encoding="utf-8")
    assert main(["refs", "add", store, str(doc_ref), "--mode", "documents"]) == 0
    err = capsys.readouterr().err
    assert "reference 'ref': 5 segments (mt-chrf; 0-1: 1, 1-0: 1, 1-1: 3, 1-2: 1, 2-1: 1)" in err
    assert "warning: no source segment for: Subscribe to our newsletter." in err
    argv = ["refs", "add", store, str(doc_ref), "--mode", "documents", "--system", "none"]
    assert main([*argv, "--name", "gc"]) == 0
    assert "reference 'gc': 7 segments (gale-church; 1-1: 7)" in capsys.readouterr().err
    assert reference_names(news) == ["gc", "lines", "ref"]


def test_cli_errors(small: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(small.path)
    four = tmp_path / "four.en"
    four.write_text("1\n2\n3\n4\n", encoding="utf-8")
    assert main(["refs", "add", store, str(four)]) == 65
    assert "the reference has 4 lines but the store has 5 segments" in capsys.readouterr().err
    assert main(["refs", "add", store, str(tmp_path / "missing.en")]) == 2
    assert "reference file" in capsys.readouterr().err
    binary = tmp_path / "bin.en"
    binary.write_bytes(b"\x00\x01\x02abc")
    assert main(["refs", "add", store, str(binary)]) == 65
    assert "a binary file, not a reference text" in capsys.readouterr().err
    empty = tmp_path / "empty.en"
    empty.write_text(" \n", encoding="utf-8")
    assert main(["refs", "add", store, str(empty)]) == 65
    assert "the reference file is empty" in capsys.readouterr().err
    assert main(["refs", "add", str(tmp_path / "none.sqlite"), str(four)]) == 2
    assert "does not exist" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not an SQLite file at all" * 100)
    assert main(["refs", "add", str(corrupt), str(four)]) == 65
    assert "not a usable SQLite file" in capsys.readouterr().err
    a_txt = tmp_path / "a.txt"
    a_txt.write_text("A one. A two.\n", encoding="utf-8")
    argv = ["refs", "add", store, str(a_txt), "--mode", "documents", "--system", "nope"]
    assert main(argv) == 65  # a store without systems: nothing to bridge with
    assert "has no translations yet" in capsys.readouterr().err
    assert main(["refs", "add", store, str(a_txt), "--mode", "documents"]) == 0  # Gale-Church
    assert main(["refs", "add", store, str(four), "--name", " "]) == 2
    assert "--name must not be empty" in capsys.readouterr().err
