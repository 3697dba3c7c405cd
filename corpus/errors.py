"""The one exception hierarchy of songngu.

It lives in ``corpus`` because that is the package every other one may depend on; ``translate``
and ``aligned`` raise these too. Each class carries the process exit code the CLI maps it to, so
``sys.exit`` happens only at the CLI boundary. Every message names the bad value and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class SongnguError(Exception):
    """Base class: an error a user can act on (never a bug)."""

    exit_code = 1


class ConfigError(SongnguError):
    """A bad option or setting (unknown flag name, impossible combination, bad path)."""

    exit_code = 2


class DataError(SongnguError):
    """Input data we cannot use: undecodable, binary, empty, malformed."""

    exit_code = 65  # EX_DATAERR (sysexits.h)


class ModelError(SongnguError):
    """The translation model is missing, cannot be downloaded, or cannot be loaded."""

    exit_code = 69  # EX_UNAVAILABLE (sysexits.h)


class OutputExistsError(ConfigError):
    """An output file exists and ``--force`` was not given."""


class OutputError(SongnguError):
    """An output file could not be written (disk full, file too large, I/O error); the file
    it would have replaced is kept as it was."""

    exit_code = 74  # EX_IOERR (sysexits.h)


class OutputPathError(OutputError):
    """An output file or directory cannot be created where the user asked: its parent is
    missing and cannot be made, a file stands where a directory is needed (or the reverse),
    no permission, a read-only or special file system (``/proc``). Nothing was written."""

    exit_code = 73  # EX_CANTCREAT (sysexits.h)


class StoreBusyError(SongnguError):
    """Another process is writing the store (it holds the store's writer lock, or SQLite's
    own lock) and did not finish within the wait; nothing was written."""

    exit_code = 75  # EX_TEMPFAIL (sysexits.h): try again later


EXIT_OK = 0
EXIT_ERROR = SongnguError.exit_code
EXIT_USAGE = ConfigError.exit_code
EXIT_GATE = 3  # `songngu score`: a --fail-under/--fail-over gate was missed
EXIT_DATA = DataError.exit_code
EXIT_MODEL = ModelError.exit_code
EXIT_OUTPUT = OutputError.exit_code
EXIT_CANTCREAT = OutputPathError.exit_code
EXIT_BUSY = StoreBusyError.exit_code
EXIT_INTERRUPTED = 130

#: Every exit code songngu uses and its one-line meaning; ``songngu --help`` prints this table
#: (``describe_exit_codes``), so a new code is documented by adding it here.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_ERROR: "error",
    EXIT_USAGE: "usage or configuration error (bad option, output exists without --force)",
    EXIT_GATE: "a quality gate (--fail-under/--fail-over of `songngu score`) was missed",
    EXIT_DATA: "data error (undecodable, binary, empty or malformed input)",
    EXIT_MODEL: "model unavailable (not downloaded, offline, cannot be loaded)",
    EXIT_CANTCREAT: "an output path cannot be created (missing or read-only directory, a file "
    "where a directory is needed, no permission); nothing was written",
    EXIT_OUTPUT: "an output file could not be written (disk full, file too large); the old one "
    "is kept",
    EXIT_BUSY: "the store is in use by another songngu process (see --wait); nothing was "
    "written, run the command again later",
    EXIT_INTERRUPTED: "interrupted",
}


def describe_exit_codes(
    codes: Iterable[int] | None = None, notes: Mapping[int, str] | None = None
) -> str:
    """An ``exit codes:`` block for ``--help``: ``codes`` (default: all) with their meaning
    from :data:`EXIT_CODES`, or a command's own wording of it from ``notes``."""
    notes = notes or {}
    lines = ["exit codes:"]
    for code in EXIT_CODES if codes is None else codes:
        lines.append(f"  {code:<3} {notes.get(code, EXIT_CODES[code])}")
    return "\n".join(lines) + "\n"
