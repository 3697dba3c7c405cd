"""``songngu export`` and ``songngu import``: formats, filters, refusals, round trips, errors.

The store comes from ``run_corpus`` on the sample articles with a fake translator (upper-cases
the source), so no model is loaded and the whole file runs in seconds.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aligned.runner import run_corpus
from aligned.store import open_store
from aligned.store.schema import segment_uid
from corpus.model import RawDocument
from corpus.pipeline import process_documents
from corpus.readers import read_sources
from tests.cli import run_cli
from tests.fakes import FakeTranslator, fake_signature
from tests.shared_data import NEWS

SIG_A = fake_signature("fake-a")
SIG_B = fake_signature("fake-b")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two systems: A on the default drop (54 pairs), then B on everything (63 pairs, latest)."""
    out = tmp_path_factory.mktemp("corpus")
    raws = [r for r in read_sources([str(NEWS)]) if isinstance(r, RawDocument)]
    docs = process_documents(raws)
    assert len(docs) == 2
    run_corpus(docs, out, lambda: FakeTranslator(SIG_A))
    run_corpus(docs, out, lambda: FakeTranslator(SIG_B), drop=frozenset())
    run_corpus(docs, out, lambda: FakeTranslator(SIG_A))  # A is latest again; exports = A
    return out


@pytest.fixture
def store_path(corpus_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    path.write_bytes((corpus_dir / "corpus.sqlite").read_bytes())
    return path


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_export_matches_run_exports(fmt: str, corpus_dir: Path, store_path: Path) -> None:
    target = store_path.parent / f"x.{fmt}"
    code, _, err = run_cli(["export", str(store_path), "--format", fmt, "-o", str(target)])
    assert code == 0, err
    assert err == f"songngu: exported 54 pairs of system {SIG_A} as {fmt}\n"
    assert target.read_bytes() == (corpus_dir / f"corpus.{fmt}").read_bytes()


def test_export_moses_writes_prefix_files_and_stdout(corpus_dir: Path, store_path: Path) -> None:
    prefix = store_path.parent / "m"
    assert (
        run_cli(["export", str(store_path), "--format", "moses", "-o", str(prefix), "-q"])[0] == 0
    )
    assert (prefix.parent / "m.vi").read_bytes() == (corpus_dir / "corpus.vi").read_bytes()
    assert (prefix.parent / "m.en").read_bytes() == (corpus_dir / "corpus.en").read_bytes()
    code, _, err = run_cli(["export", str(store_path), "--format", "moses"])
    assert code == 2
    assert "cannot go to stdout" in err
    code, out, _ = run_cli(["export", str(store_path), "--format", "jsonl", "-q"])
    assert code == 0
    assert out.encode() == (corpus_dir / "corpus.jsonl").read_bytes()


def test_export_refuses_to_overwrite(store_path: Path) -> None:
    target = store_path.parent / "x.tsv"
    target.write_text("keep me\n", "utf-8")
    code, _, err = run_cli(["export", str(store_path), "--format", "tsv", "-o", str(target)])
    assert code == 2
    assert err == (
        f"songngu: error: output file {str(target)!r} already exists; pass --force to overwrite "
        "it or choose another path with -o\n"
    )
    assert target.read_text("utf-8") == "keep me\n"
    code, _, _ = run_cli(
        ["export", str(store_path), "--format", "tsv", "-o", str(target), "--force"]
    )
    assert code == 0
    assert target.read_text("utf-8").count("\n") == 55  # header + 54 pairs
    (store_path.parent / "m.en").write_text("old\n", "utf-8")
    prefix = store_path.parent / "m"
    code, _, err = run_cli(["export", str(store_path), "--format", "moses", "-o", str(prefix)])
    assert code == 2
    assert f"{str(prefix) + '.en'!r} already exists" in err
    assert not (store_path.parent / "m.vi").exists()  # neither file is written


def _jsonl(store_path: Path, *extra: str) -> list[dict[str, object]]:
    code, out, err = run_cli(["export", str(store_path), "--format", "jsonl", "-q", *extra])
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_system_and_drop_filters(store_path: Path) -> None:
    assert {r["signature"] for r in _jsonl(store_path)} == {str(SIG_A)}
    assert len(_jsonl(store_path, "--system", str(SIG_B))) == 54
    everything = _jsonl(store_path, "--system", str(SIG_B), "--drop", "none")
    assert len(everything) == 63
    assert everything[0]["en"] == str(everything[0]["vi"]).upper()
    assert len(_jsonl(store_path, "--drop", "none")) == 54  # A never translated the furniture
    assert len(_jsonl(store_path, "--system", str(SIG_B), "--drop", "default,heading")) == 52
    code, _, err = run_cli(["export", str(store_path), "--format", "tsv", "--system", "model:x"])
    assert code == 2
    assert err.startswith("songngu: error: --system 'model:x' is not in")
    code, _, err = run_cli(["export", str(store_path), "--format", "tsv", "--drop", "nois"])
    assert code == 2


def test_reviewed_only(store_path: Path) -> None:
    first = _jsonl(store_path)[:3]
    with open_store(store_path) as store:
        for r, decision in zip(first, ["accept", "edit", "reject"], strict=True):
            text = "Edited." if decision == "edit" else None
            store.add_review(
                str(r["doc"]), int(r["para"]), int(r["sent"]), str(SIG_A), decision, text=text
            )
    reviewed = _jsonl(store_path, "--reviewed-only")
    assert [(r["id"], r["en"], r["reviewed"]) for r in reviewed] == [
        (first[0]["id"], first[0]["en"], True),
        (first[1]["id"], "Edited.", True),
    ]
    assert len(_jsonl(store_path)) == 53  # the rejected pair is left out


@pytest.mark.parametrize("fmt", ["tmx", "tsv", "jsonl"])
def test_export_import_export_round_trip(fmt: str, store_path: Path, tmp_path: Path) -> None:
    first = tmp_path / f"first.{fmt}"
    second = tmp_path / f"second.{fmt}"
    imported = tmp_path / "imported.sqlite"
    assert run_cli(["export", str(store_path), "--format", fmt, "-o", str(first), "-q"])[0] == 0
    code, _, err = run_cli(["import", str(first), "-o", str(imported)])
    assert code == 0, err
    assert err == f"songngu: imported 54 pairs in 2 documents from {first} into {imported}\n"
    assert run_cli(["export", str(imported), "--format", fmt, "-o", str(second), "-q"])[0] == 0
    assert second.read_bytes() == first.read_bytes()


def test_import_foreign_tmx_without_positions(tmp_path: Path) -> None:
    tmx = tmp_path / "memory.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="x" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="vi" '
        'datatype="plaintext"/><body>'
        '<tu><tuv xml:lang="vi"><seg>Đi với tôi.</seg></tuv>'
        '<tuv xml:lang="en"><seg>Come with me.</seg></tuv></tu>'
        '<tu><tuv xml:lang="vi"><seg>Hãy cẩn thận!</seg></tuv>'
        '<tuv xml:lang="en"><seg>Careful!</seg></tuv></tu>'
        "</body></tmx>\n",
        "utf-8",
    )
    store = tmp_path / "corpus.sqlite"
    assert run_cli(["import", str(tmx), "-o", str(store), "-q"])[0] == 0
    code, out, _ = run_cli(["export", str(store), "--format", "tsv", "-q"])
    assert code == 0
    one, two = segment_uid("memory", "Đi với tôi."), segment_uid("memory", "Hãy cẩn thận!")
    assert out.splitlines()[1:] == [
        f"Đi với tôi.\tCome with me.\t{one}\tmemory\t1\t1\t\t\t\timport:memory.tmx\t\t0\t",
        f"Hãy cẩn thận!\tCareful!\t{two}\tmemory\t1\t2\t\t\t\timport:memory.tmx\t\t0\t",
    ]
    # The store exists now: refused without --force, and --append refuses the same documents.
    code, _, err = run_cli(["import", str(tmx), "-o", str(store)])
    assert code == 2
    assert "already exists; pass --force to replace it, --append" in err
    code, _, err = run_cli(["import", str(tmx), "-o", str(store), "--append"])
    assert code == 65
    assert "document 'memory' is already in" in err


def test_malformed_import_exits_65_and_keeps_the_old_store(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"vi": "Một.", "en": "One."}\n{not json\n', "utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text('{"vi": "Hai.", "en": "Two."}\n', "utf-8")
    store = tmp_path / "corpus.sqlite"
    assert run_cli(["import", str(good), "-o", str(store), "-q"])[0] == 0
    code, _, err = run_cli(["import", str(bad), "-o", str(store), "--force"])
    assert code == 65
    assert err.startswith(f"songngu: error: {bad}: line 2: not valid JSON")
    with open_store(store, create=False) as s:
        assert [seg.text for seg in s.segments()] == ["Hai."]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.jsonl",
        "corpus.sqlite",
        "good.jsonl",
    ]


def test_bad_stores_for_export(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    code, _, err = run_cli(["export", str(junk), "--format", "tsv"])
    assert code == 65
    assert err.startswith(f"songngu: error: {junk}: not a usable SQLite file")
    foreign = tmp_path / "foreign.sqlite"
    with contextlib.closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE t (x)")
        db.commit()
    code, _, err = run_cli(["export", str(foreign), "--format", "tsv"])
    assert code == 65
    assert "not a songngu store" in err
    code, _, err = run_cli(["export", str(tmp_path / "none.sqlite"), "--format", "tsv"])
    assert code == 2
    assert "does not exist" in err
    empty = tmp_path / "empty.sqlite"
    open_store(empty).close()
    code, _, err = run_cli(["export", str(empty), "--format", "tsv"])
    assert code == 65
    assert "the store has no translations yet" in err


def test_help_does_not_import_the_model_stack() -> None:
    code = (
        "import sys; from aligned.cli import build_parser; build_parser(); "
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
