r"""TSV: one pair per line, tab-separated columns, a header row naming them (or ``--columns``).

The header row comes first: the source and target columns, named by their language tags (``vi``
and ``en`` for songngu's own runs; ``vi-VN``, ``en-US``... as another tool wrote them; the
literal names ``source``/``target`` work too), and any of ``id doc para sent start end flags
signature score reviewed extra``, in any order; the reader follows the header, so a file with
just ``vi<TAB>en`` is fine. Which language is the source: the reader's ``source_lang`` and
``target_lang`` (``import --source-lang/--target-lang``, default vi and en; matching:
:mod:`.langs`). Any other header name is an extra column: kept, per pair, in
``AlignedPair.extra`` under its name.

A file without a header row (a Tatoeba list, a glossary) is read with ``columns`` (``import
--columns en,vi,NAME``): one name per column, a language tag for the two text columns, ``-`` to
skip a column, any other name for an extra column; every line is then data.

The writer puts out every column by default (``TSVFormat(columns=...)`` picks fewer), with the
first pair's language tags as the names of the text columns (a later pair in other languages is
a :class:`DataError`: one TSV holds one language pair); ``id`` is the pair's id: the store's stable
segment uid (``doc#hex``; read back as ``AlignedPair.uid``), or ``doc:para:sent`` for a pair
without one (read as the position only when the ``doc``/``para``/``sent`` columns are
missing). ``extra``: the first pair's extra keys get a column each (after the others), and
``extra`` holds, as a JSON object, the keys of a pair that have no column of their own (and
empty values); empty when there are none.

Escaping (every text cell, both directions): a backslash is written ``\\``, a tab ``\t``, a line
feed ``\n`` and a carriage return ``\r`` (backslash + letter), so a row is always one line with
exactly one tab between cells. No quoting: ``"`` and everything else is written as it is. On
reading, those four escapes are undone; a backslash before any other character is kept as it
is (files from other tools with Windows paths still read). UTF-8 (with or without a BOM) and
UTF-16 with a BOM are read.

Other cells: ``flags`` joins flag names with ``,``; ``start``, ``end`` and ``score`` are empty
when unknown; ``score`` is Python's shortest exact float text; ``reviewed`` is ``1`` or ``0``.
Blank lines are skipped; any other row whose cell count differs from the header's is a
:class:`DataError` naming the line.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO, ClassVar, TextIO

from aligned.formats.base import Format, WriteStats, check_range, parse_position, read_lines
from aligned.formats.langs import DEFAULT_SOURCE, DEFAULT_TARGET, ReadStats, pick_sides
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
    "extra",
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
    "extra": lambda p: "",  # filled by the writer (which keys have their own column)
}


class TSVFormat(Format):
    """Tab-separated values with a header row (or given columns) and backslash escapes."""

    name: ClassVar[str] = "tsv"
    suffixes: ClassVar[tuple[str, ...]] = (".tsv", ".tab")
    help: ClassVar[str] = "tab-separated values (header row or --columns), for spreadsheets"
    run_file: ClassVar[str | None] = "corpus.tsv"
    holds: ClassVar[frozenset[str]] = frozenset(
        {"source", "target", "doc", "para", "sent", "start", "end", "flags", "signature"}
        | {"score", "reviewed", "extra", "source_lang", "target_lang", "uid"}
    )

    def __init__(
        self,
        columns: Sequence[str] = COLUMNS,
        *,
        source_lang: str = DEFAULT_SOURCE,
        target_lang: str = DEFAULT_TARGET,
        read_columns: Sequence[str] | None = None,
    ) -> None:
        super().__init__(source_lang=source_lang, target_lang=target_lang)
        unknown = [c for c in columns if c not in _CELL]
        if (
            unknown
            or "vi" not in columns
            or "en" not in columns
            or len(set(columns)) < len(columns)
        ):
            raise ConfigError(
                f"bad TSV columns {list(columns)!r}: give 'vi' (the source), 'en' (the target) "
                f"and any of {', '.join(COLUMNS[2:])}, each once"
            )
        self.columns: tuple[str, ...] = tuple(columns)
        self.read_columns: tuple[str, ...] | None = None
        if read_columns is not None:
            names = [c.strip() for c in read_columns]
            named = [c for c in names if c != "-"]
            src, tgt = pick_sides(names, source_lang, target_lang)
            if src is None or tgt is None or not all(names) or len(set(named)) < len(named):
                raise ConfigError(
                    f"--columns {','.join(read_columns)!r} must name each column of the file, "
                    f"one the source language ({source_lang!r}) and one the target language "
                    f"({target_lang!r}), '-' for a column to skip, any other name for a column "
                    f"kept as extra data, each once; e.g. --columns {target_lang},{source_lang}"
                )
            self.read_columns = tuple(names)

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        it = iter(pairs)
        first = next(it, None)
        langs = (first.source_lang, first.target_lang) if first else ("vi", "en")
        names = {"vi": escape(langs[0]), "en": escape(langs[1])}
        own = [k for k in (first.extra if first else {}) if _own_column(k, self.columns, langs)]
        own = [k for k in own if first and first.extra[k] != ""]
        if "extra" not in self.columns:
            own = []
        header: list[str] = []
        for c in self.columns:
            header.extend(
                [*(escape(k) for k in own), "extra"] if c == "extra" else [names.get(c, c)]
            )
        write = out.write
        write("\t".join(header) + "\n")
        n = 0
        own_set = frozenset(own)

        def extra_cells(p: AlignedPair) -> str:
            row = [escape(p.extra.get(k, "")) for k in own]
            rest = {k: v for k, v in p.extra.items() if k not in own_set or v == ""}
            row.append(escape(json.dumps(rest, ensure_ascii=False)) if rest else "")
            return "\t".join(row)

        cells = [extra_cells if c == "extra" else _CELL[c] for c in self.columns]
        for p in itertools.chain(() if first is None else (first,), it):
            if (p.source_lang, p.target_lang) != langs:
                raise DataError(
                    f"pair {p.id} is {p.source_lang}→{p.target_lang}, but this TSV's columns "
                    f"are {langs[0]} and {langs[1]}: one TSV holds one language pair; export "
                    "as JSONL, TMX or XLIFF, which keep each pair's languages"
                )
            if self.columns == COLUMNS and not own:  # the default: 2x faster than the loop
                write(
                    f"{escape(p.source)}\t{escape(p.target)}\t{escape(p.id)}\t{escape(p.doc)}\t"
                    f"{p.para}\t{p.sent}\t{_optint(p.start)}\t{_optint(p.end)}\t"
                    f"{_flags_cell(p.flags) if p.flags else ''}\t{escape(p.signature)}\t"
                    f"{'' if p.score is None else repr(p.score)}\t{'1' if p.reviewed else '0'}\t"
                    f"{escape(json.dumps(p.extra, ensure_ascii=False)) if p.extra else ''}\n"
                )
            else:
                write("\t".join([cell(p) for cell in cells]) + "\n")
            n += 1
        return WriteStats(pairs=n, stripped_chars=0)

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        self.read_stats = stats = ReadStats()
        lines = read_lines(inp, name=name)
        header: list[str] | None = None
        lineno, line = 0, ""
        if self.read_columns is not None:
            header = list(self.read_columns)
        else:
            for lineno, line in lines:  # noqa: B007 (lineno is used after the loop)
                if line:
                    header = line.split("\t")
                    break
        if header is None:
            return
        src, tgt = _text_columns(header, self.source_lang, self.target_lang)
        if src is None or tgt is None or len(set(header)) < len(header):
            raise DataError(
                f"{name}: line {lineno}: the header row {line[:200]!r} must name the columns, "
                f"tab-separated, each once, with the source language ({self.source_lang!r}) "
                f"and the target language ({self.target_lang!r}) (e.g. "
                f"'{self.source_lang}<TAB>{self.target_lang}'); add such a first line, pass "
                "--source-lang/--target-lang for the languages it names, or read a file "
                f"without a header row with --columns (e.g. --columns "
                f"{self.source_lang},{self.target_lang})"
            )
        langs = (header[src], header[tgt])
        for lang in langs:
            if lang not in ("source", "target"):
                stats.languages[lang] = 0
        names = list(header)
        names[src], names[tgt] = "vi", "en"
        width = len(header)
        for lineno, line in lines:
            if not line:
                continue
            cells = line.split("\t")
            if len(cells) != width:
                raise DataError(
                    f"{name}: line {lineno}: {len(cells)} tab-separated cells, but the "
                    f"{'--columns' if self.read_columns else 'header'} has {width} "
                    f"({', '.join(header)}); a tab or line break inside a text must be "
                    "written as \\t or \\n"
                )
            stats.units += 1
            for lang in stats.languages:
                stats.languages[lang] += 1
            row = dict(zip(names, cells, strict=True))
            row.pop("-", None)
            yield dataclasses.replace(
                _pair(row, name, lineno),
                source_lang=_lang(langs[0], self.source_lang),
                target_lang=_lang(langs[1], self.target_lang),
            )


def _lang(header: str, wanted: str) -> str:
    return wanted if header in ("source", "target") else header


def _own_column(key: str, columns: Sequence[str], langs: tuple[str, str]) -> bool:
    """Whether extra ``key`` can be a column of its own (no clash with another name)."""
    return (
        bool(key)
        and key not in _CELL
        and key not in langs
        and key not in ("source", "target", "-")
        and escape(key) == key
    )


def _text_columns(
    header: Sequence[str], source_lang: str, target_lang: str
) -> tuple[int | None, int | None]:
    """Indexes of the source and target text columns of a header (or --columns)."""
    if "source" in header and "target" in header:
        return header.index("source"), header.index("target")
    candidates = [h if h in ("vi", "en") or h not in _CELL else "" for h in header]
    return pick_sides(candidates, source_lang, target_lang)


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
    extra = {k: unescape(v) for k, v in row.items() if k not in _CELL and v != ""}
    blob = unescape(row.get("extra", ""))
    if blob:
        try:
            more = json.loads(blob)
        except ValueError:
            more = None
        if isinstance(more, dict) and all(isinstance(v, str) for v in more.values()):
            extra.update(more)
        else:  # another tool's column called "extra": plain data
            extra["extra"] = blob
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
