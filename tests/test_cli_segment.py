"""``songngu segment`` as a user runs it: files, stdin, JSONL, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aligned.cli import main
from tests.cli import run_cli
from tests.shared_data import NEWS


def test_text_output_one_sentence_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(NEWS), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 63
    assert lines[0].startswith("“Năm 2020 là năm diễn ra nhiều sự kiện chính trị trọng đại")
    assert lines[-1] == "Thời gian chờ: 60 giây"


def test_jsonl_records_map_back_to_source(capsys: pytest.CaptureFixture[str]) -> None:
    seed = NEWS / "003_31235d404d81b38e.txt"
    assert main(["segment", str(seed), "--format", "jsonl", "-q"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 53
    assert set(records[0]) == {"doc", "para", "sent", "start", "end", "text", "flags"}
    original = seed.read_text(encoding="utf-8")
    for r in records:
        assert r["doc"] == "003_31235d404d81b38e.txt"
        assert " ".join(original[r["start"] : r["end"]].split()) == r["text"]
    assert records[0]["flags"] == ["heading"]
    assert records[2] == {
        "doc": "003_31235d404d81b38e.txt",
        "para": 3,
        "sent": 1,
        "start": original.index("Thứ bảy - 16/04/2022"),
        "end": original.index("Thứ bảy - 16/04/2022") + len("Thứ bảy - 16/04/2022 12:01 381 0"),
        "text": "Thứ bảy - 16/04/2022 12:01 381 0",
        "flags": ["dateline"],
    }


def test_drop_leaves_flagged_segments_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(NEWS), "--drop", "default", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Click để đánh giá bài viết" not in lines
    assert "bca 9109" not in lines
    assert "Ảnh: BCA" not in lines
    assert "Phóng viên:" in lines  # speaker labels are kept by default


def test_unknown_drop_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(NEWS), "--drop", "wigdet"]) == 2
    assert "unknown flag 'wigdet'" in capsys.readouterr().err


def test_stdin() -> None:
    stdin = "Ông đến TP.HCM hôm qua. Sau đó ông về Hà Nội.\n".encode()
    assert run_cli(["segment", "-", "-q"], stdin=stdin) == (
        0,
        "Ông đến TP.HCM hôm qua.\nSau đó ông về Hà Nội.\n",
        "",
    )


def test_bad_inputs_do_not_lose_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("Câu thứ nhất. Câu thứ hai.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (tmp_path / "c.txt").write_bytes(b"")
    (tmp_path / "d.txt").write_text("Câu cuối cùng.\n", encoding="utf-8")
    code = main(["segment", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 65
    assert captured.out == "Câu thứ nhất.\nCâu thứ hai.\nCâu cuối cùng.\n"
    assert "b.txt" in captured.err and "binary" in captured.err
    assert "c.txt" in captured.err and "empty" in captured.err
    assert "Traceback" not in captured.err


def test_output_file_is_not_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "seg.txt"
    out.write_text("keep me\n", encoding="utf-8")
    assert main(["segment", str(NEWS), "-o", str(out), "-q"]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert main(["segment", str(NEWS), "-o", str(out), "-q", "--force"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 63
    assert [p.name for p in tmp_path.iterdir()] == ["seg.txt"]  # no temp files left


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(tmp_path / "nope*.txt")]) == 2
    assert "nope*.txt" in capsys.readouterr().err


def test_console_script_help_and_pipe() -> None:
    exe = Path(sys.executable).with_name("songngu")
    out = subprocess.run(
        [str(exe), "segment", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--drop" in out and "--tone-style" in out
    piped = subprocess.run(
        [str(exe), "segment", "-q"],
        input="Thật sao?! Đúng thế.",
        capture_output=True,
        text=True,
        check=True,
    )
    assert piped.stdout == "Thật sao?!\nĐúng thế.\n"
