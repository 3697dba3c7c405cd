"""One writer at a time (issue 12, scenario 8): the store's writer lock, ``--wait``, exit 75.

Two real ``songngu run`` processes into one OUT/: the second waits for the first (one line
naming its PID), gives up with exit 75 after ``--wait 1``, and with a long wait runs after the
first and translates nothing. Every other writing command refuses the same way while another
process holds the lock; a writer killed with ``kill -9`` leaves a lock file that blocks nobody;
SQLite's own "database is locked" is exit 75 too, never 1 or 74.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import aligned.server.app
from aligned.store import lock_holder, lock_path, open_store, writer_lock
from aligned.store.core import store_error
from corpus.errors import EXIT_BUSY, StoreBusyError
from tests.cli import FAST, ROOT, run_cli, songngu, songngu_command
from tests.fakes import SIG, build_translated_store, serving_app
from tests.tinymodels import TRAINED_PAIRS

SLOW = {"SONGNGU_TEST_SLOW_BATCH": "0.4"}  # 30 one-text batches: the first run holds ~12 s
TEXTS = len(TRAINED_PAIRS)  # 30 distinct sentences, two documents


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    half = TEXTS // 2
    for name, pairs in (("t1.txt", TRAINED_PAIRS[:half]), ("t2.txt", TRAINED_PAIRS[half:])):
        (d / name).write_text("\n".join(vi for vi, _ in pairs) + "\n", encoding="utf-8")
    return d


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SONGNGU_TEST_")}
    return {**env, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(extra or {})}


def _wait_for_holder(store: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Until ``proc`` holds the store's writer lock (its PID is in the lock file)."""
    end = time.monotonic() + timeout
    while lock_holder(store) != proc.pid:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "the first run never took the lock"
        time.sleep(0.05)


def _waiting(pid: int, store: Path, wait: str) -> str:
    return (
        f"songngu: waiting for PID {pid}, which is writing {store} (up to {wait} s; "
        "--wait SECONDS)\n"
    )


def _busy(pid: int, store: Path, wait: str) -> str:
    return (
        f"songngu: error: store {str(store)!r} is in use by PID {pid}; wait for it to finish or "
        f"stop it (waited {wait} s; --wait SECONDS waits longer)\n"
    )


def _counts(store: Path) -> tuple[int, int, int, int]:
    """(documents, segments, translations, distinct (segment, system) translated)."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        row = db.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM segments), "
            "(SELECT count(*) FROM translations), (SELECT count(*) FROM (SELECT DISTINCT "
            "segment, signature FROM translations))"
        ).fetchone()
    return tuple(row)  # type: ignore[return-value]


def test_two_runs_into_one_out_the_second_waits_and_translates_nothing(
    docs: Path, trained_model_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    store = out / "corpus.sqlite"
    args = ["run", str(docs), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    args[args.index("--commit-every") + 1] = "1"
    first = subprocess.Popen(
        songngu_command(*args), cwd=ROOT, env=_env(SLOW), stderr=subprocess.PIPE
    )
    try:
        _wait_for_holder(store, first)
        # A second run with --wait 1: one waiting line, then exit 75 naming the first's PID.
        impatient = songngu(*args, "--wait", "1", env=_env())
        assert impatient.returncode == EXIT_BUSY == 75
        assert impatient.stderr.decode() == _waiting(first.pid, store, "1") + _busy(
            first.pid, store, "1"
        )
        # A third with a long wait: it waits (one line), then runs once the first is done.
        patient = subprocess.Popen(
            songngu_command(*args, "--wait", "300"),
            cwd=ROOT,
            env=_env(),
            stderr=subprocess.PIPE,
        )
        assert patient.stderr is not None
        assert patient.stderr.readline().decode() == _waiting(first.pid, store, "300")
        assert first.poll() is None  # it really waited for a run still going
        _, first_err = first.communicate(timeout=300)
        rest = patient.communicate(timeout=300)[1].decode()
    finally:
        for proc in (first, locals().get("patient")):
            if isinstance(proc, subprocess.Popen) and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert first.returncode == 0, first_err.decode()
    assert f"  translated  {TEXTS} now, 0 skipped (already in the store)\n" in first_err.decode()
    assert patient.returncode == 0, rest
    assert f"  translated  0 now, {TEXTS} skipped (already in the store)\n" in rest
    assert "  documents   2 in the store (0 new, 0 changed, 2 unchanged)\n" in rest
    assert _counts(store) == (2, TEXTS, TEXTS, TEXTS)
    assert not lock_path(store).exists()  # the last writer removed it


def _hold_lock(store: Path) -> subprocess.Popen[str]:
    """Another process that takes the store's writer lock (the real one) and keeps it until
    its stdin closes."""
    code = (
        "import sys; from aligned.store.lock import acquire_writer_lock as a; "
        "a(sys.argv[1], wait=0); print('locked', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(store)],
        cwd=ROOT,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "locked\n"
    return proc


@contextlib.contextmanager
def held(store: Path) -> Iterator[int]:
    proc = _hold_lock(store)
    try:
        yield proc.pid
    finally:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        proc.wait(30)
        proc.stdout.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    return path


def _writers(store: Path, tmp_path: Path) -> dict[str, list[str]]:
    ref = tmp_path / "ref.en"
    ref.write_text("".join(f"line {i}\n" for i in range(5)), encoding="utf-8")
    tsv = tmp_path / "in.tsv"
    assert run_cli(["export", store, "--format", "tsv", "-o", tsv, "-q"]).code == 0
    return {
        "refs add": ["refs", "add", str(store), str(ref)],
        "score": ["score", str(store), "--confidence", "1"],
        "check": ["check", str(store)],
        "import --append": ["import", str(tsv), "-o", str(store), "--append"],
    }


@pytest.mark.parametrize("command", ["refs add", "score", "check", "import --append"])
def test_every_writing_command_waits_then_exits_75(
    command: str, store: Path, tmp_path: Path
) -> None:
    args = _writers(store, tmp_path)[command]
    with held(store) as pid:
        began = time.monotonic()
        code, out, err = run_cli([*args, "--wait", "0.5"])
        waited = time.monotonic() - began
    assert (code, out) == (75, "")
    assert err == _waiting(pid, store, "0.5") + _busy(pid, store, "0.5")
    assert waited >= 0.5
    with contextlib.closing(sqlite3.connect(store)) as db:  # nothing was written
        assert db.execute("SELECT count(*) FROM scores").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM refs").fetchone() == (0,)


def test_quiet_waits_silently_and_wait_0_does_not_wait(store: Path) -> None:
    with held(store) as pid:
        code, _, err = run_cli(["check", str(store), "-q", "--wait", "0"])
    assert (code, err) == (75, _busy(pid, store, "0"))


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_a_bad_wait_is_a_usage_error(value: str, store: Path) -> None:
    code, _, err = run_cli(["check", str(store), "--wait", value])
    assert code == 2
    assert err == (
        f"songngu: error: --wait must be a number of seconds, 0 or more, got {float(value)}\n"
    )


def test_readers_need_no_lock(store: Path, tmp_path: Path) -> None:
    with held(store):
        assert run_cli(["export", store, "--format", "tsv", "-o", tmp_path / "x.tsv"]).code == 0
        assert run_cli(["report", store, "-o", tmp_path / "r.html"]).code == 0


def test_a_writer_killed_with_sigkill_blocks_nobody(
    docs: Path, trained_model_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    store = out / "corpus.sqlite"
    args = ["run", str(docs), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    first = subprocess.Popen(songngu_command(*args), cwd=ROOT, env=_env(SLOW))
    _wait_for_holder(store, first)
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(30) == -signal.SIGKILL
    assert lock_holder(store) == first.pid  # its lock file and PID are left behind
    began = time.monotonic()
    again = songngu(*args, "--wait", "0", env=_env())
    assert again.returncode == 0, again.stderr.decode()
    assert "waiting" not in again.stderr.decode()
    assert time.monotonic() - began < 60
    assert _counts(store) == (2, TEXTS, TEXTS, TEXTS)
    assert not lock_path(store).exists()


def test_a_stale_pid_in_the_lock_file_does_not_matter(store: Path) -> None:
    lock_path(store).write_text(f"{os.getppid()}\n", encoding="ascii")  # a live process
    code, _, err = run_cli(["check", str(store), "--wait", "0"])
    assert (code, err) == (0, "")
    assert not lock_path(store).exists()


def test_the_lock_is_reentrant_in_one_process_and_exclusive_across(store: Path) -> None:
    with writer_lock(store, wait=0) as outer:
        with open_store(store, create=False, writer=True, wait=0) as inner:
            assert inner.lock is outer and outer.depth == 2
        assert outer.depth == 1 and lock_path(store).exists()
        assert lock_holder(store) == os.getpid()
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE, str(store)],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.stdout == f"busy: store {str(store)!r} is in use by PID {os.getpid()}\n"
    assert not lock_path(store).exists()


_PROBE = (
    "import sys\nfrom aligned.store.lock import acquire_writer_lock\n"
    "from corpus.errors import StoreBusyError\n"
    "try:\n    acquire_writer_lock(sys.argv[1], wait=0)\n"
    "except StoreBusyError as e:\n    print('busy:', str(e).split(';')[0])\n"
)


def test_sqlite_database_is_locked_is_exit_75_not_1_or_74(store: Path) -> None:
    err = store_error(store, sqlite3.OperationalError("database is locked"))
    assert isinstance(err, StoreBusyError) and err.exit_code == 75
    assert str(err) == (
        f"store {str(store)!r} is in use by another process (SQLite: database is locked); "
        "wait for it to finish or stop it, then run the command again"
    )
    # For real: another connection keeps a write transaction open past the busy timeout.
    other = sqlite3.connect(store, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with open_store(store, create=False) as s:
            s.db.execute("PRAGMA busy_timeout = 100")
            from aligned.store import sqlite_errors

            with pytest.raises(StoreBusyError), sqlite_errors(store):
                s.add_review("a", 1, 1, str(SIG), "accept", who="t")
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_review_server_locks_per_decision_and_answers_503_when_busy(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    monkeypatch.setattr(aligned.server.app, "SAVE_WAIT", 0.2)
    with open_store(store, create=False) as s:
        uid = s.segment_uid_of(1)

    def post(server: aligned.server.app.ReviewServer) -> tuple[int, dict[str, object]]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/segments/{urllib.parse.quote(uid, safe='')}"
            "/decision",
            data=json.dumps({"decision": "accept"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-Songngu-Token": server.token},
        )
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            with e:
                return e.code, json.loads(e.read())

    with serving_app(store) as server:
        assert not lock_path(store).exists()  # serving holds no lock: a run may write
        with held(store) as pid:
            status, answer = post(server)
        assert status == 503
        assert answer == {
            "error": f"store {str(store)!r} is in use by PID {pid}; wait for it to finish or "
            "stop it (waited 0.2 s; --wait SECONDS waits longer); the decision was not saved, "
            "try again"
        }
        assert post(server)[0] == 200
        assert not lock_path(store).exists()


def test_threads_of_one_process_share_the_lock(store: Path) -> None:
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with open_store(store, create=False, writer=True, wait=5) as s:
                s.add_review("a", 1, 1 + i % 3, str(SIG), "accept", who=f"t{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("SELECT count(*) FROM reviews").fetchone() == (8,)
    assert not lock_path(store).exists()
