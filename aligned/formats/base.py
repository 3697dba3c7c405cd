"""What every exchange format shares: the ``Format`` interface, write statistics, line input.

A format turns a stream of :class:`~aligned.pairs.AlignedPair` into a file and back. Both
directions stream (an iterator in, an iterator out) so a corpus of millions of pairs is written
and read in constant memory. ``holds`` names the pair fields that survive a write/read round
trip; every other field comes back as its default. The shared round-trip suite
(``tests/test_formats.py``) checks exactly that claim for each format.

Moses keeps the two languages in two line-aligned files, so it is a :class:`PairedFormat`: it
has ``write_pair_files``/``read_pair_files`` instead of the one-stream ``write``/``read``.
"""

from __future__ import annotations

import codecs
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TextIO

from aligned.formats.langs import DEFAULT_SOURCE, DEFAULT_TARGET, ReadStats
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError, DataError

#: Every AlignedPair field a format can hold (``extra`` = format-specific key/value props).
ALL_FIELDS: frozenset[str] = frozenset(
    {
        "source",
        "target",
        "doc",
        "para",
        "sent",
        "start",
        "end",
        "flags",
        "signature",
        "score",
        "reviewed",
        "extra",
        "uid",
        "source_lang",
        "target_lang",
    }
)


#: The largest ``para``/``sent``/``start``/``end`` a file may give: the store keeps them as
#: SQLite INTEGERs (64-bit signed), and positions are never negative.
MAX_INT = 2**63 - 1


def check_range(value: int | str, what: str, where: str) -> int:
    """``value`` (an int, or the digits of one) if it lies in ``0..MAX_INT``; else a
    :class:`DataError` that names ``what`` (e.g. ``column 'para'``) and ``where`` (file, line)."""
    number = value
    if isinstance(number, str):
        try:
            number = int(number)
        except ValueError:  # more digits than int() converts (4300)
            number = MAX_INT + 1
    if not 0 <= number <= MAX_INT:
        shown = value[:40] if isinstance(value, str) else str(value)[:40]
        raise DataError(
            f"{where}: {what} must be a whole number from 0 to {MAX_INT}, got {shown}"
            f"{'...' if len(shown) == 40 else ''}"
        )
    return number


def parse_position(text: str, what: str, where: str, *, expected: str = "a whole number") -> int:
    """The number ``text`` gives, checked by :func:`check_range`; a :class:`DataError` saying it
    must be ``expected`` when it is no whole number."""
    try:
        number = int(text)
    except ValueError:
        if text.strip().isdecimal():  # more digits than int() converts: out of range
            return check_range(text.strip(), what, where)
        raise DataError(f"{where}: {what} must be {expected}, got {text[:80]!r}") from None
    return check_range(number, what, where)


@dataclass
class WriteStats:
    """What a write did: pairs written and XML-forbidden characters removed (TMX only)."""

    pairs: int = 0
    stripped_chars: int = 0


class Format(ABC):
    """One exchange format: streaming writer and reader of aligned pairs.

    The class attributes are the format's entry in the registry (``aligned.formats.FORMATS``):
    the CLI takes ``export``/``import`` choices, ``--format`` help and the files ``songngu run``
    writes from them, so a new format declares them here and nowhere else.
    """

    name: ClassVar[str]  # what --format says
    suffixes: ClassVar[tuple[str, ...]]  # file names that pick this format without --format
    holds: ClassVar[frozenset[str]]  # AlignedPair fields a write/read round trip keeps
    help: ClassVar[str]  # one line for --help
    can_read: ClassVar[bool] = True  # `songngu import` reads it
    can_write: ClassVar[bool] = True  # `songngu export` writes it
    #: The file (a path prefix for a paired format) ``songngu run`` writes into OUT/, or None
    #: when run does not export this format.
    run_file: ClassVar[str | None] = None

    def __init__(self, *, source_lang: str = DEFAULT_SOURCE, target_lang: str = DEFAULT_TARGET):
        #: The languages a reader takes as source and target (``import --source-lang``).
        self.source_lang = source_lang
        self.target_lang = target_lang
        #: What the last ``read`` saw besides its pairs (languages, units without a side).
        self.read_stats = ReadStats()

    def files(self, path: str | os.PathLike[str]) -> tuple[Path, ...]:
        """The files a write to ``path`` creates."""
        return (Path(path),)

    @abstractmethod
    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        """Write ``pairs`` to ``out`` as they come (constant memory); return what was written."""

    @abstractmethod
    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        """Yield the pairs of ``inp`` one by one; :class:`DataError` naming ``name`` and the
        line on malformed input."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class PairedFormat(Format):
    """A format kept as two line-aligned files, one per language (``PREFIX.vi``, ``PREFIX.en``).

    ``write``/``read`` on one stream cannot hold it and raise :class:`ConfigError`; use
    ``write_pair_files``/``read_pair_files``, or ``paths()`` to name the two files.
    """

    languages: ClassVar[tuple[str, str]] = ("vi", "en")

    def files(self, path: str | os.PathLike[str]) -> tuple[Path, ...]:
        return self.paths(path)

    def paths(self, path: str | os.PathLike[str]) -> tuple[Path, Path]:
        """The two files of ``path``: ``corpus``, ``corpus.vi`` or ``corpus.en`` all give
        ``(corpus.vi, corpus.en)``."""
        p = Path(path)
        if p.suffix in tuple(f".{lang}" for lang in self.languages):
            p = p.with_suffix("")
        return tuple(p.with_name(f"{p.name}.{lang}") for lang in self.languages)  # type: ignore[return-value]

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        raise ConfigError(
            f"format {self.name!r} writes two files ({' and '.join(self.languages)}), not one "
            "stream; give an output path prefix such as 'corpus' (writes corpus.vi and "
            "corpus.en) or choose --format tsv for one stream"
        )

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        raise ConfigError(
            f"format {self.name!r} reads two files, not one stream ({name!r}); give the path "
            "prefix of the .vi/.en pair, e.g. 'corpus' for corpus.vi + corpus.en"
        )

    @abstractmethod
    def write_pair_files(
        self, pairs: Iterable[AlignedPair], vi_out: TextIO, en_out: TextIO
    ) -> WriteStats:
        """Write the source side to ``vi_out`` and the target side to ``en_out``, line-aligned."""

    @abstractmethod
    def read_pair_files(
        self, vi_in: TextIO | BinaryIO, en_in: TextIO | BinaryIO, name: str
    ) -> Iterator[AlignedPair]:
        """Yield pairs from two line-aligned streams; ``name`` is the path prefix (messages
        say ``name.vi``/``name.en``)."""


def read_lines(inp: TextIO | BinaryIO, *, name: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line without its end)`` of a text or binary stream.

    Binary input is decoded line by line as UTF-8 so a bad byte is reported on its exact line;
    a UTF-8 byte-order mark at the start is dropped. A UTF-16 byte-order mark (LE or BE) makes
    the whole stream UTF-16 (spreadsheets save "Unicode text" so). Lines end at ``\\n`` (a
    ``\\r`` before it is part of the line end, for files written on Windows).
    """
    lineno = 0
    first = True
    try:
        for raw in _utf16_lines(inp, name):
            lineno += 1
            if isinstance(raw, bytes):
                if lineno == 1 and _looks_utf16(raw):
                    raise DataError(
                        f"{name}: line 1: looks like UTF-16 without a byte-order mark (every "
                        "other byte is 0); convert the file to UTF-8, e.g. iconv -f UTF-16LE "
                        "-t UTF-8 (UTF-16BE if the zeros come first), or save it with its BOM"
                    )
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise DataError(
                        f"{name}: line {lineno}: not valid UTF-8 (byte {raw[e.start]:#04x} at "
                        f"column {e.start + 1}); convert the file to UTF-8, e.g. "
                        "iconv -f WINDOWS-1258 -t UTF-8 (or -f UTF-16 for a 'Unicode text' "
                        "file saved without its byte-order mark)"
                    ) from None
            else:
                line = raw
            if first:
                first = False
                if line.startswith("\ufeff"):
                    line = line[1:]
            if line.endswith("\n"):
                line = line[:-2] if line.endswith("\r\n") else line[:-1]
            elif line.endswith("\r"):  # a text stream read with newline='' or old Mac endings
                line = line[:-1]
            yield lineno, line
    except UnicodeDecodeError as e:  # a text stream opened with a strict encoding
        raise DataError(
            f"{name}: near line {lineno + 1}: cannot decode the text ({e.reason}); "
            "convert the file to UTF-8"
        ) from None


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _looks_utf16(line: bytes) -> bool:
    """Whether a first line is UTF-16 text without its BOM (ASCII with a NUL each other byte)."""
    body = line.rstrip(b"\r\n\x00")
    return len(body) >= 4 and (not any(body[1::2]) or not any(body[0::2]))


def _utf16_lines(inp: TextIO | BinaryIO, name: str) -> Iterator[str | bytes]:
    """The lines of ``inp`` as they come; a binary stream starting with a UTF-16 byte-order
    mark is decoded (streaming) and its lines yielded as text."""
    it: Iterator[Any] = iter(inp)
    first = next(it, None)
    if first is None:
        return
    if not (isinstance(first, bytes) and first.startswith(_UTF16_BOMS)):
        yield first
        yield from it
        return
    # A UTF-16 file split at b"\n" is cut inside its characters: decode the bytes in order.
    decode = codecs.getincrementaldecoder("utf-16")().decode
    pending = ""
    lineno = 1
    try:
        for chunk in _chain(first, it):
            pending += decode(chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                lineno += 1
                yield line + "\n"
        pending += decode(b"", True)
    except UnicodeDecodeError as e:
        raise DataError(
            f"{name}: near line {lineno}: not valid UTF-16 ({e.reason}) although the file "
            "starts with a UTF-16 byte-order mark; save it again as UTF-8 or UTF-16"
        ) from None
    if pending:
        yield pending


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
