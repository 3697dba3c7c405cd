"""The one exception hierarchy of songngu.

It lives in ``corpus`` because that is the package every other one may depend on; ``translate``
and ``aligned`` raise these too. Each class carries the process exit code the CLI maps it to, so
``sys.exit`` happens only at the CLI boundary. Every message names the bad value and the fix.
"""

from __future__ import annotations


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


EXIT_OK = 0
EXIT_ERROR = SongnguError.exit_code
EXIT_USAGE = ConfigError.exit_code
EXIT_DATA = DataError.exit_code
EXIT_MODEL = ModelError.exit_code
EXIT_OUTPUT = OutputError.exit_code
EXIT_INTERRUPTED = 130
