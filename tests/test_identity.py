"""Issue 12, identity: documents and segments keep their ids while their text does, and the
human work attached to them (review decisions, references) survives every normal change.

The scenarios run ``songngu`` as real processes with the trained tiny model, on documents
made of ``TRAINED_PAIRS`` sentences so every translation is exact; the store-level property
(Hypothesis) and the v1 -> v2 migration run in process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligned.formats import get_format, read_path
from aligned.importing import import_pairs
from aligned.pairs import AlignedPair
from aligned.runner import translate_pending
from aligned.store import ReferenceRow, open_store
from aligned.store.documents import match_segments
from aligned.store.schema import MIGRATIONS, SCHEMA_VERSION, segment_uid
from corpus.model import Document
from tests.cli import FAST, ROOT, run_cli, songngu_command
from tests.fakes import SIG, FakeTranslator, make_document
from tests.tinymodels import TRAINED_PAIRS

VI = [vi for vi, _ in TRAINED_PAIRS]
EN = dict(TRAINED_PAIRS)


def sh(
    cwd: Path, *args: str | Path, stdin: bytes = b"", model: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``songngu ARGS`` as a real process in ``cwd`` (``--model`` + FAST added to ``run``)."""
    extra: list[str | Path] = ["--model", model, *FAST] if model is not None else []
    return subprocess.run(
        songngu_command(*args, *extra),
        input=stdin.decode("utf-8"),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
        timeout=180,
    )


def summary_line(err: str, head: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(head)]


# -- scenario 1: an edited document keeps its decisions and references ---------------------------


def _attached(store_path: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(uid, source, decision) of every review and (uid, text) of every reference."""
    with open_store(store_path, create=False) as store:
        reviews = store.db.execute(
            "SELECT s.uid, s.text, r.decision FROM reviews r JOIN segments s "
            "ON s.id = r.segment ORDER BY r.id"
        ).fetchall()
        refs = store.db.execute(
            "SELECT s.uid, r.text FROM refs r JOIN segments s ON s.id = r.segment ORDER BY r.id"
        ).fetchall()
    return reviews, refs


def test_scenario_1_appended_sentence_keeps_decisions_and_references(
    tmp_path: Path, trained_model_dir: Path
) -> None:
    src = tmp_path / "src" / "news"
    src.mkdir(parents=True)
    paras = [f"{VI[2 * i]} {VI[2 * i + 1]}" for i in range(6)]
    (src / "a.txt").write_text("\n".join(paras) + "\n", encoding="utf-8")
    first = sh(tmp_path, "run", "src", "-o", "out", model=trained_model_dir)
    assert first.returncode == 0, first.stderr
    store_path = tmp_path / "out" / "corpus.sqlite"
    with open_store(store_path, create=False) as store:
        sig = store.resolve_system("latest")
        store.add_review("news/a.txt", 1, 1, sig, "accept", who="lan")
        store.add_review("news/a.txt", 3, 2, sig, "edit", text="Come look!", who="lan")
        store.add_review("news/a.txt", 5, 2, sig, "reject", who="lan")
        (tmp_path / "ref.en").write_text(
            "".join(EN[s.text] + "\n" for s in store.segment_texts()), encoding="utf-8"
        )
    refs = sh(tmp_path, "refs", "add", "out/corpus.sqlite", "ref.en")
    assert refs.returncode == 0, refs.stderr
    reviewed = sh(tmp_path, "export", "out/corpus.sqlite", "--reviewed-only", "--format", "jsonl")
    assert len(reviewed.stdout.splitlines()) == 2  # accept + edit (reject leaves the pair out)
    before = _attached(store_path)
    assert [d for _, _, d in before[0]] == ["accept", "edit", "reject"]
    assert len(before[1]) == 12

    # One sentence appended to paragraph 5 of the file.
    paras[4] += f" {VI[12]}"
    (src / "a.txt").write_text("\n".join(paras) + "\n", encoding="utf-8")
    again = sh(tmp_path, "run", "src", "-o", "out", model=trained_model_dir)
    assert again.returncode == 0, again.stderr
    err = again.stderr
    assert summary_line(err, "  documents") == [
        "  documents   1 in the store (0 new, 1 changed, 0 unchanged)"
    ]
    assert summary_line(err, "  changed") == [
        "  changed     news/a.txt: 12 kept, 1 added, 0 removed"
    ]
    assert summary_line(err, "  translated") == [
        "  translated  1 now, 12 skipped (already in the store)"
    ]
    assert "no longer in doc" not in err
    assert _attached(store_path) == before  # all 3 decisions and all 12 references, same uids
    reviewed_after = sh(
        tmp_path, "export", "out/corpus.sqlite", "--reviewed-only", "--format", "jsonl"
    )
    assert reviewed_after.stdout == reviewed.stdout  # same 2 pairs, same ids
    exported = [json.loads(x) for x in (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()]
    assert len(exported) == 12  # 13 segments, the rejected one left out
    assert exported[9]["vi"] == VI[12] and exported[9]["en"] == EN[VI[12]]
    assert exported[9]["id"] == segment_uid("news/a.txt", VI[12])

    # The edited sentence removed: its decision and reference move to history, with a note.
    paras[2] = VI[4]
    (src / "a.txt").write_text("\n".join(paras) + "\n", encoding="utf-8")
    third = sh(tmp_path, "run", "src", "-o", "out", model=trained_model_dir)
    assert third.returncode == 0, third.stderr
    assert summary_line(third.stderr, "  changed") == [
        "  changed     news/a.txt: 12 kept, 0 added, 1 removed"
    ]
    assert summary_line(third.stderr, "songngu: note:") == [
        "songngu: note: 1 reviewed sentence is no longer in doc news/a.txt; its decisions are "
        "kept in history (songngu history out/corpus.sqlite)",
        "songngu: note: 1 sentence with references is no longer in doc news/a.txt; its "
        "references are kept in history (songngu history out/corpus.sqlite)",
    ]
    history = sh(tmp_path, "history", "out/corpus.sqlite")
    assert history.returncode == 0, history.stderr
    assert history.stderr == "songngu: history: ref 1, review 1\n"
    items = [json.loads(x) for x in history.stdout.splitlines()]
    gone = segment_uid("news/a.txt", VI[5])
    assert [(i["uid"], i["source"], i["kind"], i["reason"]) for i in items] == [
        (gone, VI[5], "review", "segment-removed"),
        (gone, VI[5], "ref", "segment-removed"),
    ]
    assert items[0]["payload"]["decision"] == "edit"
    assert items[0]["payload"]["text"] == "Come look!"
    assert items[1]["payload"]["text"] == EN[VI[5]]
    assert _attached(store_path) == (
        [r for r in before[0] if r[0] != gone],
        [r for r in before[1] if r[0] != gone],
    )


# -- scenario 2: ids never depend on sort order or other files --------------------------------


def _page(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><article>{body}</article></body></html>\n"


def _uids(store_path: Path) -> dict[str, list[str]]:
    with open_store(store_path, create=False) as store:
        found: dict[str, list[str]] = {}
        for s in store.segment_texts():
            found.setdefault(s.doc, []).append(s.uid)
        return found


def test_scenario_2_dated_folders_and_stdin_runs(tmp_path: Path, trained_model_dir: Path) -> None:
    scrape = tmp_path / "scrape"
    for day, paras in (
        ("2024-05-02", (f"{VI[0]} {VI[1]}", f"{VI[2]} {VI[3]}")),
        ("2024-05-03", (f"{VI[4]} {VI[5]}", VI[6])),
    ):
        (scrape / day).mkdir(parents=True)
        (scrape / day / "index.html").write_text(_page(*paras), encoding="utf-8")
    first = sh(tmp_path, "run", "scrape", "-o", "out", model=trained_model_dir)
    assert first.returncode == 0, first.stderr
    assert summary_line(first.stderr, "  documents") == [
        "  documents   2 in the store (2 new, 0 changed, 0 unchanged)"
    ]
    ids = _uids(tmp_path / "out" / "corpus.sqlite")
    assert list(ids) == ["2024-05-02/index.html", "2024-05-03/index.html"]
    assert ids["2024-05-03/index.html"] == [
        segment_uid("2024-05-03/index.html", t) for t in VI[4:7]
    ]

    (scrape / "2024-05-01").mkdir()  # a folder that sorts first
    (scrape / "2024-05-01" / "index.html").write_text(_page(f"{VI[7]} {VI[8]}"), "utf-8")
    second = sh(tmp_path, "run", "scrape", "-o", "out", model=trained_model_dir)
    assert second.returncode == 0, second.stderr
    assert summary_line(second.stderr, "  documents") == [
        "  documents   3 in the store (1 new, 0 changed, 2 unchanged)"
    ]
    assert summary_line(second.stderr, "  translated") == [
        "  translated  2 now, 7 skipped (already in the store)"
    ]
    after = _uids(tmp_path / "out" / "corpus.sqlite")
    assert {d: after[d] for d in ids} == ids  # ids unchanged
    assert list(after) == [*ids, "2024-05-01/index.html"]  # stored order = first seen

    # Two stdin runs with different content are two documents (ids from the content).
    one = sh(tmp_path, "run", "-", "-o", "in", stdin=f"{VI[9]}\n".encode(), model=trained_model_dir)
    two = sh(
        tmp_path, "run", "-", "-o", "in", stdin=f"{VI[10]}\n".encode(), model=trained_model_dir
    )
    assert one.returncode == two.returncode == 0, two.stderr
    assert summary_line(two.stderr, "  documents") == [
        "  documents   2 in the store (1 new, 0 changed, 0 unchanged)"
    ]
    stdin_docs = list(_uids(tmp_path / "in" / "corpus.sqlite"))
    assert len(stdin_docs) == 2 and all(d.startswith("stdin-") for d in stdin_docs)
    named = sh(
        tmp_path, "run", "-", "--doc-id", "art-1", "-o", "in",
        stdin=f"{VI[11]}\n".encode(), model=trained_model_dir,
    )  # fmt: skip
    assert named.returncode == 0, named.stderr
    assert list(_uids(tmp_path / "in" / "corpus.sqlite"))[2] == "art-1"


# -- scenario 4: line-mode references pair by input order ---------------------------------------


def test_scenario_4_line_refs_follow_input_order(tmp_path: Path, trained_model_dir: Path) -> None:
    # Given as arguments in the order z, a (not the id order): one sentence per line.
    (tmp_path / "z.txt").write_text(f"{VI[13]}\n{VI[14]} {VI[15]}\n{VI[16]}\n", "utf-8")
    (tmp_path / "a.txt").write_text(f"{VI[17]}\nBình luận (3)\n", "utf-8")
    run = sh(
        tmp_path, "run", "z.txt", "a.txt", "--segment", "lines", "-o", "out",
        model=trained_model_dir,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert summary_line(run.stderr, "  segments") == ["  segments    5, 1 flagged (widget 1)"]
    assert summary_line(run.stderr, "  left out") == [
        "  left out    0 segments with a --drop flag (stored, not translated)"
    ]  # --segment lines: --drop defaults to none
    refs = [EN[VI[13]], f"{EN[VI[14]]} {EN[VI[15]]}", EN[VI[16]], EN[VI[17]], "Comments (3)"]
    (tmp_path / "ref.en").write_text("\n".join(refs) + "\n", encoding="utf-8")
    res = sh(tmp_path, "refs", "add", "out/corpus.sqlite", "ref.en")
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == [
        "songngu: reference 'ref': 5 segments (lines; 1-1: 5)",
        f"  1  {VI[13]}  ⇄  {EN[VI[13]]}",
        f"  2  {VI[14]} {VI[15]}  ⇄  {EN[VI[14]]} {EN[VI[15]]}",
        f"  3  {VI[16]}  ⇄  {EN[VI[16]]}",
    ]
    with open_store(tmp_path / "out" / "corpus.sqlite", create=False) as store:
        rows = store.db.execute(
            "SELECT s.doc, s.text, r.text FROM refs r JOIN segments s ON s.id = r.segment "
            "JOIN documents d ON d.id = s.doc ORDER BY d.ord, s.para, s.sent"
        ).fetchall()
    assert rows == [
        ("z.txt", VI[13], EN[VI[13]]),
        ("z.txt", f"{VI[14]} {VI[15]}", f"{EN[VI[14]]} {EN[VI[15]]}"),
        ("z.txt", VI[16], EN[VI[16]]),
        ("a.txt", VI[17], EN[VI[17]]),
        ("a.txt", "Bình luận (3)", "Comments (3)"),
    ]


def test_segment_lines_keeps_every_line_and_doc_id_names_stdin() -> None:
    text = f"{VI[0]} {VI[1]}\n\nBình luận (3)\n{VI[2]}\n".encode()
    code, out, err = run_cli(
        ["segment", "-", "--segment", "lines", "--doc-id", "test", "--format", "jsonl"],
        stdin=text,
    )
    assert code == 0, err
    rows = [json.loads(x) for x in out.splitlines()]
    assert [(r["doc"], r["para"], r["sent"], r["text"], r["flags"]) for r in rows] == [
        ("test", 1, 1, f"{VI[0]} {VI[1]}", []),
        ("test", 3, 1, "Bình luận (3)", ["widget"]),
        ("test", 4, 1, VI[2], []),
    ]
    assert err == "songngu: 1 documents, 3 segments, 3 written; flags: widget 1\n"
    code, _, err = run_cli(["segment", "-", "--segment", "lines", "--drop", "widget"], stdin=text)
    assert (code, err) == (0, "songngu: 1 documents, 3 segments, 2 written; flags: widget 1\n")
    code, _, err = run_cli(["segment", "x.txt", "--doc-id", "test"])
    assert code == 2
    assert "--doc-id 'test' names the stdin document, but '-' (stdin) is not among" in err


# -- scenario 5: run never reads its own outputs ------------------------------------------------


def test_scenario_5_run_dot_twice_never_reads_out(tmp_path: Path, trained_model_dir: Path) -> None:
    (tmp_path / "a.txt").write_text(f"{VI[0]} {VI[1]}\n{VI[2]} {VI[3]}\n", encoding="utf-8")
    first = sh(tmp_path, "run", ".", "-o", "out", model=trained_model_dir)
    assert first.returncode == 0, first.stderr
    assert summary_line(first.stderr, "  segments") == ["  segments    4, 0 flagged (none)"]
    second = sh(tmp_path, "run", ".", "-o", "out", model=trained_model_dir)
    assert second.returncode == 0, second.stderr
    assert summary_line(second.stderr, "songngu: note:") == [
        "songngu: note: not reading './out': it is excluded from the input"
    ]
    assert summary_line(second.stderr, "  documents") == [
        "  documents   1 in the store (0 new, 0 changed, 1 unchanged)"
    ]
    assert summary_line(second.stderr, "  segments") == ["  segments    4, 0 flagged (none)"]
    with open_store(tmp_path / "out" / "corpus.sqlite", create=False) as store:
        assert store.document_ids() == ["a.txt"]


# -- importing our own export keeps the ids -------------------------------------------------------


@pytest.fixture
def edited_store(tmp_path: Path) -> Iterator[Path]:
    """Document 'd' whose sentence 'Hai.' was reviewed, removed and added again: its uid is the
    second one of its text (the first is in history), which a fresh store would not give."""
    path = tmp_path / "corpus.sqlite"
    with open_store(path) as store:
        store.use_system(str(SIG))
        store.add_documents([make_document("d", ["Một.", "Hai."], ["Ba."])])
        store.add_review("d", 1, 2, str(SIG), "accept", who="lan")
        result = store.add_documents([make_document("d", ["Một."], ["Ba."])])
        assert [(c.kept, c.added, c.removed, c.orphaned_reviews) for c in result.changes] == [
            (2, 0, 1, 1)
        ]
        store.add_documents([make_document("d", ["Một.", "Hai."], ["Ba."])])
        translate_pending(store, FakeTranslator(), drop=frozenset())
        assert [s.uid for s in store.segment_texts()] == [
            segment_uid("d", "Một."),
            segment_uid("d", "Hai.", 1),
            segment_uid("d", "Ba."),
        ]
    yield path


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_import_of_our_export_keeps_uids(edited_store: Path, tmp_path: Path, fmt: str) -> None:
    exported = tmp_path / f"corpus.{fmt}"
    code, _, err = run_cli(["export", edited_store, "--format", fmt, "-o", exported, "-q"])
    assert code == 0, err
    pairs = list(read_path(get_format(fmt), str(exported)))
    assert [p.id for p in pairs] == [
        segment_uid("d", "Một."),
        segment_uid("d", "Hai.", 1),
        segment_uid("d", "Ba."),
    ]
    assert [(p.doc, p.para, p.sent) for p in pairs] == [("d", 1, 1), ("d", 1, 2), ("d", 2, 1)]
    again = tmp_path / "again.sqlite"
    code, _, err = run_cli(["import", exported, "-o", again, "-q"])
    assert code == 0, err
    with open_store(edited_store, create=False) as a, open_store(again, create=False) as b:
        assert [(s.uid, s.text) for s in b.segment_texts()] == [
            (s.uid, s.text) for s in a.segment_texts()
        ]
        assert b.segments() == a.segments()


def test_tmx_positions_come_from_props_and_old_tuids_still_read(tmp_path: Path) -> None:
    uid = segment_uid("d", "Một.")
    old = (
        '<tmx version="1.4"><header srclang="vi"/><body>'
        '<tu tuid="d:2:3"><tuv xml:lang="vi"><seg>Một.</seg></tuv></tu>'
        f'<tu tuid="{uid}"><prop type="x-doc">d</prop><prop type="x-para">4</prop>'
        '<prop type="x-sent">5</prop><tuv xml:lang="vi"><seg>Một.</seg></tuv></tu>'
        "</body></tmx>"
    )
    path = tmp_path / "x.tmx"
    path.write_text(old, encoding="utf-8")
    pairs = list(read_path(get_format("tmx"), str(path)))
    assert [(p.doc, p.para, p.sent, p.uid) for p in pairs] == [("d", 2, 3, ""), ("d", 4, 5, uid)]


def test_an_imported_uid_of_another_document_or_taken_is_replaced(tmp_path: Path) -> None:
    taken = segment_uid("d", "Một.")
    pairs = [
        AlignedPair("Một.", "One.", doc="d", para=1, sent=1, uid=taken),
        AlignedPair("Hai.", "Two.", doc="d", para=1, sent=2, uid=taken),  # twice: fresh
        AlignedPair("Ba.", "Three.", doc="d", para=1, sent=3, uid=segment_uid("e", "Ba.")),
    ]
    with open_store(tmp_path / "s.sqlite") as store:
        import_pairs(store, pairs, name="x.jsonl")
        assert [s.uid for s in store.segment_texts()] == [
            taken,
            segment_uid("d", "Hai."),
            segment_uid("d", "Ba."),
        ]


# -- the property: edits never move the ids of unchanged sentences -----------------------------

WORDS = [f"Câu {i}." for i in range(40)]


@st.composite
def edit_scripts(draw: st.DrawFn) -> tuple[list[str], list[list[tuple[str, int, int]]]]:
    """An initial document (distinct sentences) and a list of edit steps; each step is a list
    of (op, position, fresh text number) applied in order, then the document is re-added."""
    n = draw(st.integers(1, 8))
    steps = draw(
        st.lists(
            st.lists(
                st.tuples(
                    st.sampled_from(["insert", "delete", "modify"]),
                    st.integers(0, 20),
                    st.integers(0, 10**6),
                ),
                min_size=1,
                max_size=4,
            ),
            min_size=1,
            max_size=4,
        )
    )
    return WORDS[:n], steps


def _as_document(texts: list[str], breaks: int) -> Document:
    """``texts`` as document 'd', a new paragraph every ``breaks + 1`` sentences."""
    size = breaks + 1
    paras = [texts[i : i + size] for i in range(0, len(texts), size)] or [[]]
    return make_document("d", *[p for p in paras if p])


@given(script=edit_scripts(), breaks=st.lists(st.integers(0, 3), min_size=5, max_size=5))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_edits_keep_ids_and_human_work_of_unchanged_sentences(
    tmp_path_factory: pytest.TempPathFactory,
    script: tuple[list[str], list[list[tuple[str, int, int]]]],
    breaks: list[int],
) -> None:
    texts, steps = script
    with open_store(tmp_path_factory.mktemp("prop") / "s.sqlite") as store:
        store.use_system(str(SIG))
        store.add_documents([_as_document(texts, breaks[0])])
        rows = store.segment_texts()
        original = {s.text: (s.id, s.uid) for s in rows}
        for s in rows:  # a decision and a reference on every sentence
            seg = store.db.execute("SELECT para, sent FROM segments WHERE id = ?", (s.id,))
            para, sent = seg.fetchone()
            store.add_review("d", para, sent, str(SIG), "accept", who="t")
        store.replace_references(
            "ref",
            [s.id for s in rows],
            [ReferenceRow(s.id, f"R{s.text}", "1-1", None) for s in rows],
        )
        removed_total: set[str] = set()
        fresh = 0
        for k, step in enumerate(steps):
            before = list(texts)
            for op, pos, _ in step:
                if op == "insert":
                    fresh += 1
                    texts.insert(pos % (len(texts) + 1), f"Mới {fresh}.")
                elif texts and op == "delete":
                    texts.pop(pos % len(texts))
                elif texts:
                    fresh += 1
                    texts[pos % len(texts)] = f"Sửa {fresh}."
            if not texts:
                fresh += 1
                texts.append(f"Mới {fresh}.")
            result = store.add_documents([_as_document(texts, breaks[1 + k % 4])])
            gone = set(before) - set(texts)
            if result.changes:
                (change,) = result.changes
                assert (change.kept, change.added, change.removed) == (
                    len(set(before) & set(texts)),
                    len(set(texts) - set(before)),
                    len(gone),
                )
                assert change.orphaned_reviews == change.orphaned_refs == len(gone & set(original))
            else:
                assert before == texts
            removed_total |= gone & set(original)
            now = {s.text: (s.id, s.uid) for s in store.segment_texts()}
            assert [s.text for s in store.segments()] == texts
            for text, ident in original.items():
                if text in texts:  # an unchanged sentence: same row, same uid, work attached
                    assert now[text] == ident
            reviewed = {
                t
                for (t,) in store.db.execute(
                    "SELECT s.text FROM reviews r JOIN segments s ON s.id = r.segment"
                )
            }
            refs = dict(
                store.db.execute(
                    "SELECT s.text, r.text FROM refs r JOIN segments s ON s.id = r.segment"
                ).fetchall()
            )
            assert reviewed == set(original) - removed_total
            assert refs == {t: f"R{t}" for t in set(original) - removed_total}
        kept = {(h.uid, h.kind) for h in store.history()}
        assert kept == {(original[t][1], kind) for t in removed_total for kind in ("review", "ref")}


def test_match_segments_moves_and_duplicates() -> None:
    assert match_segments(["a", "b", "c"], ["c", "a", "b"]) == {1: 0, 2: 1, 0: 2}
    # The longest common run wins: the second "a" continues, with "b".
    assert match_segments(["a", "a", "b"], ["a", "b"]) == {0: 1, 1: 2}
    assert match_segments([], ["a"]) == {}


# -- migration: a store written by the v1 code ----------------------------------------------------


def _v1_store(path: Path) -> None:
    """A schema-v1 store as the v1 code wrote it: the frozen v1 DDL, rows inserted by SQL."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("BEGIN")
    MIGRATIONS[0](db)
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'use_counter'")
    for doc in ("b", "a"):  # v1 had no order: inserted b first
        db.execute(
            "INSERT INTO documents (id, source, sha256, text) VALUES (?, ?, 'x', 'T')",
            (doc, f"{doc}.txt"),
        )
    segs = [("b", 1, 1, "Hai."), ("b", 1, 2, "Hai."), ("a", 1, 1, "Một."), ("a", 2, 1, "Ba.")]
    for i, (doc, para, sent, text) in enumerate(segs, start=1):
        db.execute(
            "INSERT INTO segments (id, doc, para, sent, start, end, text) "
            "VALUES (?, ?, ?, ?, 0, 4, ?)",
            (i, doc, para, sent, text),
        )
    db.execute("INSERT INTO systems (signature, fields, last_used) VALUES ('s:1', '{}', 1)")
    for i, (_, _, _, text) in enumerate(segs, start=1):
        db.execute(
            "INSERT INTO translations (segment, signature, source, text, created) "
            "VALUES (?, 's:1', ?, ?, 't0')",
            (i, text, text.upper()),
        )
    db.execute(
        "INSERT INTO reviews (segment, signature, decision, text, who, at) "
        "VALUES (3, 's:1', 'accept', NULL, 'lan', 't1'), (4, 's:1', 'edit', 'Three.', 'lan', 't2')"
    )
    db.execute("INSERT INTO refs (segment, name, text, created) VALUES (1, 'ref', 'Two.', 't3')")
    db.execute(
        "INSERT INTO scores (segment, signature, reference, metric, value, created) "
        "VALUES (1, 's:1', 'ref', 'chrf', 50.0, 't4')"
    )
    db.execute("COMMIT")
    db.close()


def test_v1_store_upgrades_in_place_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    _v1_store(path)
    with open_store(path, create=False) as store:
        assert store.schema_version() == SCHEMA_VERSION == 3
        assert store.counts() == {
            "documents": 2, "segments": 4, "systems": 1, "translations": 4, "reviews": 2,
        }  # fmt: skip
        # Order: v1 documents in id order; segments keep their rows, and get their uids.
        assert [(s.id, s.doc, s.text, s.uid) for s in store.segment_texts()] == [
            (3, "a", "Một.", segment_uid("a", "Một.")),
            (4, "a", "Ba.", segment_uid("a", "Ba.")),
            (1, "b", "Hai.", segment_uid("b", "Hai.")),
            (2, "b", "Hai.", segment_uid("b", "Hai.", 1)),
        ]
        assert store.db.execute("SELECT id, ord FROM documents ORDER BY id").fetchall() == [
            ("a", 1),
            ("b", 2),
        ]
        assert store.db.execute(
            "SELECT segment, decision, text, judged, who FROM reviews ORDER BY id"
        ).fetchall() == [(3, "accept", None, "MỘT.", "lan"), (4, "edit", "Three.", "BA.", "lan")]
        assert store.db.execute("SELECT segment, text FROM refs").fetchall() == [(1, "Two.")]
        assert store.db.execute("SELECT segment, value, inputs FROM scores").fetchall() == [
            (1, 50.0, None)
        ]
        # A new document comes after the migrated ones; the migrated ids are kept by edits.
        store.add_documents([make_document("c", ["Bốn."])])
        result = store.add_documents([make_document("a", ["Một.", "Năm."], ["Ba."])])
        assert [(c.kept, c.added, c.removed) for c in result.changes] == [(2, 1, 0)]
        assert [s.doc for s in store.segment_texts()] == ["a", "a", "a", "b", "b", "c"]
        assert [s.id for s in store.segment_texts()][:3:2] == [3, 4]
