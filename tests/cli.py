"""Running ``songngu`` as the tests do: in-process through ``aligned.cli.main`` (fast, with
captured streams and the exit code), or as a real process (``python -m aligned``) where a test
needs signals, a pipe or a fresh interpreter.

Also the options and file names the ``songngu run`` tests share.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from aligned.cli import main

ROOT = Path(__file__).resolve().parent.parent

# What `songngu run` writes besides the store, in the order the tests list them.
EXPORTS = ["corpus.tmx", "corpus.tsv", "corpus.vi", "corpus.en", "corpus.jsonl", "report.html"]
# `songngu run` options that keep the tiny trained model fast and its outputs exact.
FAST = ["--beam", "1", "--max-length", "32", "--threads", "1", "--commit-every", "16"]


class CliResult(NamedTuple):
    """Exit code, stdout and stderr of one command (unpacks as ``code, out, err``)."""

    code: int
    out: str
    err: str


def run_cli(args: Sequence[str | Path], *, stdin: bytes | None = None) -> CliResult:
    """``songngu ARGS`` in this process: ``aligned.cli.main`` with stdout and stderr captured
    (and stdin fed from ``stdin`` when given); the exit code is main's return value."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = saved_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


def songngu_command(*args: str | Path) -> list[str]:
    """The command line of ``songngu ARGS`` as a subprocess of this interpreter."""
    return [sys.executable, "-m", "aligned", *(str(a) for a in args)]


def songngu(
    *args: str | Path, stdin: bytes = b"", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """``songngu ARGS`` as a real process from the repository root, one OpenMP thread, with
    ``env`` added to the environment; stdout and stderr are captured as bytes."""
    return subprocess.run(
        songngu_command(*args),
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
        timeout=timeout,
    )
