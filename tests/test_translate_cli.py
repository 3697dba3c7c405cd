"""``songngu translate`` and the import-cost guarantees, through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import ROOT, songngu
from tests.tinymodels import TRAINED_PAIRS


def test_imports_never_load_torch() -> None:
    code = (
        "import sys, contextlib, io\n"
        "import corpus, aligned, translate, translate.engine, translate.loader\n"
        "import aligned.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    aligned.cli.main(['--help'])\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    aligned.cli.main(['translate', '--help'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_offline_missing_model_fails_fast(tmp_path: Path) -> None:
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "HF_HUB_CACHE": str(tmp_path / "hub")}
    res = songngu(
        "translate", "--model", "Helsinki-NLP/opus-mt-vi-en", stdin=b"xin chao\n", env=env
    )
    err = res.stderr.decode()
    assert res.returncode == 69, err
    assert "Helsinki-NLP/opus-mt-vi-en" in err and "--model" in err and "HF_HUB_OFFLINE" in err
    assert "Traceback" not in err
    assert res.stdout == b""


def test_missing_local_dir(tmp_path: Path) -> None:
    res = songngu("translate", "--model", str(tmp_path / "nope"), stdin=b"x\n")
    assert res.returncode == 69 and b"does not exist" in res.stderr
    assert b"Traceback" not in res.stderr


def test_text_and_jsonl(trained_model_dir: Path, tmp_path: Path) -> None:
    lines = [TRAINED_PAIRS[0][0], "", TRAINED_PAIRS[5][0], "   ", TRAINED_PAIRS[28][0]]
    stdin = ("\n".join(lines) + "\n").encode()
    common = ["translate", "--model", str(trained_model_dir), "--threads", "1", "--beam", "1"]
    res = songngu(*common, "-q", stdin=stdin)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stderr == b""
    expected = [TRAINED_PAIRS[0][1], "", TRAINED_PAIRS[5][1], "", TRAINED_PAIRS[28][1]]
    assert res.stdout.decode().split("\n") == [*expected, ""]

    out = tmp_path / "out.jsonl"
    src = tmp_path / "in.txt"
    src.write_bytes(stdin)
    res = songngu(*common, "--format", "jsonl", "-o", str(out), str(src))
    assert res.returncode == 0, res.stderr.decode()
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["source"] for r in records] == lines
    assert [r["text"] for r in records] == expected
    assert records[0]["signature"].startswith(f"model:{trained_model_dir.name}|rev:local:")
    assert {"score", "src_tokens", "tgt_tokens", "split", "parts"} <= records[0].keys()

    res = songngu(*common, "-o", str(out), str(src))
    assert res.returncode == 2 and b"--force" in res.stderr
    res = songngu(*common, "-q", "--force", "-o", str(out), str(src))
    assert res.returncode == 0 and out.read_text("utf-8").split("\n")[0] == expected[0]


def test_bad_input_encoding(trained_model_dir: Path) -> None:
    res = songngu("translate", "--model", str(trained_model_dir), stdin=b"caf\xe9 \xff\n")
    assert res.returncode == 65 and b"UTF-8" in res.stderr and b"Traceback" not in res.stderr


def test_help_lists_options() -> None:
    res = songngu("translate", "--help")
    assert res.returncode == 0
    for opt in (
        "--model",
        "--revision",
        "--backend",
        "--precision",
        "--beam",
        "--max-length",
        "--max-length-factor",
        "--batch-tokens",
        "--device",
        "--threads",
        "--format",
        "--force",
        "-q",
    ):
        assert opt.encode() in res.stdout


@pytest.mark.parametrize("flag", ["--beam", "--batch-tokens"])
def test_bad_numbers(flag: str, trained_model_dir: Path) -> None:
    res = songngu("translate", "--model", str(trained_model_dir), flag, "0", stdin=b"x\n")
    assert res.returncode == 2 and flag.encode() in res.stderr
