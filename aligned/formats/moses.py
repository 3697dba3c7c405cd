"""Moses plain text: ``PREFIX.vi`` and ``PREFIX.en``, line N of one translating line N of the other.

The format every MT toolkit reads (Moses, fairseq, Marian, OpenNMT). It holds the two texts and
nothing else (``holds`` = source, target). A line break inside a text would shift every later
line, so each line-breaking character (``\\n``, ``\\r``, ``\\r\\n``, and the ones Python's
``str.splitlines`` also splits on: VT, FF, FS, GS, RS, NEL, U+2028, U+2029) is written as one
space. An empty target is an empty line. Readers drop a UTF-8 byte-order mark at the start of a
file, so a first text that itself starts with U+FEFF is written with one more in front. The two
files must have the same number of lines; if not, reading ends in a :class:`DataError` giving
both counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from typing import BinaryIO, ClassVar, TextIO

from aligned.formats.base import PairedFormat, WriteStats, read_lines
from aligned.formats.langs import matches
from aligned.pairs import AlignedPair
from corpus.errors import DataError

_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAK_CHARS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(text: str) -> str:
    """``text`` with every line break replaced by a space (see the module docstring)."""
    if _BREAK_CHARS.isdisjoint(text):
        return text
    return _LINE_BREAKS.sub(" ", text)


class MosesFormat(PairedFormat):
    """Two line-aligned plain-text files, ``.vi`` and ``.en``."""

    name: ClassVar[str] = "moses"
    suffixes: ClassVar[tuple[str, ...]] = (".vi", ".en")
    help: ClassVar[str] = "line-aligned plain text, one file per language, for MT toolkits"
    run_file: ClassVar[str | None] = "corpus"  # corpus.vi + corpus.en
    holds: ClassVar[frozenset[str]] = frozenset({"source", "target"})

    def write_pair_files(
        self, pairs: Iterable[AlignedPair], vi_out: TextIO, en_out: TextIO
    ) -> WriteStats:
        wvi, wen = vi_out.write, en_out.write
        n = 0
        for p in pairs:
            if not (matches(p.source_lang, "vi") and matches(p.target_lang, "en")):
                raise DataError(
                    f"pair {p.id} is {p.source_lang}→{p.target_lang}, but Moses files are "
                    "named .vi and .en; export it as TSV, JSONL, TMX or XLIFF, which name "
                    "each pair's languages"
                )
            vi, en = one_line(p.source), one_line(p.target)
            if n == 0:  # readers drop a leading U+FEFF as a byte-order mark: add one to keep it
                vi = "\ufeff" + vi if vi.startswith("\ufeff") else vi
                en = "\ufeff" + en if en.startswith("\ufeff") else en
            wvi(vi + "\n")
            wen(en + "\n")
            n += 1
        return WriteStats(pairs=n, stripped_chars=0)

    def read_pair_files(
        self, vi_in: TextIO | BinaryIO, en_in: TextIO | BinaryIO, name: str
    ) -> Iterator[AlignedPair]:
        vi_name, en_name = (str(p) for p in self.paths(name))
        vi_lines = read_lines(vi_in, name=vi_name)
        en_lines = read_lines(en_in, name=en_name)
        for n, (vi, en) in enumerate(zip_longest(vi_lines, en_lines)):
            if vi is None or en is None:
                n_vi = n + (vi is not None) + sum(1 for _ in vi_lines)
                n_en = n + (en is not None) + sum(1 for _ in en_lines)
                raise DataError(
                    f"{vi_name} has {n_vi} lines but {en_name} has {n_en}; line N of one file "
                    "must translate line N of the other: check that both come from the same "
                    "export and that no text contains a line break"
                )
            yield AlignedPair(source=vi[1], target=en[1])
