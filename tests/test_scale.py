"""Issue 15: a run that streams (documents, --segment lines blocks, pending texts) and the
``boilerplate`` flag counted over the whole store, across runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aligned.runner import store_documents
from aligned.store import Store, open_store
from corpus.model import RawDocument
from corpus.pipeline import LineStream, PipelineOptions, iter_documents, process_document
from tests.cli import run_cli
from tests.fakes import BODY, STREAM_LINES, FakeTranslator

# Paragraph keys fold digits, so documents differ by words.
WORDS = ["mèo", "chó", "gà", "vịt", "ngựa", "trâu", "bò", "dê", "cừu", "lợn", "cá", "tôm", "cua"]
WORDS += ["ốc", "hến", "sò", "nghêu", "rắn", "rùa", "ếch", "nhái", "chim", "sẻ", "cò", "vạc"]
FOOTER = "Tòa soạn: số 8 đường Lê Lợi, quận Hoàn Kiếm, thành phố Hà Nội, điện thoại 024 3825"


def write_articles(folder: Path, n: int = 5) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(1, n + 1):
        path = folder / f"bai{i}.txt"
        body = "\n".join(BODY.format(n=WORDS[3 * i + k]) for k in range(3))
        path.write_text(f"Tin về {WORDS[i]} trong ngày\n{body}\n{FOOTER}\n", encoding="utf-8")
        paths.append(path)
    return paths


def flags_by_doc(store_path: Path) -> dict[str, list[tuple[int, str]]]:
    with open_store(store_path, create=False) as store:
        out: dict[str, list[tuple[int, str]]] = {}
        for s in store.segments():
            out.setdefault(s.doc, []).append((s.para, ",".join(s.flags)))
        return out


# -- boilerplate across runs ------------------------------------------------------------------


def test_a_footer_shared_by_articles_of_separate_runs_is_flagged_in_all(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in")
    out = tmp_path / "out"
    summaries = []
    for path in paths:
        code, _, err = run_cli(["run", str(path), "-o", str(out), "--no-translate"])
        assert code == 0, err
        summaries.append([line for line in err.splitlines() if line.startswith("  boilerplate")])
        if len(summaries) == 2:  # two documents: not yet a repeat (3 are needed)
            stored = flags_by_doc(out / "corpus.sqlite").values()
            assert all("boilerplate" not in f for rows in stored for _, f in rows)
    assert summaries == [
        [],
        [],
        ["  boilerplate 1 paragraph now repeats in 3 documents; flagged in 3 documents"],
        ["  boilerplate 1 paragraph now repeats in 4 documents; flagged in 1 document"],
        ["  boilerplate 1 paragraph now repeats in 5 documents; flagged in 1 document"],
    ]
    separate = flags_by_doc(out / "corpus.sqlite")
    assert sorted(separate) == ["bai1.txt", "bai2.txt", "bai3.txt", "bai4.txt", "bai5.txt"]
    for doc, rows in separate.items():
        assert rows == [(1, "heading"), (2, ""), (3, ""), (4, ""), (5, "boilerplate")], doc
    # One run with all five gives the same flags.
    together = tmp_path / "together"
    code, _, err = run_cli(["run", *map(str, paths), "-o", str(together), "--no-translate"])
    assert code == 0, err
    assert "  boilerplate 1 paragraph now repeats in 5 documents; flagged in 5 documents" in err
    assert flags_by_doc(together / "corpus.sqlite") == separate


def test_store_counts_paragraphs_and_takes_the_flag_back_when_the_share_falls(
    tmp_path: Path,
) -> None:
    opts = PipelineOptions()
    raws = [
        RawDocument(f"d{i}", f"d{i}", f"{BODY.format(n=WORDS[i])}\n{FOOTER}\n") for i in range(1, 4)
    ]
    with open_store(tmp_path / "c.sqlite") as store:
        store_documents(store, iter_documents(raws, opts))
        change = store.update_boilerplate()
        assert (change.flagged_paragraphs, change.flagged_documents, change.threshold) == (1, 3, 3)
        assert store.paragraph_repeats("d1", 2) == 3
        assert store.paragraph_repeats("d1", 1) == 1
        # 13 more documents without the footer: 3 of 16 is under a fifth (3.2).
        more = [RawDocument(f"e{i}", f"e{i}", BODY.format(n=WORDS[i + 5])) for i in range(13)]
        store_documents(store, iter_documents(more, opts))
        change = store.update_boilerplate()
        assert (change.unflagged_paragraphs, change.unflagged_documents) == (1, 3)
        assert change.flagged_segments == 0
        assert all("boilerplate" not in s.flags for s in store.segments())
        # A changed document is re-counted: d1 without its footer.
        edited = RawDocument("d1", "d1", BODY.format(n=WORDS[1]))
        assert store_documents(store, iter_documents([edited], opts)).changed == ("d1",)
        assert store.paragraph_repeats("d2", 2) == 2


def _as_v2(path: Path, *, keep_tables: bool) -> None:
    """Turn a store back into what v2 code left: schema_version 2, and (``keep_tables``
    False) without the tables v2 made on first use only."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        if not keep_tables:
            for table in ("boilerplate_paras", "boilerplate_counts", "document_parts"):
                db.execute(f"DROP TABLE {table}")


@pytest.mark.parametrize("keep_tables", [False, True])
def test_a_v2_store_gets_the_counts_from_its_segments_or_keeps_its_own(
    tmp_path: Path, keep_tables: bool
) -> None:
    opts = PipelineOptions()
    raws = [
        RawDocument(f"d{i}", f"d{i}", f"{BODY.format(n=WORDS[i])} Hai câu.\n{FOOTER}\n")
        for i in range(3)
    ]
    path = tmp_path / "c.sqlite"
    with open_store(path) as store:
        store.add_documents(iter_documents(raws, opts))
        index = "SELECT * FROM boilerplate_paras ORDER BY doc, para"
        paras = store.db.execute(index).fetchall()
        counts = store.db.execute("SELECT * FROM boilerplate_counts ORDER BY key").fetchall()
    assert len(paras) == 6 and sorted(n for _, n in counts) == [1, 1, 1, 3]
    _as_v2(path, keep_tables=keep_tables)
    with open_store(path) as store:
        assert store.schema_version() == 3
        assert store.db.execute(index).fetchall() == paras
        assert store.db.execute("SELECT * FROM boilerplate_counts ORDER BY key").fetchall() == (
            counts
        )
        assert store.db.execute("SELECT count(*) FROM document_parts").fetchone() == (0,)
        assert store.update_boilerplate().flagged_documents == 3
        assert store.paragraph_repeats("d0", 2) == 3
        assert len(store.segments()) == 9


# -- --segment lines in blocks ---------------------------------------------------------------


@pytest.mark.parametrize("block", [1, 2, 5, 100])
def test_a_line_stream_stores_what_the_whole_document_stores(tmp_path: Path, block: int) -> None:
    text = "\r\n".join(STREAM_LINES[:6]) + "\n" + "\u2028".join(STREAM_LINES[6:]) + "\n"
    raw = RawDocument("big.txt", "big.txt", text)
    opts = PipelineOptions(segment="lines")
    whole = process_document(raw, opts)
    stream = LineStream(raw, opts, block=block)
    assert stream.materialize().segments == whole.segments
    assert [s.flags for s in whole.segments][:3] == [("heading",), ("heading",), ()]
    assert whole.segments[-1].flags == ("byline",)

    def stored(store: Store) -> tuple[object, ...]:
        rows = store.db.execute(
            "SELECT doc, para, sent, start, end, text, flags, uid FROM segments ORDER BY id"
        ).fetchall()
        doc = store.db.execute("SELECT sha256, cleaning FROM documents").fetchall()
        return rows, doc, store.document_text("big.txt")

    with open_store(tmp_path / "a.sqlite") as a, open_store(tmp_path / "b.sqlite") as b:
        assert a.add_documents([whole]).added == ("big.txt",)
        assert b.add_documents([stream]).added == ("big.txt",)
        assert stored(a) == stored(b)
        assert stored(b)[2] == text
        # Again: unchanged, read side by side; a changed line: changed, matched as usual.
        assert b.add_documents([LineStream(raw, opts, block=block)]).unchanged == ("big.txt",)
        edited = RawDocument("big.txt", "big.txt", text.replace("Câu ngắn", "Câu khác"))
        got = b.add_documents([LineStream(edited, opts, block=block)])
        assert [(c.kept, c.added, c.removed) for c in got.changes] == [(12, 1, 1)]
        a.add_documents([process_document(edited, opts)])
        assert stored(a) == stored(b)


def test_iter_documents_streams_long_line_documents_only() -> None:
    opts = PipelineOptions(segment="lines")
    short = RawDocument("s", "s", "a\nb\n")
    long = RawDocument("l", "l", "x\n" * 30)
    got = list(iter_documents([short, long], opts, block=10))
    assert [type(d).__name__ for d in got] == ["Document", "LineStream"]
    assert [type(d).__name__ for d in iter_documents([long], PipelineOptions(), block=10)] == [
        "Document"
    ]


def test_a_big_text_is_stored_in_pieces_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aligned.store import documents

    monkeypatch.setattr(documents, "BIG_TEXT", 7)
    text = "Một câu tiếng Việt.\nHai câu.\n"
    doc = process_document(RawDocument("d", "d", text), PipelineOptions(segment="lines"))
    with open_store(tmp_path / "c.sqlite") as store:
        store.add_documents([doc])
        assert store.document_text("d") == text
        parts = store.db.execute("SELECT text FROM document_parts ORDER BY part").fetchall()
        assert [p for (p,) in parts] == ["Một câu", " tiếng ", "Việt.\nH", "ai câu.", "\n"]
        assert store.db.execute("SELECT text FROM documents").fetchone()[0] == ""
        sha = store.db.execute("SELECT sha256 FROM documents").fetchone()[0]
        assert sha == documents.sha256(text) == documents.text_digest(text)
        assert store.add_documents([doc]).unchanged == ("d",)
        # Changed to a small text: back in the row, the parts gone.
        small = process_document(RawDocument("d", "d", "Ba.\n"), PipelineOptions(segment="lines"))
        assert store.add_documents([small]).changed == ("d",)
        assert store.document_text("d") == "Ba.\n"
        assert store.db.execute("SELECT count(*) FROM document_parts").fetchone()[0] == 0


# -- pending texts, streamed ------------------------------------------------------------------


def test_pending_is_a_stream_in_first_occurrence_order(tmp_path: Path) -> None:
    opts = PipelineOptions(segment="lines")
    raws = [
        RawDocument("a", "a", "Một.\nHai.\nMột.\nBa.\n"),
        RawDocument("b", "b", "Hai.\nBốn.\n"),
    ]
    with open_store(tmp_path / "c.sqlite") as store:
        store.add_documents(iter_documents(raws, opts))
        ids = {(s.doc, s.para): i for i, s in enumerate(store.segments(), start=1)}
        store.PENDING_PAGE = 2  # several pages
        it = store.pending("sig", frozenset())
        assert iter(it) is it
        got = [(p.text, p.segments) for p in it]
        assert got == [
            ("Một.", (ids["a", 1], ids["a", 3])),
            ("Hai.", (ids["a", 2], ids["b", 1])),
            ("Ba.", (ids["a", 4],)),
            ("Bốn.", (ids["b", 2],)),
        ]
        assert store.pending_count("sig", frozenset()) == 6
        temp = store.db.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0]
        assert temp == 0  # the temporary table is gone once iterated


def test_translations_written_while_iterating_do_not_change_the_stream(tmp_path: Path) -> None:
    from aligned.runner import translate_pending

    raws = [RawDocument("a", "a", "\n".join(f"Câu {i}." for i in range(10)))]
    with open_store(tmp_path / "c.sqlite") as store:
        store.add_documents(iter_documents(raws, PipelineOptions(segment="lines")))
        fake = FakeTranslator()
        store.use_system(str(fake.signature))
        assert translate_pending(store, fake, drop=frozenset(), commit_every=3) == (10, 0)
        assert store.pending_count(str(fake.signature), frozenset()) == 0
        assert len(store.translations()) == 10


def test_no_translate_stores_only(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{BODY.format(n='mèo')}\n", encoding="utf-8")
    code, _, err = run_cli(["run", str(path), "-o", str(tmp_path / "out"), "--no-translate"])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["corpus.sqlite"]
    lines = err.splitlines()
    assert lines[0].endswith(f"{tmp_path / 'out'}/ (stored only: --no-translate)")
    assert lines[1:] == [
        "  documents   1 in the store (1 new, 0 changed, 0 unchanged)",
        "  segments    1, 0 flagged (none)",
        "  translate   run the same command without --no-translate",
    ]
