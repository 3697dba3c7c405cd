r"""TSV: one pair per line, tab-separated columns, a header row naming them.

The header row comes first: ``vi`` and ``en`` (required) and any of ``id doc para sent start end
flags signature score reviewed``, in any order; the reader follows the header, so a file with
just ``vi<TAB>en`` is fine. The writer puts out every column by default
(``TSVFormat(columns=...)`` picks fewer); ``id`` is the pair's id: the store's stable
segment uid (``doc#hex``; read back as ``AlignedPair.uid``), or ``doc:para:sent`` for a pair
without one (read as the position only when the ``doc``/``para``/``sent`` columns are
missing). Unknown header names are kept, per pair, in ``AlignedPair.extra``.

Escaping (every text cell, both directions): a backslash is written ``\\``, a tab ``\t``, a line
feed ``\n`` and a carriage return ``\r`` (backslash + letter), so a row is always one line with
exactly one tab between cells. No quoting: ``"`` and everything else is written as it is. On
reading, those four escapes are undone; a backslash before any other character is kept as it
is (files from other tools with Windows paths still read).

Other cells: ``flags`` joins flag names with ``,``; ``start``, ``end`` and ``score`` are empty
when unknown; ``score`` is Python's shortest exact float text; ``reviewed`` is ``1`` or ``0``.
Blank lines are skipped; any other row whose cell count differs from the header's is a
:class:`DataError` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO, ClassVar, TextIO

from aligned.formats.base import Format, WriteStats, check_range, parse_position, read_lines
from aligned.pairs import AlignedPair, uid_of
from corpus.errors import ConfigError, DataError

COLUMNS: tuple[str, ...] = (
    "vi",
    "en",
    "id",
    "doc",
    "para",
    "sent",
    "start",
    "end",
    "flags",
    "signature",
    "score",
    "reviewed",
)

_UNESCAPE_RE = re.compile(r"\\([\\tnr])")
_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def escape(text: str) -> str:
    """Make ``text`` one TSV cell (see the module docstring)."""
    # Four substring tests beat str.translate (a dict lookup per character) on typical text,
    # where none of the four characters occurs.
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def unescape(cell: str) -> str:
    """Undo :func:`escape`; unknown backslash sequences are kept as they are."""
    if "\\" not in cell:
        return cell
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPE[m.group(1)], cell)


def _flags_cell(flags: tuple[str, ...]) -> str:
    for f in flags:
        if not f or "," in f:
            raise DataError(
                f"flag name {f!r} cannot be written to TSV (flags are joined by ','); "
                "rename the flag or export as JSONL or TMX"
            )
    return escape(",".join(flags))


def _optint(v: int | None) -> str:
    return "" if v is None else str(v)


_CELL: dict[str, Callable[[AlignedPair], str]] = {
    "vi": lambda p: escape(p.source),
    "en": lambda p: escape(p.target),
    "id": lambda p: escape(p.id),
    "doc": lambda p: escape(p.doc),
    "para": lambda p: str(p.para),
    "sent": lambda p: str(p.sent),
    "start": lambda p: _optint(p.start),
    "end": lambda p: _optint(p.end),
    "flags": lambda p: _flags_cell(p.flags),
    "signature": lambda p: escape(p.signature),
    "score": lambda p: "" if p.score is None else repr(p.score),
    "reviewed": lambda p: "1" if p.reviewed else "0",
}


class TSVFormat(Format):
    """Tab-separated values with a header row and backslash escapes."""

    name: ClassVar[str] = "tsv"
    suffixes: ClassVar[tuple[str, ...]] = (".tsv", ".tab")
    help: ClassVar[str] = "tab-separated values with a header row, for spreadsheets and pandas"
    run_file: ClassVar[str | None] = "corpus.tsv"
    holds: ClassVar[frozenset[str]] = frozenset(
        {"source", "target", "doc", "para", "sent", "start", "end", "flags", "signature"}
        | {"score", "reviewed", "uid"}
    )

    def __init__(self, columns: Sequence[str] = COLUMNS) -> None:
        unknown = [c for c in columns if c not in _CELL]
        if (
            unknown
            or "vi" not in columns
            or "en" not in columns
            or len(set(columns)) < len(columns)
        ):
            raise ConfigError(
                f"bad TSV columns {list(columns)!r}: give 'vi', 'en' and any of "
                f"{', '.join(COLUMNS[2:])}, each once"
            )
        self.columns: tuple[str, ...] = tuple(columns)

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        cells = [_CELL[c] for c in self.columns]
        write = out.write
        write("\t".join(self.columns) + "\n")
        n = 0
        if self.columns == COLUMNS:  # the default, spelled out: 2x faster than the general loop
            for p in pairs:
                write(
                    f"{escape(p.source)}\t{escape(p.target)}\t{escape(p.id)}\t{escape(p.doc)}\t"
                    f"{p.para}\t{p.sent}\t{_optint(p.start)}\t{_optint(p.end)}\t"
                    f"{_flags_cell(p.flags) if p.flags else ''}\t{escape(p.signature)}\t"
                    f"{'' if p.score is None else repr(p.score)}\t{'1' if p.reviewed else '0'}\n"
                )
                n += 1
        else:
            for p in pairs:
                write("\t".join([cell(p) for cell in cells]) + "\n")
                n += 1
        return WriteStats(pairs=n, stripped_chars=0)

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        lines = read_lines(inp, name=name)
        header: list[str] | None = None
        lineno, line = 0, ""
        for lineno, line in lines:  # noqa: B007 (lineno is used after the loop)
            if line:
                header = line.split("\t")
                break
        if header is None:
            return
        if "vi" not in header or "en" not in header or len(set(header)) < len(header):
            raise DataError(
                f"{name}: line {lineno}: the header row {line[:200]!r} must name the columns, "
                "tab-separated, with 'vi' and 'en' each once (e.g. 'vi<TAB>en'); add such a "
                "first line"
            )
        width = len(header)
        for lineno, line in lines:
            if not line:
                continue
            cells = line.split("\t")
            if len(cells) != width:
                raise DataError(
                    f"{name}: line {lineno}: {len(cells)} tab-separated cells, but the header "
                    f"has {width} ({', '.join(header)}); a tab or line break inside a text "
                    "must be written as \\t or \\n"
                )
            yield _pair(dict(zip(header, cells, strict=True)), name, lineno)


_ID_RE = re.compile(r"^(.*):(\d+):(\d+)$", re.DOTALL)


def _int(row: dict[str, str], key: str, name: str, lineno: int) -> int | None:
    v = row.get(key, "")
    if v == "":
        return None
    return parse_position(
        v, f"column {key!r}", f"{name}: line {lineno}", expected="a whole number or empty"
    )


def _pair(row: dict[str, str], name: str, lineno: int) -> AlignedPair:
    doc = unescape(row.get("doc", ""))
    para = _int(row, "para", name, lineno) or 0
    sent = _int(row, "sent", name, lineno) or 0
    if "id" in row and not ({"doc", "para", "sent"} & row.keys()):
        m = _ID_RE.match(unescape(row["id"]))
        if m:
            where = f"{name}: line {lineno}"
            doc = m.group(1)
            para = check_range(m.group(2), "the para of column 'id'", where)
            sent = check_range(m.group(3), "the sent of column 'id'", where)
    score: float | None = None
    if row.get("score", ""):
        try:
            score = float(row["score"])
        except ValueError:
            raise DataError(
                f"{name}: line {lineno}: column 'score' must be a number or empty, "
                f"got {row['score']!r}"
            ) from None
    reviewed = row.get("reviewed", "").lower()
    if reviewed not in ("", "0", "1", "true", "false", "yes", "no"):
        raise DataError(
            f"{name}: line {lineno}: column 'reviewed' must be 1 or 0, got {row['reviewed']!r}"
        )
    flags = unescape(row.get("flags", ""))
    extra = {k: unescape(v) for k, v in row.items() if k not in _CELL}
    return AlignedPair(
        source=unescape(row["vi"]),
        target=unescape(row["en"]),
        doc=doc,
        para=para,
        sent=sent,
        start=_int(row, "start", name, lineno),
        end=_int(row, "end", name, lineno),
        flags=tuple(flags.split(",")) if flags else (),
        signature=unescape(row.get("signature", "")),
        score=score,
        reviewed=reviewed in ("1", "true", "yes"),
        extra=extra,
        uid=uid_of(unescape(row.get("id", ""))),
    )
