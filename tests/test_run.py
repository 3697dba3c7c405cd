"""``songngu run`` end to end on the sample articles with the trained tiny model.

Decoding settings keep it fast on a busy 2-core machine: greedy, --max-length 32 (the tiny
model babbles on news text, so outputs are capped) and one CPU thread (torch threads fighting
over shared cores are 40x slower). One uninterrupted run (module fixture) is the reference the
other tests compare with.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from aligned.store import open_store
from corpus.clean import clean_text
from corpus.flags import DROP_BY_DEFAULT
from tests.cli import EXPORTS, FAST, ROOT, run_cli, songngu_command
from tests.shared_data import NEWS
from tests.tinymodels import TRAINED_PAIRS


@pytest.fixture(scope="module")
def news_run(tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("news") / "out"
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    )
    assert code == 0, err
    (out / "stderr.txt").write_text(err, encoding="utf-8")
    return out


def _store_rows(path: Path) -> list[tuple[str, str, str]]:
    with open_store(path, create=False) as store:
        return store.translations()


def test_counts_and_summary(news_run: Path) -> None:
    with open_store(news_run / "corpus.sqlite", create=False) as store:
        assert store.counts() == {
            "documents": 2, "segments": 63, "systems": 1, "translations": 54, "reviews": 0,
        }  # fmt: skip
        dropped = Counter(f for s in store.segments() for f in s.flags if f in DROP_BY_DEFAULT)
        assert dropped == {
            "dateline": 1, "image-debris": 2, "photo-credit": 1, "widget": 3, "login-prompt": 2,
        }  # fmt: skip
        untranslated = store.db.execute(
            "SELECT count(*) FROM segments s WHERE NOT EXISTS "
            "(SELECT 1 FROM translations t WHERE t.segment = s.id)"
        ).fetchone()[0]
        assert untranslated == 9
    assert sorted(p.name for p in news_run.iterdir()) == sorted(
        [*EXPORTS, "corpus.sqlite", "stderr.txt"]
    )
    err = (news_run / "stderr.txt").read_text(encoding="utf-8").splitlines()
    assert err[1] == "  documents   2 in the store (2 new, 0 changed, 0 unchanged)"
    assert err[2] == (
        "  segments    63, 22 flagged (byline 2, caption 3, dateline 1, heading 2, "
        "image-debris 2, login-prompt 2, photo-credit 1, speaker-label 6, widget 3)"
    )
    assert err[3] == "  left out    9 segments with a --drop flag (stored, not translated)"
    assert err[4] == "  translated  54 now, 0 skipped (already in the store)"
    assert err[6].endswith("(54 pairs each)")
    # The summary's check counts are what the store holds (the tiny model's output on news is
    # poor, so checks fire; their exact behaviour is pinned in tests/test_checks.py).
    with contextlib.closing(sqlite3.connect(news_run / "corpus.sqlite")) as db:
        stored = dict(
            db.execute(
                "SELECT substr(metric, 7), count(*) FROM scores WHERE metric LIKE 'check:%' "
                "GROUP BY metric ORDER BY metric"
            ).fetchall()
        )
    checks = ", ".join(f"{k} {v}" for k, v in stored.items())
    assert stored and err[7] == f"  checks      {checks} (details: songngu check --list)"


def test_exported_pairs_map_back_to_source_offsets(news_run: Path) -> None:
    records = [json.loads(x) for x in (news_run / "corpus.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == 54
    vi = (news_run / "corpus.vi").read_text("utf-8").splitlines()
    en = (news_run / "corpus.en").read_text("utf-8").splitlines()
    assert vi == [r["vi"] for r in records]
    assert en == [r["en"] for r in records]
    with open_store(news_run / "corpus.sqlite", create=False) as store:
        texts = {d: store.document_text(d) for d in {r["doc"] for r in records}}
    for r in records:
        original = texts[r["doc"]][r["start"] : r["end"]]
        assert " ".join(clean_text(original).text.split()) == r["vi"]
    assert {r["doc"] for r in records} == {"000_abbbb2874d62dfae.txt", "003_31235d404d81b38e.txt"}


def test_flags_survive_into_tmx_props(news_run: Path) -> None:
    root = ET.parse(news_run / "corpus.tmx").getroot()
    tus = root.findall("./body/tu")
    assert len(tus) == 54
    flags: dict[str, list[str]] = {}
    for tu in tus:
        names = [p.text or "" for p in tu.findall("prop") if p.get("type") == "x-flag"]
        if names:
            flags[tu.get("tuid") or ""] = names
    assert sorted({f for names in flags.values() for f in names}) == [
        "byline", "caption", "heading", "speaker-label",
    ]  # fmt: skip
    assert sum(len(v) for v in flags.values()) == 13  # 22 flagged minus the 9 dropped


def test_second_run_translates_nothing_and_rewrites_identical_exports(
    news_run: Path, tmp_path: Path, trained_model_dir: Path
) -> None:
    again = tmp_path / "again"
    shutil.copytree(news_run, again)
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(again), "--model", str(trained_model_dir), *FAST]
    )
    assert code == 0, err
    lines = err.splitlines()
    assert lines[1] == "  documents   2 in the store (0 new, 0 changed, 2 unchanged)"
    assert lines[4] == "  translated  0 now, 54 skipped (already in the store)"
    for name in EXPORTS:
        assert (again / name).read_bytes() == (news_run / name).read_bytes(), name


def test_trained_sentences_come_out_exactly(tmp_path: Path, trained_model_dir: Path) -> None:
    chosen = TRAINED_PAIRS[:6]
    (tmp_path / "a.txt").write_text("\n".join(vi for vi, _ in chosen[:4]) + "\n", "utf-8")
    (tmp_path / "b.txt").write_text("\n".join(vi for vi, _ in chosen[2:]) + "\n", "utf-8")
    out = tmp_path / "out"
    args = ["-o", str(out), "--model", str(trained_model_dir), *FAST, "-q"]
    assert run_cli(["run", str(tmp_path / "a.txt"), *args]) == (0, "", "")
    assert (out / "corpus.en").read_text("utf-8").splitlines() == [en for _, en in chosen[:4]]
    # b.txt shares two sentences with a.txt: the memory gives them, the model does the rest.
    code, _, err = run_cli(["run", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), *args[:-1]])
    assert code == 0
    assert err.splitlines()[4] == "  translated  2 now, 6 skipped (already in the store)"
    expected = [en for _, en in chosen[:4]] + [en for _, en in chosen[2:]]
    assert (out / "corpus.en").read_text("utf-8").splitlines() == expected


def test_kill_9_mid_translation_then_resume_gives_the_same_corpus(
    news_run: Path, tmp_path: Path, trained_model_dir: Path
) -> None:
    out = tmp_path / "killed"
    cmd = songngu_command("run", NEWS, "-o", out, "--model", trained_model_dir, *FAST, "-q")
    env = {**os.environ, "SONGNGU_TEST_SLOW_BATCH": "0.6", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    committed = 0
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            committed = _count_translations(out / "corpus.sqlite")
            if 0 < committed < 54:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, stderr.decode()
    assert 0 < _count_translations(out / "corpus.sqlite") < 54
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    )
    assert code == 0, err
    assert _store_rows(out / "corpus.sqlite") == _store_rows(news_run / "corpus.sqlite")
    for name in EXPORTS:
        assert (out / name).read_bytes() == (news_run / name).read_bytes(), name


def _count_translations(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM translations").fetchone()[0])
    except sqlite3.Error:  # not created yet
        return 0


def test_missing_model_stores_segments_and_exits_69(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(tmp_path / "no-model"), "-q"]
    )
    assert code == 69
    assert err.startswith(f"songngu: error: model directory '{tmp_path / 'no-model'}' does not")
    assert err.rstrip().endswith(
        f"The 63 segments of 2 documents are stored in {out / 'corpus.sqlite'}; re-run the same "
        "command when the model is available and it will translate them"
    )
    with open_store(out / "corpus.sqlite", create=False) as store:
        assert store.counts()["segments"] == 63
        assert store.counts()["translations"] == 0
    assert sorted(p.name for p in out.iterdir()) == ["corpus.sqlite"]


def test_corrupt_store_exits_65(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "corpus.sqlite").write_bytes(b"\x00garbage" * 1000)
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(tmp_path / "no-model")]
    )
    assert code == 65
    assert err == (
        f"songngu: error: {out / 'corpus.sqlite'}: not a usable SQLite file (file is not a "
        "database); it is corrupt or not a songngu store. Move it away and re-run, or point to "
        "the right file\n"
    )


def test_output_must_be_a_directory(tmp_path: Path) -> None:
    code, _, err = run_cli(["run", str(NEWS), "-o", str(tmp_path / "corpus.sqlite")])
    assert code == 2
    assert err == (
        f"songngu: error: -o {str(tmp_path / 'corpus.sqlite')!r} looks like a file name, but run "
        f"writes a directory of files; give a directory such as {str(tmp_path / 'out')!r}\n"
    )
    (tmp_path / "file").write_text("x", "utf-8")
    code, _, err = run_cli(["run", str(NEWS), "-o", str(tmp_path / "file")])
    assert code == 73  # EX_CANTCREAT: the output directory cannot be created
    assert "it is a file, not a directory; give a directory with -o (it holds corpus.sqlite)" in err
