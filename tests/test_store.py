"""The SQLite store: schema, migrations, bad files, documents, translation memory, resume.

No model here: a fake translator (upper-cases its input) stands in, so these run in a second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from aligned.importing import import_pairs
from aligned.pairs import AlignedPair
from aligned.runner import translate_pending
from aligned.store import SCHEMA_VERSION, Store, open_store, sqlite_errors
from aligned.store import schema as store_schema
from aligned.store.schema import segment_uid
from corpus.errors import ConfigError, DataError, SongnguError, StoreBusyError
from tests.fakes import SIG, SIG2, FakeTranslator
from tests.fakes import make_document as doc


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "corpus.sqlite") as s:
        yield s


def test_schema_wal_foreign_keys_and_version(store: Store) -> None:
    db = store.db
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {
        "meta", "documents", "segments", "systems", "translations", "refs", "scores", "reviews",
        "history", "judgements", "boilerplate_paras", "boilerplate_counts", "document_parts",
    }  # fmt: skip
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version() == SCHEMA_VERSION == 3
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO segments (doc, para, sent, start, end, text) "
            "VALUES ('nope', 1, 1, 0, 1, 'x')"
        )


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(DataError) as e:
        open_store(path)
    assert str(e.value) == (
        f"{path}: store schema version 7 is newer than this songngu understands (up to 3); "
        "upgrade songngu to read it"
    )


def test_migrations_run_step_by_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.sqlite"
    with open_store(path) as s:
        s.add_documents([doc("a", ["Một."])])

    def to_4(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE documents ADD COLUMN title TEXT NOT NULL DEFAULT ''")

    def to_5(db: sqlite3.Connection) -> None:
        db.execute("UPDATE documents SET title = 'migrated ' || id")

    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 5)
    monkeypatch.setitem(store_schema.MIGRATIONS, 3, to_4)
    monkeypatch.setitem(store_schema.MIGRATIONS, 4, to_5)
    with open_store(path) as s:
        assert s.schema_version() == 5
        assert s.db.execute("SELECT title FROM documents").fetchall() == [("migrated a",)]
        assert [seg.text for seg in s.segments()] == ["Một."]


def test_not_sqlite_and_foreign_sqlite_are_data_errors(tmp_path: Path) -> None:
    junk = tmp_path / "corpus.sqlite"
    junk.write_bytes(b"this is a text file, not a database\n" * 200)
    with pytest.raises(DataError) as e:
        open_store(junk)
    assert str(e.value).startswith(f"{junk}: not a usable SQLite file (file is not a database)")

    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(DataError) as e:
        open_store(foreign)
    assert str(e.value) == (
        f"{foreign}: an SQLite file but not a songngu store (no 'meta' table; tables: "
        "customers); give a corpus.sqlite made by songngu"
    )


def test_missing_store_when_not_creating(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        open_store(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_add_documents_is_idempotent_and_segments_are_unique(store: Store) -> None:
    d = doc("a", ["Một.", "Hai."], ["Ba."])
    r1 = store.add_documents([d])
    r2 = store.add_documents([d])
    assert (r1.added, r1.changed, r1.unchanged) == (("a",), (), ())
    assert (r2.added, r2.changed, r2.unchanged) == ((), (), ("a",))
    assert store.segments() == d.segments
    assert store.document_text("a") == "Một. Hai.\nBa.\n"
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO segments (doc, para, sent, start, end, text) VALUES ('a', 1, 1, 0, 1, 'x')"
        )


def test_changed_document_replaces_segments_keeps_unchanged_translations(store: Store) -> None:
    store.add_documents([doc("a", ["Một.", "Hai."], ["Ba."])])
    fake = FakeTranslator()
    store.use_system(str(SIG))
    assert translate_pending(store, fake, drop=frozenset()) == (3, 0)
    edited = doc("a", ["Một.", "Bốn."], ["Ba."], ["Năm."])
    result = store.add_documents([edited])
    assert result.changed == ("a",)
    assert store.segments() == edited.segments
    # 'Hai.' is gone with its translation; 'Một.' and 'Ba.' keep theirs.
    assert store.translations() == [("a:1:1", str(SIG), "MỘT."), ("a:2:1", str(SIG), "BA.")]
    assert translate_pending(store, fake, drop=frozenset()) == (2, 2)
    assert fake.batches == [["Một.", "Hai.", "Ba."], ["Bốn.", "Năm."]]


def test_memory_translates_a_text_once_in_any_document(store: Store) -> None:
    store.add_documents([doc("a", ["Xin chào.", "Một."]), doc("b", ["Xin chào."])])
    store.use_system(str(SIG))
    fake = FakeTranslator()
    assert translate_pending(store, fake, drop=frozenset()) == (3, 0)
    assert fake.batches == [["Xin chào.", "Một."]]  # the repeated text is sent once
    store.add_documents([doc("c", ["Một.", "Hai."])])
    assert translate_pending(store, fake, drop=frozenset()) == (1, 4)  # 'Một.' from memory
    assert fake.batches[1:] == [["Hai."]]
    assert store.translations()[-2:] == [("c:1:1", str(SIG), "MỘT."), ("c:1:2", str(SIG), "HAI.")]


def test_drop_flags_are_stored_but_not_translated(store: Store) -> None:
    store.add_documents([doc("a", ["Bình luận (3)", "Một."], flags={"Bình luận (3)": ("widget",)})])
    store.use_system(str(SIG))
    assert translate_pending(store, FakeTranslator(), drop=frozenset({"widget"})) == (1, 0)
    assert [s.flags for s in store.segments()] == [("widget",), ()]
    assert store.translations() == [("a:1:2", str(SIG), "MỘT.")]


def test_interrupted_batches_resume_without_loss_or_duplicates(tmp_path: Path) -> None:
    docs = [doc("a", [f"Câu {i}." for i in range(10)]), doc("b", [f"Dòng {i}." for i in range(7)])]
    with open_store(tmp_path / "whole.sqlite") as whole:
        whole.add_documents(docs)
        whole.use_system(str(SIG))
        assert translate_pending(whole, FakeTranslator(), commit_every=4) == (17, 0)
        expected = whole.translations()
    with open_store(tmp_path / "cut.sqlite") as cut:
        cut.add_documents(docs)
        cut.use_system(str(SIG))
        with pytest.raises(KeyboardInterrupt):
            translate_pending(cut, FakeTranslator(fail_after=2), commit_every=4)
        assert len(cut.translations()) == 8  # two committed batches of 4
        resumed = FakeTranslator()
        assert translate_pending(cut, resumed, commit_every=4) == (9, 8)
        assert [len(b) for b in resumed.batches] == [4, 4, 1]
        assert cut.translations() == expected


def test_many_systems_per_segment_and_latest(store: Store) -> None:
    store.add_documents([doc("a", ["Một."])])
    store.use_system(str(SIG), SIG.as_dict())
    translate_pending(store, FakeTranslator(SIG), drop=frozenset())
    store.use_system(str(SIG2), SIG2.as_dict())
    translate_pending(store, FakeTranslator(SIG2), drop=frozenset())
    assert store.systems() == [str(SIG2), str(SIG)]
    assert store.resolve_system("latest") == str(SIG2)
    assert len(store.translations()) == 2
    store.use_system(str(SIG))
    assert store.latest_signature() == str(SIG)
    with pytest.raises(ConfigError, match="--system 'model:x' is not in"):
        store.resolve_system("model:x")


def test_empty_store_has_no_system(store: Store) -> None:
    with pytest.raises(DataError, match="the store has no translations yet"):
        store.resolve_system("latest")


def test_pairs_carry_reviews_and_filter(store: Store) -> None:
    store.add_documents([doc("a", ["Một.", "Hai.", "Ba.", "Bốn."], flags={"Bốn.": ("byline",)})])
    store.use_system(str(SIG))
    translate_pending(store, FakeTranslator(), drop=frozenset())
    store.add_review("a", 1, 1, str(SIG), "accept", who="lan")
    store.add_review("a", 1, 2, str(SIG), "edit", text="Two.", who="lan")
    store.add_review("a", 1, 3, str(SIG), "edit", text="three", who="lan")
    store.add_review("a", 1, 3, str(SIG), "reject", who="minh")  # the latest decision counts
    pairs = list(store.pairs(str(SIG)))
    one, two, four = (segment_uid("a", t) for t in ("Một.", "Hai.", "Bốn."))
    assert [(p.id, p.target, p.reviewed) for p in pairs] == [
        (one, "MỘT.", True),
        (two, "Two.", True),
        (four, "BỐN.", False),
    ]
    assert pairs[2] == AlignedPair(
        "Bốn.", "BỐN.", "a", 1, 4, 14, 18, ("byline",), str(SIG), -0.5, False, uid=four
    )
    assert [p.id for p in store.pairs(str(SIG), drop=frozenset({"byline"}))] == [one, two]
    assert [p.id for p in store.pairs(str(SIG), reviewed_only=True)] == [one, two]
    with pytest.raises(ConfigError, match="decision 'maybe'"):
        store.add_review("a", 1, 1, str(SIG), "maybe")


def test_import_assigns_positions_and_default_system(store: Store) -> None:
    pairs = [
        AlignedPair("Một.", "One."),
        AlignedPair("Hai.", "Two.", reviewed=True),
        AlignedPair("Ba.", "Three.", doc="x", para=2, sent=5, signature="sys:a", score=-1.0),
    ]
    assert import_pairs(store, pairs, name="dir/mem.tmx") == (2, 3)
    assert store.systems() == ["import:mem.tmx", "sys:a"]
    assert [(s.doc, s.para, s.sent, s.text) for s in store.segments()] == [
        ("mem", 1, 1, "Một."),
        ("mem", 1, 2, "Hai."),
        ("x", 2, 5, "Ba."),
    ]
    assert [(p.id, p.target, p.reviewed) for p in store.pairs("import:mem.tmx")] == [
        (segment_uid("mem", "Một."), "One.", False),
        (segment_uid("mem", "Hai."), "Two.", True),
    ]
    assert [(p.target, p.score) for p in store.pairs("sys:a")] == [("Three.", -1.0)]


def test_import_refuses_conflicts_and_rolls_back(store: Store) -> None:
    bad = [
        AlignedPair("Một.", "One.", doc="d", para=1, sent=1, signature="s"),
        AlignedPair("Một.", "Uno.", doc="d", para=1, sent=1, signature="s"),
    ]
    with pytest.raises(DataError, match=r"f.tsv: segment d:1:1 has two translations under"):
        import_pairs(store, bad, name="f.tsv")
    assert store.counts() == {
        "documents": 0, "segments": 0, "systems": 0, "translations": 0, "reviews": 0,
    }  # fmt: skip
    clash = [AlignedPair("Một.", "One.", doc="d", para=1, sent=1),
             AlignedPair("Hai.", "Two.", doc="d", para=1, sent=1)]  # fmt: skip
    with pytest.raises(DataError, match="occurs twice with different source texts"):
        import_pairs(store, clash, name="f.tsv")


def test_sqlite_failures_become_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    with pytest.raises(SongnguError) as e, sqlite_errors(path):
        raise sqlite3.OperationalError("database is locked")
    assert type(e.value) is StoreBusyError and e.value.exit_code == 75
    assert str(e.value) == (
        f"store {str(path)!r} is in use by another process (SQLite: database is locked); "
        "wait for it to finish or stop it, then run the command again"
    )
    with pytest.raises(SongnguError) as e, sqlite_errors(path):
        raise sqlite3.OperationalError("disk I/O error")
    assert type(e.value) is SongnguError
    assert str(e.value) == (
        f"{path}: SQLite error: disk I/O error; check that the file and its directory are "
        "writable and the disk is not full"
    )
    with pytest.raises(DataError, match="the store is damaged"), sqlite_errors(path):
        raise sqlite3.DatabaseError("database disk image is malformed")


def test_transaction_commits_rolls_back_and_nests_as_savepoints(store: Store) -> None:
    with store.transaction():
        assert store.in_transaction
        store.add_documents([doc("a", ["Một."])])  # its own transaction() is a savepoint
        with pytest.raises(ConfigError), store.transaction():
            store.add_documents([doc("b", ["Hai."])])
            raise ConfigError("inner block fails")
        assert [s.doc for s in store.segments()] == ["a"]  # only the inner block undone
    assert not store.in_transaction
    assert store.counts()["documents"] == 1
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.add_documents([doc("c", ["Ba."])])
        store.use_system("sys:c")
        raise KeyboardInterrupt  # a kill mid-step: nothing of the step stays
    assert store.counts() == {
        "documents": 1, "segments": 1, "systems": 0, "translations": 0, "reviews": 0,
    }  # fmt: skip
    assert not store.db.in_transaction


def test_import_into_an_existing_document_is_refused_and_nothing_is_added(store: Store) -> None:
    store.add_documents([doc("a", ["Một."])])
    pairs = [AlignedPair("Hai.", "Two.", doc="new"), AlignedPair("Ba.", "Three.", doc="a")]
    with pytest.raises(DataError) as e:
        import_pairs(store, pairs, name="f.jsonl")
    assert str(e.value) == (
        f"f.jsonl: document 'a' is already in {store.path}; import into a new store, or pass "
        "--force to replace the store"
    )
    assert [s.doc for s in store.segments()] == ["a"] and store.systems() == []


def test_import_same_position_twice_is_one_segment_with_two_systems(store: Store) -> None:
    pairs = [
        AlignedPair("Một.", "One.", doc="d", para=1, sent=1, signature="s:b", reviewed=True),
        AlignedPair("Một.", "Uno.", doc="d", para=1, sent=1, signature="s:a"),
        AlignedPair("Hai.", "Two.", doc="d", signature="s:c"),
        AlignedPair("Ba.", "Three.", doc="d", signature="s:b"),
    ]
    assert import_pairs(store, pairs, name="x.tsv") == (1, 4)
    # Positionless pairs skip the taken (1, 1); the file's first system is the latest.
    assert [(s.para, s.sent, s.text) for s in store.segments()] == [
        (1, 1, "Một."),
        (1, 2, "Hai."),
        (1, 3, "Ba."),
    ]
    assert store.systems() == ["s:b", "s:c", "s:a"]
    assert store.translations("s:a") == [("d:1:1", "s:a", "Uno.")]
    assert [(p.para, p.sent, p.reviewed) for p in store.pairs("s:b")] == [
        (1, 1, True),
        (1, 3, False),
    ]


def test_document_metadata_is_kept_and_follows_the_latest_read(store: Store) -> None:
    """HTML title/url/date and extra JSONL fields reach the store, also when only they change."""
    d = doc("news/a.html", ["Một.", "Hai."])
    d.meta = {"title": "Tin mới", "url": "https://example.vn/a", "date": "2024-05-01"}
    store.add_documents([d])
    assert store.document_meta() == {"news/a.html": d.meta}
    d.meta = {"title": "Tin mới (cập nhật)", "date": "2024-05-02"}
    result = store.add_documents([d])
    assert result.unchanged == ("news/a.html",)
    assert store.document_meta() == {
        "news/a.html": {"title": "Tin mới (cập nhật)", "date": "2024-05-02"}
    }
