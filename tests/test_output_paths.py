"""Every bad output path is one line and a documented exit code (issue 12, scenario 9).

Real ``songngu`` processes: a path that cannot be created (``/proc``, a file where a directory
is needed, a directory nobody may write) is exit 73 with one line naming the path, what is in
the way and the fix, and no traceback; ``export -o DIR/`` writes into DIR, never beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus.errors import EXIT_CANTCREAT, EXIT_CODES, describe_exit_codes
from tests.cli import ROOT, songngu
from tests.fakes import build_translated_store
from tests.shared_data import NEWS


def _err(proc_stderr: bytes) -> str:
    text = proc_stderr.decode()
    assert "Traceback" not in text
    assert len(text.splitlines()) == 1, text
    return text


def _unwritable(tmp_path: Path) -> tuple[Path, str, str]:
    """A directory this process cannot create anything in, and the reasons a directory and a
    file cannot be made there, as messages say them: a read-only directory, or (as root, whom
    permissions do not stop) /sys."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    where = ro if not os.access(ro, os.W_OK) else Path("/sys")
    reasons = []
    for make in (os.mkdir, lambda p: os.close(os.open(p, os.O_CREAT | os.O_WRONLY))):
        probe = where / "songngu-probe"
        try:
            make(probe)
        except OSError as exc:
            reasons.append((exc.strerror or "").lower())
        else:
            raise AssertionError(f"{where} is writable")
    return where, reasons[0], reasons[1]


def test_exit_73_is_documented() -> None:
    assert EXIT_CANTCREAT == 73
    assert "  73  an output path cannot be created" in describe_exit_codes()
    assert "an output path cannot be created" in (ROOT / "README.md").read_text("utf-8")
    assert EXIT_CODES[75].startswith("the store is in use by another songngu process")


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("/proc/songngu-x", "no such file or directory in '/proc'; choose another path with -o"),
        ("afile/sub", "'{tmp}/afile' is a file, not a directory; choose another path with -o"),
    ],
)
def test_run_into_a_path_that_cannot_be_created(output: str, message: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    target = output if output.startswith("/") else str(tmp_path / output)
    proc = songngu("run", NEWS, "-o", target, "--model", "none")
    assert proc.returncode == 73
    assert _err(proc.stderr) == (
        f"songngu: error: cannot create directory {target!r}: {message.format(tmp=tmp_path)}\n"
    )


def test_run_into_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    proc = songngu("run", NEWS, "-o", tmp_path / "afile", "--model", "none")
    assert proc.returncode == 73
    assert _err(proc.stderr) == (
        f"songngu: error: cannot create directory {str(tmp_path / 'afile')!r}: it is a file, "
        "not a directory; give a directory with -o (it holds corpus.sqlite)\n"
    )
    assert (tmp_path / "afile").read_text("utf-8") == "x"


def test_run_into_an_unwritable_directory(tmp_path: Path) -> None:
    where, reason, file_reason = _unwritable(tmp_path)
    proc = songngu("run", NEWS, "-o", where / "out", "--model", "none")
    assert proc.returncode == 73
    assert _err(proc.stderr) == (
        f"songngu: error: cannot create directory {str(where / 'out')!r}: {reason} in "
        f"{str(where)!r}; choose a writable place with -o (or make {str(where)!r} writable)\n"
    )
    # An existing OUT/ nobody may write: the store's lock file cannot be made.
    proc = songngu("run", NEWS, "-o", where, "--model", "none")
    assert proc.returncode == 73
    store = where / "corpus.sqlite"
    assert _err(proc.stderr) == (
        f"songngu: error: cannot write to store {str(store)!r}: cannot create its lock file "
        f"{str(store) + '.lock'!r} ({file_reason}); make {str(where)!r} writable or copy the store "
        "to a writable place\n"
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "st" / "corpus.sqlite"
    build_translated_store(path)
    return path


def test_export_to_paths_that_cannot_be_created(store: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    where, _, reason = _unwritable(tmp_path)
    cases = {
        "/proc/songngu-x/a.tsv": "no such file or directory in '/proc'; choose another path "
        "with -o",
        str(tmp_path / "afile" / "a.tsv"): f"{str(tmp_path / 'afile')!r} is a file, not a "
        "directory; choose another path with -o",
        str(where / "a.tsv"): f"{reason} in {str(where)!r}; choose a writable place with -o (or "
        f"make {str(where)!r} writable)",
    }
    for output, message in cases.items():
        proc = songngu("export", store, "--format", "tsv", "-o", output)
        assert proc.returncode == 73, output
        assert _err(proc.stderr) == f"songngu: error: cannot create file {output!r}: {message}\n"
    proc = songngu("import", tmp_path / "in.tsv", "-o", "/proc/songngu-x/s.sqlite")
    assert proc.returncode == 73
    assert _err(proc.stderr) == (
        "songngu: error: cannot create directory '/proc/songngu-x': no such file or directory "
        "in '/proc'; choose another path with -o\n"
    )


def test_export_creates_a_missing_parent_directory(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "sub" / "pairs.tsv"
    proc = songngu("export", store, "--format", "tsv", "-o", target, "-q")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert len(target.read_text("utf-8").splitlines()) == 6  # header + 5 pairs


@pytest.mark.parametrize("existing", [True, False])
def test_moses_into_a_directory_writes_inside_it(
    existing: bool, store: Path, tmp_path: Path
) -> None:
    d = tmp_path / "mos"
    if existing:
        d.mkdir()
    output = str(d) if existing else f"{d}/"
    proc = songngu("export", store, "--format", "moses", "-o", output, "-q")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert sorted(p.name for p in d.iterdir()) == ["corpus.en", "corpus.vi"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mos", "st"]  # no mos.vi beside it
    assert (d / "corpus.vi").read_text("utf-8").splitlines()[:2] == ["Xin chào.", "Tôi đi học."]
    assert (d / "corpus.en").read_text("utf-8").splitlines()[:2] == ["XIN CHÀO.", "TÔI ĐI HỌC."]
    # and import reads the pair back from the directory
    proc = songngu("import", d, "--format", "moses", "-o", tmp_path / "back.sqlite", "-q")
    assert (proc.returncode, proc.stderr) == (0, b"")


def test_single_file_formats_into_a_directory(store: Path, tmp_path: Path) -> None:
    d = tmp_path / "tsvdir"
    proc = songngu("export", store, "--format", "tsv", "-o", f"{d}/", "-q")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert [p.name for p in d.iterdir()] == ["corpus.tsv"]
    proc = songngu("export", store, "--format", "tsv", "-o", d, "-q")
    assert proc.returncode == 2  # the same file again: exists, no --force
    assert _err(proc.stderr) == (
        f"songngu: error: output file {str(d / 'corpus.tsv')!r} already exists; pass --force "
        "to overwrite it or choose another path with -o\n"
    )
