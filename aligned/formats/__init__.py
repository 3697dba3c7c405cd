"""The exchange formats of an aligned corpus: TMX, TSV, Moses, JSONL, XLIFF 1.2 and 2.0.

Each is a :class:`Format` class (``base.py``) with a streaming ``write``/``read``; Moses, kept in
two files, is a :class:`PairedFormat` with ``write_pair_files``/``read_pair_files``. Look one up
by name with :func:`get_format` or by file name with :func:`format_for_path`;
:func:`write_path`/:func:`read_path` handle files (and Moses' two) for the CLI.

:data:`FORMATS` is the registry: ``songngu export``/``import`` take their ``--format`` choices
and help from it (:func:`format_names`, :func:`formats_help`) and ``songngu run`` writes every
format with a ``run_file`` (:func:`run_formats`). Adding a format is one module with its class
and one entry here.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from aligned.faults import crash_every
from aligned.formats.base import ALL_FIELDS, Format, PairedFormat, WriteStats, read_lines
from aligned.formats.jsonl import JSONLFormat
from aligned.formats.moses import MosesFormat
from aligned.formats.tmx import TMXFormat
from aligned.formats.tsv import TSVFormat
from aligned.formats.xliff import XLIFF2Format, XLIFF12Format
from aligned.output import open_output
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError, DataError, OutputExistsError

FORMATS: dict[str, type[Format]] = {
    f.name: f for f in (TMXFormat, TSVFormat, MosesFormat, JSONLFormat, XLIFF12Format, XLIFF2Format)
}

__all__ = [
    "ALL_FIELDS",
    "FORMATS",
    "Format",
    "JSONLFormat",
    "MosesFormat",
    "PairedFormat",
    "TMXFormat",
    "TSVFormat",
    "WriteStats",
    "XLIFF2Format",
    "XLIFF12Format",
    "format_for_path",
    "format_names",
    "formats_help",
    "get_format",
    "in_directory",
    "read_lines",
    "read_path",
    "run_formats",
    "write_path",
]


def format_names(*, readable: bool = False, writable: bool = False) -> list[str]:
    """Registered format names, in registry order; only those that can be read/written if
    asked (``songngu import``/``export`` choices)."""
    return [
        name
        for name, cls in FORMATS.items()
        if (cls.can_read or not readable) and (cls.can_write or not writable)
    ]


def formats_help(names: Iterable[str]) -> str:
    """One ``name: help`` clause per format, for ``--format``'s help."""
    return "; ".join(f"{name}: {FORMATS[name].help}" for name in names)


def run_formats() -> list[Format]:
    """The formats ``songngu run`` exports, each written to OUT/its ``run_file``."""
    return [cls() for cls in FORMATS.values() if cls.run_file is not None and cls.can_write]


def get_format(name: str, **options: Any) -> Format:
    """The format called ``name`` (case-insensitive), with ``options`` (``source_lang``,
    ``target_lang``; TSV: ``read_columns``) or the defaults."""
    cls = FORMATS.get(name.strip().lower())
    if cls is None:
        raise ConfigError(f"unknown format {name!r}; choose one of: {', '.join(sorted(FORMATS))}")
    return cls(**options)


def format_for_path(path: str | os.PathLike[str], **options: Any) -> Format:
    """The format a file name's suffix says (``corpus.tmx`` and ``corpus.tmx.gz`` → TMX);
    ConfigError if none."""
    p = Path(path)
    if p.suffix.lower() == ".gz":
        p = p.with_suffix("")
    suffix = p.suffix.lower()
    for cls in FORMATS.values():
        if suffix in cls.suffixes:
            return cls(**options)
    known = ", ".join(s for cls in FORMATS.values() for s in cls.suffixes)
    raise ConfigError(
        f"cannot tell the format of {str(path)!r} from its suffix (known: {known}); "
        f"pass --format ({', '.join(sorted(FORMATS))}); a .gz file is read through gzip"
    )


def in_directory(fmt: Format, path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """``path``, or when it names a directory (an existing one, or any path ending in '/') the
    format's file in it, as ``songngu run`` names it: ``DIR/corpus.tsv``, and for Moses the
    prefix ``DIR/corpus`` (``DIR/corpus.vi`` + ``DIR/corpus.en``). Never ``DIR.vi`` beside it."""
    text = os.fspath(path)
    if text == "-" or not (text.endswith(("/", os.sep)) or os.path.isdir(text)):
        return path
    return Path(text) / (fmt.run_file or f"corpus{fmt.suffixes[0]}")


def write_path(
    fmt: Format,
    pairs: Iterable[AlignedPair],
    path: str | os.PathLike[str],
    *,
    force: bool = False,
) -> WriteStats:
    """Write ``pairs`` to ``path`` atomically (``-`` = stdout); Moses writes ``path``'s
    ``.vi`` and ``.en`` files, both or neither. A directory ``path`` gets the files in it
    (:func:`in_directory`)."""
    path = in_directory(fmt, path)
    pairs = crash_every(pairs, f"export.{fmt.name}")  # the identity unless a test hook is on
    if isinstance(fmt, PairedFormat):
        if str(path) == "-":
            raise ConfigError(
                f"format {fmt.name!r} writes two files and cannot go to stdout; give a path "
                "prefix with -o, e.g. -o corpus (writes corpus.vi and corpus.en)"
            )
        vi_path, en_path = fmt.paths(path)
        for p in (vi_path, en_path):  # refuse before writing either file
            if p.exists() and not force:
                raise OutputExistsError(
                    f"output file {str(p)!r} already exists; pass --force to overwrite it "
                    "or choose another path with -o"
                )
        with (
            open_output(vi_path, force=force) as vi_out,
            open_output(en_path, force=force) as en_out,
        ):
            return fmt.write_pair_files(pairs, vi_out, en_out)
    with open_output(path, force=force) as out:
        return fmt.write(pairs, out)


def read_path(fmt: Format, path: str | os.PathLike[str]) -> Iterator[AlignedPair]:
    """Stream the pairs of the file at ``path`` (``-`` = stdin; Moses: the ``.vi``/``.en``
    pair of ``path``, or of ``DIR/corpus`` for a directory); ConfigError for a missing file,
    DataError for a malformed one."""
    with contextlib.ExitStack() as stack:
        if isinstance(fmt, PairedFormat):
            path = in_directory(fmt, path)
            if str(path) == "-":
                raise ConfigError(
                    f"format {fmt.name!r} reads two files and cannot come from stdin; give the "
                    "path prefix of the .vi/.en pair, e.g. corpus for corpus.vi + corpus.en"
                )
            vi_path, en_path = fmt.paths(path)
            vi_in = stack.enter_context(_open(vi_path))
            en_in = stack.enter_context(_open(en_path))
            yield from fmt.read_pair_files(vi_in, en_in, str(path))
        elif str(path) == "-":
            yield from fmt.read(sys.stdin.buffer, name="<stdin>")
        else:
            yield from fmt.read(stack.enter_context(_open(Path(path))), name=str(path))


def _open(path: Path) -> BinaryIO:
    """``path`` for reading bytes; a ``.gz`` file (how OPUS ships TMX) decompressed as read."""
    try:
        if path.suffix.lower() == ".gz":
            return _GzipReader(path)  # type: ignore[return-value]  # a BinaryIO in all but name
        return path.open("rb")
    except FileNotFoundError:
        raise ConfigError(f"no such file: {str(path)!r}; check the path") from None
    except OSError as e:
        raise ConfigError(f"cannot read {str(path)!r}: {e.strerror}; check the path") from None


class _GzipReader(gzip.GzipFile):
    """A gzip file whose damage (not gzip, cut short) is a DataError naming it."""

    def __init__(self, path: Path) -> None:
        self._name = str(path)
        super().__init__(filename=path, mode="rb")

    def _wrap(self, call: Any) -> Any:
        try:
            return call()
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(
                f"{self._name}: not a readable gzip file ({e}); check the download or "
                "decompress it with gunzip first"
            ) from None

    def read(self, size: int | None = -1) -> bytes:
        return bytes(self._wrap(lambda: super(_GzipReader, self).read(size)))

    def readline(self, size: int | None = -1) -> bytes:
        return bytes(self._wrap(lambda: super(_GzipReader, self).readline(size)))

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line
