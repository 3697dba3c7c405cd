"""Fault injection: ``kill -9`` at named crash points of a real run, and a full disk on export.

Kills: one uninterrupted ``songngu run`` (module fixture, in-process, counting how often each
crash point of ``aligned/faults.py`` is reached) is the reference. Then :data:`KILLS` (point, N)
pairs are drawn with a seeded ``random.Random`` (every point once, the rest at random from all
reachable pairs); for each, ``python -m aligned run`` is started with
``SONGNGU_TEST_CRASH_AT=point:N`` and must die by SIGKILL. What it left is checked against where
the point is (store transaction rolled back, exactly the batches before it committed, finished
exports complete, the file in flight a prefix of the final one, only as a temp file), then the
same command is run again without the hook and the store and every export must equal the
reference: no segment or translation lost or duplicated, no temp file left.

Disk full: the file object under ``open_output`` fails with ENOSPC after some bytes (in-process),
and a real ``songngu export`` runs under ``RLIMIT_FSIZE`` (EFBIG); either way the command exits
74 with one line naming the file, the previous file is kept byte for byte and no temp is left.

Decoding settings are those of tests/test_run.py (greedy, --max-length 32, one thread) with
--commit-every 8, so there are many batches; the whole file takes about a minute and a half.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pytest

import aligned.output
from aligned import faults
from aligned.faults import CRASH_AT_ENV, CRASH_COUNT_ENV, CRASH_POINTS, EXPORT_ROWS
from aligned.output import open_output
from aligned.store import open_store
from corpus.errors import ConfigError, OutputError
from tests.cli import EXPORTS, ROOT, run_cli, songngu_command
from tests.shared_data import NEWS
from tests.tinymodels import TRAINED_PAIRS

COMMIT_EVERY = 8
FAST = ["--beam", "1", "--max-length", "32", "--threads", "1", "--commit-every", "8"]
# The order write_exports opens and renames its files (Moses: corpus.en is opened inside
# corpus.vi's block, so it is renamed first).
OPEN_ORDER = EXPORTS
RENAME_ORDER = ["corpus.tmx", "corpus.tsv", "corpus.en", "corpus.vi", "corpus.jsonl", "report.html"]

# How often a run over the documents of `docs_dir` reaches each point: 4 documents; 81 texts
# to translate (84 segments: 3 texts of the articles occur twice) in ceil(81 / 8) = 11 batches;
# 84 pairs exported, so 84 // 16 = 5 row points per export file; 6 files opened and renamed.
EXPECTED_HITS = {
    "export.jsonl": 5,
    "export.moses": 5,
    "export.tmx": 5,
    "export.tsv": 5,
    "output.open": 6,
    "output.rename": 6,
    "report.render": 1,
    "run.batch": 11,
    "run.committed": 11,
    "store.document": 4,
    "store.lock": 1,
    "store.migrate": 3,
    "store.translation": 81,
}
KILLS = 20
SEED = 2024
# Points a run of new documents does not reach: review decisions (tested below with an import
# killed at store.review; `review --apply` in tests/test_review.py) and history moves (a
# changed document whose removed sentences carry human work).
NOT_IN_A_RUN = {"store.review", "store.history"}


def kill_plan(hits: dict[str, int], kills: int = KILLS, seed: int = SEED) -> list[tuple[str, int]]:
    """``kills`` distinct (point, N): each point once, then points drawn at random; N is drawn
    at random from the point's hits (points first, so the 81 hits of store.translation do not
    crowd out the 6 of output.rename)."""
    rng = random.Random(seed)
    points = sorted(hits)
    chosen = [(name, rng.randint(1, hits[name])) for name in points]
    while len(chosen) < kills:
        name = rng.choice(points)
        pick = (name, rng.randint(1, hits[name]))
        if pick not in chosen:
            chosen.append(pick)
    return chosen


PLAN = kill_plan(EXPECTED_HITS)


@dataclass
class Reference:
    out: Path
    hits: dict[str, int]
    listing: list[str]
    dump: dict[str, list[tuple[Any, ...]]]
    committed: list[int]  # translations in the store after k committed batches, k = 0..11


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two sample articles and two documents of the sentences the tiny model learnt."""
    docs = tmp_path_factory.mktemp("docs")
    for f in sorted(NEWS.iterdir()):
        shutil.copy(f, docs / f.name)
    half = len(TRAINED_PAIRS) // 2
    for name, pairs in (("t1.txt", TRAINED_PAIRS[:half]), ("t2.txt", TRAINED_PAIRS[half:])):
        (docs / name).write_text("\n".join(vi for vi, _ in pairs) + "\n", encoding="utf-8")
    return docs


def _run_args(docs: Path, out: Path, model: Path) -> list[str]:
    return ["run", str(docs), "-o", str(out), "--model", str(model), *FAST, "-q"]


@pytest.fixture(scope="module")
def reference(
    docs_dir: Path, trained_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reference]:
    base = tmp_path_factory.mktemp("reference")
    out = base / "out"
    counts = base / "hits.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(CRASH_AT_ENV, raising=False)
        mp.setenv(CRASH_COUNT_ENV, str(counts))
        faults.reset()
        try:
            code, _, err = run_cli(_run_args(docs_dir, out, trained_model_dir))
        finally:
            faults.reset()
    assert (code, err) == (0, "")
    yield Reference(
        out=out,
        hits=json.loads(counts.read_text("utf-8")),
        listing=sorted(p.name for p in out.iterdir()),
        dump=_dump(out / "corpus.sqlite"),
        committed=_committed_after_batches(out / "corpus.sqlite"),
    )
    faults.reset()


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a run stores except row ids of translations/scores, creation times and the
    use counter (a resumed run registers its system again, as any second run does)."""
    queries = {
        "meta": "SELECT key, value FROM meta WHERE key != 'use_counter' ORDER BY key",
        "documents": "SELECT * FROM documents ORDER BY id",
        "segments": "SELECT * FROM segments ORDER BY id",
        "systems": "SELECT signature, fields FROM systems ORDER BY signature",
        "translations": "SELECT s.doc, s.para, s.sent, t.signature, t.source, t.text, t.score, "
        "t.src_tokens, t.tgt_tokens, t.split, t.parts, t.notes FROM translations t "
        "JOIN segments s ON s.id = t.segment ORDER BY s.doc, s.para, s.sent, t.signature",
        "scores": "SELECT s.doc, s.para, s.sent, c.signature, c.reference, c.metric, c.value, "
        "c.details FROM scores c JOIN segments s ON s.id = c.segment ORDER BY 1, 2, 3, 4, 6",
        "refs": "SELECT * FROM refs",
        "reviews": "SELECT * FROM reviews",
    }
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {name: db.execute(sql).fetchall() for name, sql in queries.items()}


def _committed_after_batches(path: Path) -> list[int]:
    """Translations stored after 0, 1, 2, ... batches: the texts of the translated segments
    in (doc, para, sent) order of their first segment, COMMIT_EVERY texts a batch."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT s.text FROM segments s JOIN translations t ON t.segment = s.id "
            "ORDER BY s.doc, s.para, s.sent"
        ).fetchall()
    per_text: dict[str, int] = {}
    for (text,) in rows:
        per_text[text] = per_text.get(text, 0) + 1
    sizes = list(per_text.values())
    return [sum(sizes[: k * COMMIT_EVERY]) for k in range(math.ceil(len(sizes) / 8) + 1)]


def test_a_run_reaches_every_crash_point_as_often_as_expected(reference: Reference) -> None:
    assert reference.hits == EXPECTED_HITS
    assert set(EXPECTED_HITS) | NOT_IN_A_RUN == set(CRASH_POINTS)
    assert not set(EXPECTED_HITS) & NOT_IN_A_RUN
    dump = reference.dump
    assert (len(dump["documents"]), len(dump["segments"]), len(dump["translations"])) == (4, 93, 84)
    assert reference.committed[-1] == 84
    assert len(reference.committed) == 12
    assert reference.listing == sorted([*EXPORTS, "corpus.sqlite"])
    assert len(PLAN) == len(set(PLAN)) == KILLS
    assert {name for name, _ in PLAN} == set(EXPECTED_HITS)


#: Tables after schema migration v (0 = empty file; v1: 8; v2 adds history and judgements; v3
#: boilerplate_paras, boilerplate_counts and document_parts).
TABLES_AFTER_MIGRATION = [0, 8, 10, 13]


@dataclass
class AtKill:
    """What a run killed at a point must have left."""

    tables: bool  # the schema is committed
    documents: bool  # add_documents committed
    translations: int  # translations committed
    done: list[str]  # exports renamed into place
    in_flight: list[str]  # exports whose temp file exists
    complete: str | None = None  # the in-flight export whose temp file is complete
    partial_tables: int = 0  # tables of the migrations committed before a store.migrate kill


def expected_at_kill(point: str, n: int, ref: Reference) -> AtKill:
    total = ref.committed[-1]
    if point == "store.lock":  # the lock taken, the store not even created yet
        return AtKill(False, False, 0, [], [], partial_tables=0)
    if point == "store.migrate":  # migration n is rolled back; n - 1 are committed
        return AtKill(False, False, 0, [], [], partial_tables=TABLES_AFTER_MIGRATION[n - 1])
    if point == "store.document":
        return AtKill(True, False, 0, [], [])
    if point in ("store.translation", "run.batch", "run.committed"):
        batches = {
            "store.translation": (n - 1) // COMMIT_EVERY,
            "run.batch": n - 1,
            "run.committed": n,
        }[point]
        return AtKill(True, True, ref.committed[batches], [], [])
    # Export: replay write_exports' sequence of crash points up to the n-th `point`.
    rows = ref.hits["export.tmx"]
    events: list[tuple[str, str | None]] = []
    for fmt, files in (
        ("tmx", ["corpus.tmx"]),
        ("tsv", ["corpus.tsv"]),
        ("moses", ["corpus.vi", "corpus.en"]),
        ("jsonl", ["corpus.jsonl"]),
    ):
        events += [("output.open", f) for f in files]
        events += [(f"export.{fmt}", None)] * rows
        events += [("output.rename", f) for f in reversed(files)]
    events += [("output.open", "report.html"), ("report.render", None)]
    events += [("output.rename", "report.html")]
    done: list[str] = []
    flight: list[str] = []
    seen = 0
    for name, file in events:
        if name == "output.open":
            flight.append(file or "")
        if name == point:
            seen += 1
            if seen == n:
                complete = file if name == "output.rename" else None
                return AtKill(True, True, total, done, sorted(flight), complete)
        if name == "output.rename":
            flight.remove(file or "")
            done.append(file or "")
    raise AssertionError(f"{point}:{n} is not reached")


def _temp_target(name: str) -> str:
    """``.corpus.tmx.k3j9x_2a.tmp`` (open_output's temp file) -> ``corpus.tmx``."""
    return name[1:].rsplit(".", 2)[0]


def check_left_at_kill(out: Path, want: AtKill, ref: Reference, scratch: Path) -> None:
    names = sorted(p.name for p in out.iterdir())
    temps = [n for n in names if n.startswith(".") and n.endswith(".tmp")]
    exports = [n for n in names if not n.startswith((".", "corpus.sqlite"))]
    assert sorted(_temp_target(t) for t in temps) == want.in_flight
    assert exports == sorted(want.done)
    for name in exports:  # renamed into place: complete
        assert (out / name).read_bytes() == (ref.out / name).read_bytes(), name
    for temp in temps:
        name = _temp_target(temp)
        data, final = (out / temp).read_bytes(), (ref.out / name).read_bytes()
        if name == want.complete:  # written and synced, not yet renamed
            assert data == final, name
        else:  # mid-write: what reached the disk is the start of the file, not all of it
            assert final.startswith(data), name
            assert len(data) < len(final) or want.complete is not None, name
    # Look at the store as the next run will: on a copy, so SQLite's recovery (rolling back
    # the transaction the kill interrupted) happens there and not in `out`.
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    for p in out.glob("corpus.sqlite*"):
        shutil.copy(p, scratch / p.name)
    with contextlib.closing(sqlite3.connect(scratch / "corpus.sqlite")) as db:
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        assert tables[0] == (TABLES_AFTER_MIGRATION[-1] if want.tables else want.partial_tables)
        if not want.tables:
            return
        docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        segs = db.execute("SELECT count(*) FROM segments").fetchone()[0]
        if want.documents:
            assert (docs, segs) == (len(ref.dump["documents"]), len(ref.dump["segments"]))
        else:
            assert (docs, segs) == (0, 0)
        stored = db.execute("SELECT count(*) FROM translations").fetchone()[0]
        assert stored == want.translations


@pytest.mark.parametrize(("point", "n"), PLAN, ids=[f"{p}:{n}" for p, n in PLAN])
def test_kill_9_at_a_crash_point_then_resume_gives_the_same_corpus(
    point: str,
    n: int,
    reference: Reference,
    docs_dir: Path,
    trained_model_dir: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SONGNGU_TEST_")}
    env |= {CRASH_AT_ENV: f"{point}:{n}", "PYTHONPATH": str(ROOT)}
    cmd = songngu_command(*_run_args(docs_dir, out, trained_model_dir))
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert proc.stderr == b""
    check_left_at_kill(out, expected_at_kill(point, n, reference), reference, tmp_path / "copy")

    assert run_cli(_run_args(docs_dir, out, trained_model_dir)) == (0, "", "")
    assert sorted(p.name for p in out.iterdir()) == reference.listing  # no temp file left
    for name in EXPORTS:
        assert (out / name).read_bytes() == (reference.out / name).read_bytes(), name
    assert _dump(out / "corpus.sqlite") == reference.dump
    with contextlib.closing(sqlite3.connect(out / "corpus.sqlite")) as db:
        counts = db.execute(
            "SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT segment, signature FROM "
            "translations)) FROM translations"
        ).fetchone()
    assert counts == (84, 84)
    with (
        open_store(out / "corpus.sqlite", create=False) as store,
        open_store(reference.out / "corpus.sqlite", create=False) as ref_store,
    ):
        assert store.translations() == ref_store.translations()


def _killed_at(point: str, *args: str | Path) -> None:
    """``songngu ARGS`` as a process killed with SIGKILL at crash point ``point``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SONGNGU_TEST_")}
    env |= {CRASH_AT_ENV: point, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        songngu_command(*args), cwd=ROOT, env=env, capture_output=True, timeout=300
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert proc.stderr == b""


def test_a_writer_killed_holding_the_lock_blocks_nobody(
    docs_dir: Path, trained_model_dir: Path, reference: Reference, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _killed_at("run.batch:3", *_run_args(docs_dir, out, trained_model_dir))
    lock = out / "corpus.sqlite.lock"
    assert lock.read_text("ascii").strip().isdigit()  # the dead writer's PID is left in it
    code, _, err = run_cli([*_run_args(docs_dir, out, trained_model_dir), "--wait", "0"])
    assert (code, err) == (0, "")  # no wait, no "in use by PID": flock died with its holder
    assert sorted(p.name for p in out.iterdir()) == reference.listing  # lock file removed
    assert _dump(out / "corpus.sqlite") == reference.dump


def test_decisions_are_all_or_none_when_killed_at_store_review(tmp_path: Path) -> None:
    from tests.fakes import SIG, build_translated_store

    src = tmp_path / "src.sqlite"
    build_translated_store(src)
    with open_store(src) as store:
        store.add_review("a", 1, 1, str(SIG), "accept", who="r")
        store.add_review("a", 1, 3, str(SIG), "accept", who="r")
    tmx = tmp_path / "reviewed.tmx"
    assert run_cli(["export", src, "--format", "tmx", "-o", tmx, "--drop", "none", "-q"]).code == 0
    target = tmp_path / "target.sqlite"
    args = ["import", str(tmx), "-o", str(target), "--append", "-q"]
    _killed_at("store.review:1", *args)

    def counts() -> tuple[int, int, int]:
        with contextlib.closing(sqlite3.connect(target)) as db:
            return db.execute(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM translations), "
                "(SELECT count(*) FROM reviews)"
            ).fetchone()

    assert counts() == (0, 0, 0)  # none of the import, its decisions included
    assert run_cli([*args, "--wait", "0"]) == (0, "", "")
    assert counts() == (1, 5, 2)  # all of it


def test_review_apply_killed_at_store_review_applies_all_or_none(tmp_path: Path) -> None:
    from tests.fakes import build_translated_store

    store_path = tmp_path / "s.sqlite"
    build_translated_store(store_path)
    with open_store(store_path, create=False) as store:
        uids = [p.id for p in store.pairs(store.resolve_system("latest"))][:3]
    decisions = tmp_path / "d.jsonl"
    decisions.write_text(
        "".join(
            json.dumps({"id": uid, "decision": d, "who": "r"}, ensure_ascii=False) + "\n"
            for uid, d in zip(uids, ("accept", "reject", "accept"), strict=True)
        ),
        encoding="utf-8",
    )
    args = ["review", str(store_path), "--apply", str(decisions), "-q"]
    _killed_at("store.review:2", *args)

    def reviews() -> int:
        with contextlib.closing(sqlite3.connect(store_path)) as db:
            return int(db.execute("SELECT count(*) FROM reviews").fetchone()[0])

    assert reviews() == 0  # the first decision was written, then rolled back with the kill
    assert run_cli([*args, "--wait", "0"]) == (0, "", "")
    assert reviews() == 3


def test_a_document_change_killed_at_store_history_loses_no_human_work(tmp_path: Path) -> None:
    from tests.fakes import SIG, build_translated_store

    src = tmp_path / "s.sqlite"
    build_translated_store(src)
    with open_store(src) as store:
        store.add_review("a", 1, 3, str(SIG), "accept", who="r")
    code = (
        "import sys; from aligned.store import open_store; from tests.fakes import "
        "make_document; s = open_store(sys.argv[1], writer=True); "
        "s.add_documents([make_document('a', ['Xin chào.', 'Tôi đi học.'])])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SONGNGU_TEST_")}
    env |= {CRASH_AT_ENV: "store.history:1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", code, str(src)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()

    def counts() -> tuple[int, int, int]:
        with contextlib.closing(sqlite3.connect(src)) as db:
            return db.execute(
                "SELECT (SELECT count(*) FROM segments), (SELECT count(*) FROM reviews), "
                "(SELECT count(*) FROM history)"
            ).fetchone()

    assert counts() == (5, 1, 0)  # nothing of the change: the review is where it was
    env.pop(CRASH_AT_ENV)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    assert counts() == (2, 0, 1)  # the reviewed sentence is gone; its decision is in history
    with open_store(src, create=False) as store:
        [entry] = store.history()
    assert (entry.kind, entry.reason, entry.source) == ("review", "segment-removed", "Trời mưa.")


# -- the hook itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("run.batch", "is not NAME:N (a crash point name and a count from 1, e.g. "),
        ("run.batch:0", "is not NAME:N (a crash point name and a count from 1, e.g. "),
        ("run.batch:x", "is not NAME:N (a crash point name and a count from 1, e.g. "),
        ("run.btach:2", "names no crash point; known: export.jsonl, export.moses, "),
    ],
)
def test_a_malformed_crash_variable_is_a_config_error_naming_it(
    value: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CRASH_AT_ENV, value)
    faults.reset()
    try:
        code, _, err = run_cli(["run", str(NEWS), "-o", str(tmp_path / "out"), "--model", "none"])
    finally:
        monkeypatch.delenv(CRASH_AT_ENV)
        faults.reset()
    assert code == 2
    assert err.startswith(f"songngu: error: SONGNGU_TEST_CRASH_AT={value!r} {message}")
    assert len(err.splitlines()) == 1


def test_without_the_hook_crash_points_cost_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CRASH_AT_ENV, raising=False)
    monkeypatch.delenv(CRASH_COUNT_ENV, raising=False)
    faults.reset()
    rows = [1, 2, 3]
    assert faults.crash_every(rows, "export.tsv") is rows  # no wrapper per row
    faults.crash_point("run.batch")
    assert faults.enabled() is False
    assert EXPORT_ROWS == 16


# -- a full disk while writing an export -------------------------------------------------------


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An imported store of 2000 pairs (no model needed); its TMX is ~1 MB."""
    base = tmp_path_factory.mktemp("big")
    lines = [
        json.dumps({"doc": "d", "para": i // 10 + 1, "sent": i % 10 + 1,
                    "vi": f"Câu thứ {i} của tài liệu, có dấu tiếng Việt.",
                    "en": f"Sentence number {i} of the document."}, ensure_ascii=False)
        for i in range(2000)
    ]  # fmt: skip
    (base / "pairs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = base / "corpus.sqlite"
    assert run_cli(["import", str(base / "pairs.jsonl"), "-o", str(store), "-q"]) == (0, "", "")
    return store


def _export_dir(big_store: Path, tmp_path: Path, fmt: str, output: str) -> tuple[Path, Path]:
    """A copy of the store with a previous export of ``fmt`` at ``output``, after which one
    pair was edited (so a new export would differ)."""
    out = tmp_path / "out"
    out.mkdir()
    store = out / "corpus.sqlite"
    shutil.copy(big_store, store)
    args = ["export", str(store), "--format", fmt, "-o", str(out / output), "-q"]
    assert run_cli(args) == (0, "", "")
    with open_store(store, create=False) as s:
        s.add_review("d", 1, 1, s.resolve_system("latest"), "edit", text="Edited.")
    return out, store


class _FullDisk(io.FileIO):
    """A file on a disk with ``room`` bytes free: writes what fits, then fails with ENOSPC."""

    room = 5000
    written = 0

    def write(self, b: Any) -> int:
        left = self.room - self.written
        if left <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = super().write(bytes(memoryview(b)[:left]))
        self.written += n
        return n


def _full_disk_file(fd: int) -> TextIO:
    return io.TextIOWrapper(io.BufferedWriter(_FullDisk(fd, "w")), encoding="utf-8", newline="\n")


@pytest.mark.parametrize(
    ("fmt", "output", "files", "failing"),
    [
        ("tsv", "corpus.tsv", ["corpus.tsv"], "corpus.tsv"),
        ("tmx", "corpus.tmx", ["corpus.tmx"], "corpus.tmx"),
        # Moses: each file has 5000 bytes of room; the longer Vietnamese lines fill corpus.vi
        # first, and corpus.en (written alongside) is not renamed either.
        ("moses", "corpus", ["corpus.en", "corpus.vi"], "corpus.vi"),
    ],
)
def test_disk_full_during_export_keeps_the_previous_file(
    fmt: str,
    output: str,
    files: list[str],
    failing: str,
    big_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, store = _export_dir(big_store, tmp_path, fmt, output)
    before = {name: (out / name).read_bytes() for name in files}
    assert all(len(data) > 2 * _FullDisk.room for data in before.values())
    monkeypatch.setattr(aligned.output, "_text_file", _full_disk_file)
    code, _, err = run_cli(
        ["export", str(store), "--format", fmt, "-o", str(out / output), "--force"]
    )
    assert code == 74
    assert err == (
        f"songngu: error: cannot write {str(out / failing)!r}: the disk is full; the previous "
        f"{failing} is kept unchanged. To fix: free some space and run the command again\n"
    )
    assert {name: (out / name).read_bytes() for name in files} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(["corpus.sqlite", *files])


def test_disk_full_on_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aligned.output, "_text_file", _full_disk_file)
    target = tmp_path / "new.txt"
    with pytest.raises(OutputError) as info, open_output(target) as fh:
        for _ in range(1000):
            fh.write("x" * 100)
    assert str(info.value) == (
        f"cannot write {str(target)!r}: the disk is full; no new.txt was written. To fix: free "
        "some space and run the command again"
    )
    assert info.value.exit_code == 74
    assert list(tmp_path.iterdir()) == []


def test_other_errors_of_the_writing_code_pass_through(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(FileNotFoundError), open_output(target, force=True) as fh:
        fh.write("new\n")
        (tmp_path / "missing-input").read_text()
    with pytest.raises(ConfigError, match="bad"), open_output(target, force=True) as fh:
        fh.write("new\n")
        raise ConfigError("bad")
    assert target.read_text("utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_file_size_limit_during_export_keeps_the_previous_file(
    big_store: Path, tmp_path: Path
) -> None:
    out, store = _export_dir(big_store, tmp_path, "tmx", "corpus.tmx")
    before = (out / "corpus.tmx").read_bytes()
    limit = 64 * 1024  # room for SQLite's 32 KiB shared-memory file, not for the ~1 MB TMX
    assert len(before) > 10 * limit

    def small_files() -> None:  # Python ignores SIGXFSZ: an oversized write fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cmd = songngu_command("export", store, "--format", "tmx", "-o", out / "corpus.tmx", "--force")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, preexec_fn=small_files, timeout=120
    )
    assert proc.returncode == 74
    assert proc.stderr == (
        f"songngu: error: cannot write {str(out / 'corpus.tmx')!r}: the file is too large (over "
        "this process's file-size limit, see `ulimit -f`); the previous corpus.tmx is kept "
        "unchanged. To fix: raise the limit or write elsewhere and run the command again\n"
    )
    assert (out / "corpus.tmx").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["corpus.sqlite", "corpus.tmx"]
