"""Line-oriented text input for the commands that read one item per line: sentences to
translate, hypotheses and references to score or compare, line-aligned references.

One reader, so every command agrees on what a line is: UTF-8 (a byte-order mark at the start
is dropped), lines end at ``\\n`` only (a ``\\r`` before it is part of the line end; U+2028,
form feeds and the like stay inside the line, as sacrebleu reads files), the last line needs
no line end, and ``-`` is stdin. Documents (``songngu segment``/``run``) go through
``corpus.readers`` instead: they need encoding detection and HTML, not lines.
"""

from __future__ import annotations

import sys
from typing import BinaryIO


def read_text(path: str, *, what: str = "input", stdin: BinaryIO | None = None) -> str:
    """The UTF-8 text of ``path`` (``-`` = ``stdin``, default ``sys.stdin.buffer``).

    ConfigError when the file cannot be read (a usage error: exit 2); DataError when it is not
    UTF-8 text (binary, or another encoding: exit 65). ``what`` names the file in messages.
    """
    from corpus.errors import ConfigError, DataError

    label = "stdin" if path == "-" else repr(path)
    try:
        if path == "-":
            data = (stdin if stdin is not None else sys.stdin.buffer).read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except FileNotFoundError:
        raise ConfigError(f"{what} file {label} does not exist; check the path") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read {what} {label}: {exc.strerror or exc}; check the path"
        ) from None
    if b"\x00" in data:
        raise DataError(
            f"{what} {label} contains NUL bytes: it looks binary, not text; give a UTF-8 text file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{what} {label} is not valid UTF-8 (byte {exc.start}, line {line}); convert it "
            "first, e.g. `iconv -f cp1258 -t utf-8`"
        ) from None


def split_lines(text: str) -> list[str]:
    """``text``'s lines, split at ``\\n`` only, ``\\r`` line ends removed (module docstring)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_lines(path: str, *, what: str = "input", stdin: BinaryIO | None = None) -> list[str]:
    """The lines of ``path`` (``-`` = stdin): :func:`read_text` then :func:`split_lines`."""
    return split_lines(read_text(path, what=what, stdin=stdin))
