"""Fuzzing: generated hostile input for the readers, the cleaner, the segmenter and import.

One property for every target: the call succeeds and its invariants hold, or it raises a
songngu ``DataError``/``ConfigError`` whose message names the bad file or value. Any other
exception is a crash and fails the test.

Targets: the document readers (files of every suffix and stdin: random bytes, invalid UTF-8,
Windows-1258, NULs, huge lines, hostile HTML, broken JSONL), the cleaner, the segmenter and the
whole segmentation pipeline (arbitrary Unicode), and the exchange formats as ``songngu import``
reads them (malformed TMX with entity tricks, TSV, JSONL, Moses; and write/read round trips).
Where the outcome is known from how an input was generated (plain UTF-8 text, a valid record,
a file with entity declarations), the test checks that outcome, not just "no crash".

Each target runs in two tiers: ``quick`` (``QUICK_EXAMPLES`` inputs, part of the default run)
and ``fuzz`` (``FUZZ_EXAMPLES`` inputs, ``$SONGNGU_FUZZ_EXAMPLES`` overrides it; marked
``fuzz``, so only ``pytest -m fuzz`` runs it). Every property counts its calls in the
``fuzz_counter`` fixture, and the run ends with the real counts per target (``conftest.py``).
Inputs that once crashed are kept as explicit regression tests at the end of the file.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import hashlib
import io
import itertools
import json
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from aligned.commands import import_
from aligned.formats import get_format, read_path, write_path
from aligned.formats.base import MAX_INT
from aligned.pairs import AlignedPair
from corpus.clean import CleanOptions, clean_text
from corpus.errors import ConfigError, DataError
from corpus.flags import FLAGS
from corpus.model import Document, RawDocument
from corpus.pipeline import PipelineOptions, process_documents
from corpus.readers import ReadFailure, read_sources
from corpus.segment import Segmenter, Span
from tests.cli import run_cli
from tests.fakes import ANY_CLEAN_OPTIONS

# unicode_escape (a codec users may pass to --encoding) warns about the bytes it decodes.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")

#: Generated inputs per target: in the default run, and in ``pytest -m fuzz`` (13 targets).
QUICK_EXAMPLES = 30
FUZZ_EXAMPLES = int(os.environ.get("SONGNGU_FUZZ_EXAMPLES", "2000"))

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Tier:
    name: str
    examples: int
    counter: Counter[tuple[str, str]]

    def settings(self, test: F) -> F:
        # No deadline (a shared 2-core machine); big generated inputs are the point.
        return settings(
            max_examples=self.examples,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )(test)

    def count(self, target: str) -> None:
        self.counter[(self.name, target)] += 1


@pytest.fixture(
    params=[
        pytest.param(("quick", QUICK_EXAMPLES), id="quick"),
        pytest.param(("fuzz", FUZZ_EXAMPLES), id="fuzz", marks=pytest.mark.fuzz),
    ]
)
def tier(request: pytest.FixtureRequest, fuzz_counter: Counter[tuple[str, str]]) -> Tier:
    name, examples = request.param
    return Tier(name, examples, fuzz_counter)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_serial = itertools.count()


def fresh(work: Path, suffix: str = "") -> Path:
    """A new file name (Hypothesis calls one test many times with the same tmp dir)."""
    return work / f"in{next(_serial)}{suffix}"


def assert_names(err: BaseException, *names: str) -> None:
    assert any(n and n in str(err) for n in names), (names, str(err))


# --- text and bytes ----------------------------------------------------------------------------

SYLLABLES = [
    "Hà", "Nội", "người", "Việt", "Nam", "hoà", "hòa", "thuỷ", "khoẻ", "quý", "Nguyễn", "đường",
    "Đà", "Ðà", "gái", "Dựa", "TP", "HCM", "ông", "bà", "T", "Ý", "con", "Bộ", "trưởng", "Xin",
    "chào", "Phóng viên:", "Trung tướng Tô Ân Xô:", "Tô Ân XôNói", "v.v", "vnexpress.net",
]  # fmt: skip
PIECES = [
    *SYLLABLES,
    *(unicodedata.normalize("NFD", s) for s in SYLLABLES),
    " ", " ", " ", "  ", "\u00a0", "\u202f", "\u3000", "\t", "\n", "\n\n", "\r\n", "\r",
    "\u2028", "\u2029", "\x85", "\u200b", "\u200d", "\ufeff", "\u00ad", "\x00", "\x07", "\x0b",
    "\x0c", "\x1c", "\x1f", "\x7f", "\x9f", ".", ".", "?", "!", "…", "...", "./.", ",", ":",
    "“", "”", '"', "'", "(", ")", "-", "1.", "12", "\u0300", "\u0301", "\u0303", "\u0309",
    "\u0323", "\u031b", "\u0306", "\u20dd", "a", "o", "e", "u", "y", "A", "Đ", "Ư", "😀",
    "\U0001f469\u200d\U0001f467", "\u1100\u1161", "\u0915\u093f", "\ue000", "\ufffd", "\ufffe",
]  # fmt: skip
# Any character but a surrogate (no UTF-8 file can hold one).
CHARS = st.characters(exclude_categories=["Cs"])

any_text = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(CHARS, max_size=40),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(CHARS, max_size=4)), max_size=30).map(
        "".join
    ),
)
# Vietnamese prose (what the readers should accept).
prose = st.lists(
    st.one_of(st.sampled_from(SYLLABLES), st.sampled_from([" ", " ", ". ", ", ", "! "])),
    min_size=1,
    max_size=40,
).map(lambda parts: "Tin " + "".join(parts))

TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it (base letter + combining tone mark)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in nfd if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES)) + tones)
    return "".join(out).encode("cp1258", errors="replace")


BAD_BYTES = [
    b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe1\xbb", b"\xed\xa0\x80", b"\xc0\xaf",
    b"\xf4\x90\x80\x80", b"\x00", b"\x00\x00", b"\x1b[31m", b"\r", b"\n", b"\r\n", b"\t",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"{",
    b"}", b"<", b">", b"&", b"\\", b'"', b"\xd0", b"\xf0", b"\xde", b"\xec", b"\xd2", b"\xf2",
]  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252"]


def insert(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    for pos, chunk in edits:
        p = pos % (len(data) + 1)
        data = data[:p] + chunk + data[p:]
    return data


edits = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(BAD_BYTES)), min_size=1, max_size=6
)
encoded_text = st.one_of(
    st.builds(lambda t, enc: t.encode(enc, errors="replace"), any_text, st.sampled_from(ENCODINGS)),
    prose.map(cp1258),
    prose.map(lambda t: t.encode("utf-8")),
)
huge_line = st.builds(
    lambda unit, n, tail: unit * n + tail,
    st.sampled_from([b"a", "ạ".encode(), b"\x00", b"\xff", b"<p>", b"{", b"xin chao "]),
    st.integers(10_000, 120_000),
    st.binary(max_size=10),
)
any_bytes = st.one_of(
    st.binary(max_size=400),
    encoded_text,
    st.builds(insert, encoded_text, edits),
    st.builds(insert, st.binary(max_size=50), edits),
    huge_line,
)

# --- readers -----------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
# What the readers call binary when it is more than 5% of the decoded text.
_JUNKY = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
# Codec names a user may pass to --encoding, and those that are no text encoding.
READ_ENCODINGS = [
    "cp1258", "utf-16", "utf-32", "latin-1", "ascii", "utf-7", "unicode_escape",
    "raw_unicode_escape", "idna", "punycode", "koi8-r", "shift_jis", "UTF8", "utf_8_sig",
    "base64", "rot13", "zlib", "hex", "no-such-codec",
]  # fmt: skip
NOT_TEXT_ENCODINGS = {"base64", "rot13", "zlib", "hex", "no-such-codec"}


def check_segments(doc: Document, options: PipelineOptions) -> None:
    """Segments are non-empty, stripped and ordered, point into the original text, and the
    original span cleans back to the segment text; records can be written as UTF-8."""
    text = doc.text
    prev_end = 0
    for seg in doc.segments:
        assert seg.text and seg.text == seg.text.strip() and "\n" not in seg.text, seg
        assert prev_end <= seg.start < seg.end <= len(text), (prev_end, seg)
        prev_end = seg.end
        assert set(seg.flags) <= set(FLAGS), seg.flags
        cleaned = clean_text(text[seg.start : seg.end], options.clean).text
        assert re.sub(r"\s*\n\s*", " ", cleaned.strip()) == seg.text, (
            text[seg.start : seg.end],
            seg,
        )
        json.dumps(seg.as_dict(), ensure_ascii=False).encode("utf-8")
    # numbered 1, 2, ... within each paragraph; paragraphs 1, 2, ...
    positions = [(1, 0)] + [(s.para, s.sent) for s in doc.segments]
    for (p1, s1), (p2, s2) in itertools.pairwise(positions):
        assert (p2, s2) in ((p1, s1 + 1), (p1 + 1, 1)), positions


def check_items(
    items: list[RawDocument | ReadFailure], source: str, name: str
) -> list[RawDocument]:
    """Every item is a document with usable text, or a DataError that names the input."""
    docs: list[RawDocument] = []
    for item in items:
        assert isinstance(item, (RawDocument, ReadFailure)), item
        assert item.source == source or item.source.startswith(source + "#"), (item, source)
        if isinstance(item, ReadFailure):
            assert isinstance(item.error, DataError), item
            assert_names(item.error, name)
            continue
        assert isinstance(item.text, str) and item.text.strip(), item
        assert not _SURROGATE.search(item.text + item.id), item
        item.text.encode("utf-8")
        codecs.lookup(item.encoding)
        docs.append(item)
    ids = [d.id for d in docs]
    assert all(ids) and len(set(ids)) == len(ids), ids
    if docs:
        options = PipelineOptions()
        for doc in process_documents(docs, options):
            check_segments(doc, options)
    return docs


def read_checked(
    source: str, name: str, *, stdin: bytes | None = None, **kwargs: Any
) -> list[RawDocument | ReadFailure] | None:
    """read_sources + check_items; None when it refused the options with a ConfigError."""
    encoding = kwargs.get("encoding")
    try:
        items = list(
            read_sources([source], stdin=None if stdin is None else io.BytesIO(stdin), **kwargs)
        )
    except ConfigError as err:
        assert encoding in NOT_TEXT_ENCODINGS, err
        assert_names(err, encoding)
        return None
    assert encoding not in NOT_TEXT_ENCODINGS
    docs = check_items(items, source, name)
    event(f"read: {len(docs) > 0} documents, {len(docs) < len(items)} failures")
    return items


def plain_utf8(data: bytes) -> str | None:
    """The text a ``.txt`` file of ``data`` must read as, if it is plainly UTF-8 text."""
    if b"\x00" in data:
        return None
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or len(_JUNKY.findall(text)) > 0.05 * len(text):
        return None
    return text


suffixes = st.sampled_from([".txt", ".txt", ".html", ".htm", ".jsonl", ".dat", ""])
formats = st.sampled_from([None, None, None, "text", "html", "jsonl", "TXT", "htm"])
read_encodings = st.one_of(st.none(), st.none(), st.sampled_from(READ_ENCODINGS))


def test_readers_files(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(data=any_bytes, suffix=suffixes, fmt=formats, encoding=read_encodings)
    @example(data=b'{"text": ' + b"[" * 50_000, suffix=".jsonl", fmt=None, encoding=None)
    @example(data=b"abc \x80", suffix=".txt", fmt=None, encoding="rot13")
    @example(data=b"\x00", suffix=".txt", fmt=None, encoding="punycode")
    def prop(data: bytes, suffix: str, fmt: str | None, encoding: str | None) -> None:
        tier.count("readers: files")
        path = fresh(work, suffix)
        path.write_bytes(data)
        items = read_checked(str(path), str(path), fmt=fmt, encoding=encoding)
        expected = plain_utf8(data)
        plain = fmt in ("text", "TXT") or (fmt is None and suffix == ".txt")
        if items is not None and plain and expected is not None:
            (doc,) = items
            assert isinstance(doc, RawDocument) and doc.text == expected, doc
            assert doc.encoding in ("utf-8", "utf-8-sig"), doc

    prop()


def test_readers_stdin(tier: Tier) -> None:
    @tier.settings
    @given(data=any_bytes, fmt=formats, encoding=read_encodings)
    @example(data=b'{"a": ' + b"[" * 50_000, fmt=None, encoding=None)
    def prop(data: bytes, fmt: str | None, encoding: str | None) -> None:
        tier.count("readers: stdin")
        items = read_checked("-", "<stdin>", stdin=data, fmt=fmt, encoding=encoding)
        expected = plain_utf8(data)
        if items is not None and fmt in ("text", "TXT") and expected is not None:
            assert [i.text for i in items if isinstance(i, RawDocument)] == [expected], items

    prop()


# HTML: a page whose scripts, styles, comments and CDATA hold a marker that must never come out,
# with broken tags inside the visible text; and tag soup.
HIDDEN = "ZZHIDDENZZ"
HIDERS = [
    f"<script>var s = '{HIDDEN}';</script>",
    f"<script type='text/javascript'><!-- {HIDDEN} --></script>",
    f"<style>.{HIDDEN} {{ color: red }}</style>",
    f"<!-- {HIDDEN} -->",
    f"<!--{HIDDEN}<p>{HIDDEN}</p>-->",
    f"<![CDATA[ {HIDDEN} ]]>",
    f"<svg><script>{HIDDEN}</script></svg>",
    f"<script>document.write('<p>{HIDDEN}</p>')</script>",
]
BROKEN = [
    "<b>", "<i>", "</div>", "</span></span>", "<p", "<br", "<<", "< p>", "&", "&nbsp", "&#xd800;",
    "&#0;", "&#x110000;", "&bogus;", "<img src=x>", "<p/>", "</p></p>", "<a href=x>", "\x00",
]  # fmt: skip
SOUP = [
    *HIDERS, *BROKEN, "<p>", "</p>", "<div>", "</div>", "<article>", "</article>", "<html>",
    "<body>", "</body>", "</html>", "<!DOCTYPE html>", "<?xml version='1.0'?>", "<![CDATA[",
    "]]>", "<!--", "-->", "<script>", "</script>", "<style>", "<table><tr><td>", "<h1>", "<li>",
    "<meta charset='koi8-r'>", "<iframe src='file:///etc/passwd'>", "<noscript>", "\r\n", "\n",
]  # fmt: skip


def _page(paras: list[tuple[str, str, str]], head: str) -> str:
    body = "".join(f"<p>{text}{bad}</p>{hider}\n" for text, bad, hider in paras)
    return f"<!DOCTYPE html><html><head><title>Tin</title>{head}</head><body>{body}</body></html>"


html_page = st.builds(
    _page,
    st.lists(
        st.tuples(prose, st.sampled_from(["", *BROKEN]), st.sampled_from(["", *HIDERS])),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["", *HIDERS]),
)
html_soup = st.lists(
    st.one_of(st.sampled_from(SOUP), prose, st.text(CHARS, max_size=8)), max_size=40
).map("".join)


def test_readers_html(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(
        page=st.one_of(html_page, html_soup),
        encoding=st.sampled_from(["utf-8", "utf-8", "cp1258", "utf-16"]),
        via=st.sampled_from([".html", ".htm", "stdin", "forced"]),
    )
    def prop(page: str, encoding: str, via: str) -> None:
        tier.count("readers: html")
        data = cp1258(page) if encoding == "cp1258" else page.encode(encoding, errors="replace")
        if via == "stdin":
            items = read_checked("-", "<stdin>", stdin=data)
        elif via == "forced":
            items = read_checked("-", "<stdin>", stdin=data, fmt="html")
        else:
            path = fresh(work, via)
            path.write_bytes(data)
            items = read_checked(str(path), str(path))
        assert items is not None
        if page.startswith("<!DOCTYPE html><html><head><title>Tin</title>"):  # html_page
            for doc in items:
                assert not isinstance(doc, RawDocument) or HIDDEN not in doc.text, doc

    prop()


# JSONL documents: each line is generated with the outcome it must have.
@dataclass(frozen=True)
class Line:
    text: str
    kind: str  # "doc" (a document with text `expect`), "fail", "any"
    expect: str = ""
    doc_id: Any = None  # the id a "doc" line gives (None: <file id>#<line>)


def _record(doc_id: Any, text: Any, keep_id: bool, ascii_: bool) -> Line:
    obj = {"text": text, "id": doc_id} if keep_id else {"text": text}
    raw = json.dumps(obj, ensure_ascii=ascii_)
    if not isinstance(text, str) or not text.strip():
        return Line(raw, "fail")
    if keep_id and doc_id is not None:
        if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
            return Line(raw, "fail")
        if not str(doc_id).strip():
            return Line(raw, "fail")
        return Line(raw, "doc", text, str(doc_id).strip())
    return Line(raw, "doc", text)


ids = st.one_of(
    st.sampled_from(["a", "b", "1", 1, 2, 0, -5, 10**30, " a ", "", "  ", None, True, 1.5]),
    st.lists(st.integers(), max_size=1),
    st.text(CHARS, max_size=5),
)
doc_texts = st.one_of(prose, any_text, st.sampled_from([None, 5, 1.5, ["x"], {"t": "x"}, True]))
BAD_JSONL = [
    "[1]", '"text"', "1", "null", "1e400", "9" * 5000, '{"text": ' + "[" * 50_000,
    '{"a": ' + "[" * 50_000, "{" * 50_000, '{"text": "\\ud800"}', '{"text": "a\\udc00b"}',
    '{"id": "\\ud800", "text": "x"}', "{}", '{"id": "a"}', '{"text": "a" "b"}',
    '{"text": "a", "text": "  "}', "{'text': 'a'}", '{"text": "a"} x', '{"text": "a",}',
    '{"text": "' + "x" * 10 + "\\x" + '"}', '{"text": "a", "id": 1e999}',
    '{"text": "a", "id": ' + "1" * 5000 + "}", '{"text": NaN}',
]  # fmt: skip
jsonl_line = st.one_of(
    st.builds(_record, ids, doc_texts, st.booleans(), st.booleans()),
    st.sampled_from(BAD_JSONL).map(lambda t: Line(t, "fail")),
    st.builds(
        lambda r, n: Line(r.text[:n], "any"),
        st.builds(_record, ids, prose, st.booleans(), st.booleans()),
        st.integers(0, 30),
    ),
    st.sampled_from(["", "   ", "\t"]).map(lambda t: Line(t, "any")),
    any_text.map(lambda t: Line(t.replace("\n", " "), "any")),
)


def test_readers_jsonl(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(lines=st.lists(jsonl_line, max_size=8), crlf=st.booleans(), stdin=st.booleans())
    @example(lines=[Line('{"text": "Xin ch\\ud800ao."}', "fail")], crlf=False, stdin=False)
    @example(lines=[Line("\ufeff", "any"), Line("[1]", "fail")], crlf=False, stdin=False)
    def prop(lines: list[Line], crlf: bool, stdin: bool) -> None:
        tier.count("readers: jsonl")
        data = ("\r\n" if crlf else "\n").join(ln.text for ln in lines).encode("utf-8")
        if stdin:
            source, name = "-", "<stdin>"
            file_id = f"stdin-{hashlib.sha256(data).hexdigest()[:12]}"
            items = read_checked("-", name, stdin=data, fmt="jsonl")
        else:
            path = fresh(work, ".jsonl")
            path.write_bytes(data)
            source, name, file_id = str(path), str(path), path.name
            items = read_checked(source, name)
        assert items is not None
        if len(items) == 1 and items[0].source == source:  # the file failed as a whole
            assert isinstance(items[0], ReadFailure), items
            return
        texts = [ln.text for ln in lines]
        if texts and texts[0].startswith("\ufeff"):  # read as a byte-order mark
            texts[0] = texts[0][1:]
        pairs = enumerate(zip(lines, texts, strict=True), start=1)
        numbered = [(n, ln) for n, (ln, t) in pairs if t.strip()]
        assert [i.source for i in items] == [f"{source}#{n}" for n, _ in numbered]
        taken: set[str] = set()  # a later record with a taken id fails, naming both
        for item, (n, line) in zip(items, numbered, strict=True):
            if line.kind == "fail":
                assert isinstance(item, ReadFailure) and f"line {n}" in item.message, item
            elif line.kind == "doc":
                base = line.doc_id if line.doc_id is not None else f"{file_id}#{n}"
                if base in taken:
                    assert isinstance(item, ReadFailure), item
                    assert item.message.startswith(f"id '{base}' of "), item
                else:
                    assert isinstance(item, RawDocument), item
                    assert (item.id, item.text) == (base, line.expect)
            if isinstance(item, RawDocument):
                taken.add(item.id)

    prop()


# --- cleaner, segmenter, pipeline ----------------------------------------------------------------

clean_options = st.one_of(st.just(CleanOptions()), ANY_CLEAN_OPTIONS)
INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u00ad") | {
    chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0)]
}
ODD_SPACES = set("\t\x0b\x0c\x1c\x1d\x1e\x1f\u00a0\u1680\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def whitespace_cuts(cleaned: str) -> list[int]:
    n = len(cleaned)
    return [
        p for p in range(n + 1) if p in (0, n) or cleaned[p - 1].isspace() or cleaned[p].isspace()
    ]


def test_clean(tier: Tier) -> None:
    @tier.settings
    @given(
        text=any_text,
        options=clean_options,
        picks=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=4),
    )
    @example(text="OÀ\u0300", options=CleanOptions(), picks=[])  # tone moved onto a marked A
    def prop(text: str, options: CleanOptions, picks: list[tuple[int, int]]) -> None:
        tier.count("clean")
        c = clean_text(text, options)
        n = len(c.text)
        starts = [c.chain.to_old(p) for p in range(n + 1)]
        ends = [c.chain.to_old(p, end=True) for p in range(n + 1)]
        assert starts == sorted(starts) and ends == sorted(ends)
        assert all(0 <= s <= e <= len(text) for s, e in zip(starts, ends, strict=True))
        assert ends[n] == len(text)
        assert not set(c.text) & set("\r\x85\u2028\u2029")
        if options.invisibles:
            assert not set(c.text) & INVISIBLE, c.text
        if options.spaces:
            assert not set(c.text) & ODD_SPACES and "  " not in c.text, c.text
            assert all(line == line.strip(" ") for line in c.text.split("\n")), c.text
        assert clean_text(c.text, options).text == c.text  # idempotent
        nfc_only = CleanOptions(True, False, False, False, "keep", False)  # NFC, nothing else
        newlines = re.sub("\r\n|[\r\x85\u2028\u2029]", "\n", text)
        assert clean_text(text, nfc_only).text == unicodedata.normalize("NFC", newlines)
        cuts = whitespace_cuts(c.text)
        for i, j in [(0, len(cuts) - 1), *picks]:
            s, e = cuts[i % len(cuts)], cuts[j % len(cuts)]
            if s < e:
                a, b = c.span_to_old(s, e)
                assert clean_text(text[a:b], options).text.strip() == c.text[s:e].strip()

    prop()


def check_spans(line: str, spans: list[Span]) -> None:
    last = 0
    for k, span in enumerate(spans):
        piece = line[span.start : span.end]
        assert last <= span.start < span.end <= len(line), spans
        assert piece == piece.strip() and piece, (piece, spans)
        assert not line[last : span.start].strip(), (line, spans)  # only whitespace between
        assert not span.speaker or k == 0, spans
        last = span.end
    assert not line[last:].strip(), (line, spans)


def test_segment(tier: Tier) -> None:
    @tier.settings
    @given(text=any_text, raw_lines=st.lists(any_text, max_size=3))
    @example(text="\u1100\u1161\nHà", raw_lines=[])  # NFC fallback: one edit over both lines
    def prop(text: str, raw_lines: list[str]) -> None:
        tier.count("segment")
        c = clean_text(text)
        lines = c.text.split("\n")
        offset = 0
        for line, spans in zip(lines, Segmenter().split_document(lines), strict=True):
            check_spans(line, spans)
            for span in spans:
                s, e = offset + span.start, offset + span.end
                a, b = c.span_to_old(s, e)
                assert clean_text(text[a:b]).text == c.text[s:e], (text[a:b], c.text[s:e])
            offset += len(line) + 1
        # raw, uncleaned paragraphs (tabs, controls, odd spaces) still give sane spans
        for line, spans in zip(raw_lines, Segmenter().split_document(raw_lines), strict=True):
            check_spans(line, spans)

    prop()


def test_pipeline(tier: Tier) -> None:
    @tier.settings
    @given(
        texts=st.lists(any_text, min_size=1, max_size=3),
        options=st.builds(
            PipelineOptions, clean=clean_options, paragraphs=st.sampled_from(["line", "blank"])
        ),
    )
    # NFC fallback inside a word, then a missing space: the edit once covered the whole word,
    # so the first sentence's span took in the second.
    @example(texts=["\u1100\u1161N\u00f4\u0323i.H\u00e0"], options=PipelineOptions())
    def prop(texts: list[str], options: PipelineOptions) -> None:
        tier.count("pipeline")
        raws = [RawDocument(id=f"d{i}", source="-", text=t) for i, t in enumerate(texts)]
        docs = process_documents(raws, options)
        assert [d.id for d in docs] == [r.id for r in raws]
        for doc, t in zip(docs, texts, strict=True):
            assert doc.text == t
            check_segments(doc, options)

    prop()


# --- formats, as `songngu import` reads them ---------------------------------------------------


def import_checked(work: Path, path: Path, fmt: str) -> DataError | None:
    """Run `songngu import` on ``path``: success, or a DataError/ConfigError naming the file."""
    store = fresh(work, ".sqlite")
    args = argparse.Namespace(
        input=str(path), format=fmt, output=str(store), force=False, append=False, quiet=True
    )
    try:
        assert import_.run(args) == 0
        return None
    except (DataError, ConfigError) as err:
        assert isinstance(err, DataError), err
        assert_names(err, str(path), str(store))
        return err
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{store}{suffix}")


def read_outcome(
    path: Path | str, fmt: str, names: tuple[str, ...]
) -> list[AlignedPair] | DataError:
    try:
        pairs = list(read_path(get_format(fmt), path))
    except DataError as err:
        assert_names(err, *names)
        event("read: DataError")
        return err
    event(f"read: {'pairs' if pairs else 'no pairs'}")
    return pairs


def read_and_import(
    work: Path, data: bytes, fmt: str
) -> tuple[list[AlignedPair] | DataError, DataError | None]:
    """Write ``data`` as a ``fmt`` file, read it and `songngu import` it; a file the reader
    refuses must be refused by the import too."""
    path = fresh(work, f".{fmt}")
    path.write_bytes(data)
    pairs = read_outcome(path, fmt, (str(path),))
    imported = import_checked(work, path, fmt)
    event(f"import: {'DataError' if imported else 'ok'}")
    if isinstance(pairs, DataError):
        assert imported is not None, "import took a file that read_path refuses"
    return pairs, imported


def xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# What XML 1.0 can hold as text (a parser turns \r and \r\n into \n, so they are left out too).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
xml_text = st.one_of(prose, any_text).map(lambda t: _NOT_XML.sub("", t))
SECRET = "ZZSECRETZZ"
LOL = "ZZLOLZZ"


@dataclass(frozen=True)
class Tmx:
    xml: str
    ok: bool | None  # must read (True), must fail (False), either (None)
    sources: tuple[str, ...] = ()
    entities: bool = False  # its DOCTYPE declares entities: must fail, nothing expanded


GOOD_INTS = ["0", "1", "42", " 7 ", str(MAX_INT), "١٢"]
BAD_INTS = [str(MAX_INT + 1), "-1", "two", "", "1.5", "9" * 5000]
INT_VALUES = GOOD_INTS + BAD_INTS
PROP_TYPES = ["x-doc", "x-para", "x-sent", "x-start", "x-end", "x-flag", "x-signature", "x-score"]
PROP_TYPES += ["x-reviewed", "x-note", "note"]
TUIDS = ["", "d:1:2", "d:0:0", f"d:1:{MAX_INT}", "x", "a:b:c:3:4"]
INLINE = ["", "<bpt i='1'>&lt;b&gt;</bpt>", "<ph>{x}</ph>", "<hi>", "<![CDATA[", "&#233;"]


def _int_ok(v: str) -> bool:
    try:
        return 0 <= int(v) <= MAX_INT
    except ValueError:
        return False


@st.composite
def tmx_tu(draw: st.DrawFn, srclang: str) -> tuple[str, bool, str]:
    """One <tu>: its XML, whether it must read, and its Vietnamese text. Three in four are
    valid by construction; the others may take any bad value."""
    valid = draw(st.integers(0, 3)) > 0
    ok = True
    parts = []
    positional = False
    for _ in range(draw(st.integers(0, 3))):
        type_ = draw(st.sampled_from(PROP_TYPES))
        if type_ in ("x-para", "x-sent", "x-start", "x-end"):
            value = draw(st.sampled_from(GOOD_INTS if valid else INT_VALUES))
            ok = ok and _int_ok(value)
        elif type_ == "x-score":
            value = draw(
                st.sampled_from(["0.5", "nan", "inf", "1e999", "-3", *([] if valid else ["x", ""])])
            )
            ok = ok and value not in ("x", "")
        else:
            value = xml_escape(draw(xml_text))
        positional = positional or type_ in ("x-doc", "x-para", "x-sent")
        parts.append(f'<prop type="{type_}">{value}</prop>')
    tuid = draw(
        st.sampled_from(TUIDS if valid else [*TUIDS, f"d:{'9' * 30}:1", f"d:{MAX_INT + 1}:1"])
    )
    if tuid and not positional and (m := re.fullmatch(r"(.*):(\d+):(\d+)", tuid)):
        ok = ok and _int_ok(m[2]) and _int_ok(m[3])
    tuvs: list[tuple[str, str, str]] = []  # (xml, primary language, text)
    langs = ["vi", "en", "vi-VN", "VI", "en-US", "fr", "en_GB"]
    for i in range(draw(st.integers(1 if valid else 0, 3))):
        attr = draw(st.sampled_from(["xml:lang", "xml:lang", "lang", *([] if valid else [""])]))
        lang = "vi" if valid and i == 0 else draw(st.sampled_from(langs if valid else [*langs, ""]))
        text = draw(xml_text)
        inline = draw(st.sampled_from(INLINE))
        if inline == "<hi>":
            seg, shown = f"<hi>{xml_escape(text)}</hi>", text
        elif inline == "<![CDATA[":
            seg, shown = f"<![CDATA[{text.replace(']]>', '')}]]>", text.replace("]]>", "")
        elif inline == "&#233;":
            seg, shown = f"{xml_escape(text)}&#233;", text + "é"
        else:
            seg, shown = xml_escape(text) + inline, text
        has_seg = valid or draw(st.integers(0, 3)) > 0
        ok = ok and bool(attr) and bool(lang) and has_seg
        lang_attr = f' {attr}="{lang}"' if attr else ""
        xml = f"<tuv{lang_attr}>" + (f"<seg>{seg}</seg>" if has_seg else "") + "</tuv>"
        tuvs.append((xml, lang.replace("_", "-").split("-")[0].lower(), shown))
    tuvs = draw(st.permutations(tuvs))
    # the source is the first Vietnamese text (import --source-lang vi); a unit without one
    # is read with an empty source (and skipped by the import), whatever the header's srclang
    src = next((t for _, lang, t in tuvs if lang == "vi"), "")
    parts = draw(st.permutations(parts)) + [xml for xml, _, _ in tuvs]
    attr = f' tuid="{tuid}"' if tuid else ""
    return f"<tu{attr}>{''.join(parts)}</tu>", ok, src or ""


PROLOGS = ['<?xml version="1.0" encoding="UTF-8"?>\n', "", "<?pi x?>", "<!-- c -->\n"]
ODD_PROLOGS = ['<?xml version="1.0" encoding="UTF-16"?>', "<?xml version='1.1'?>"]
ODD_PROLOGS += ['<?xml version="1.0" encoding="bogus"?>', "\ufeff", "  \n"]
LOLS = f'<!ENTITY lol "{LOL}">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)
ENTITY_DOCTYPES = [
    f"<!DOCTYPE tmx [{LOLS}]>",
    '<!DOCTYPE tmx [<!ENTITY s SYSTEM "{SECRET_FILE}">]>',
    '<!DOCTYPE tmx [<!ENTITY % p SYSTEM "{SECRET_DTD}"> %p;]>',
    '<!DOCTYPE tmx [<!ENTITY s SYSTEM "http://127.0.0.1:9/x">]>',
    f'<!DOCTYPE tmx [<!ENTITY vi "vi"><!ENTITY s "{LOL}">]>',
    f'<!DOCTYPE tmx SYSTEM "tmx14.dtd" [<!ENTITY s "{LOL}">]>',
    '<!DOCTYPE tmx [<!ENTITY s SYSTEM "{SECRET_FILE}" NDATA x>]>',
]


@st.composite
def tmx_files(draw: st.DrawFn, entity_tricks: bool) -> Tmx:
    """A TMX file and what reading it must give. Entity tricks: a DOCTYPE that declares
    entities (billion laughs, external file and URL, parameter entity), referenced in text and
    attributes; a marker in them must never come out."""
    valid = draw(st.integers(0, 2)) > 0
    ok: bool | None = True
    prolog = draw(st.sampled_from(PROLOGS if valid else PROLOGS + ODD_PROLOGS))
    if prolog in ODD_PROLOGS:
        ok = None
    if entity_tricks:
        doctype = draw(st.sampled_from(ENTITY_DOCTYPES))
        refs = ["&lol9;", "&lol1;", "&s;", "&x;", "&vi;", "&p;", "&lol;"]
    else:
        doctype = draw(
            st.sampled_from(
                ["", '<!DOCTYPE tmx SYSTEM "tmx14.dtd">', '<!DOCTYPE tmx SYSTEM "{SECRET_DTD}">']
            )
        )
        refs = ["&x;", "&amp;", "&#x1F600;", "&#0;", "&nope;", "&vi;"]
    root = "tmx" if valid else draw(st.sampled_from(["tmx", "TMX", "xliff", "tmx xmlns='urn:x'"]))
    ok = ok and root == "tmx"
    srclang = draw(st.sampled_from(["vi", "en", "*all*", "VI", None]))
    header = "" if srclang is None else f'<header srclang="{srclang}" o-tmf="x"/>'
    lang = "vi" if srclang in (None, "*all*") else srclang.lower()
    tus = draw(st.lists(tmx_tu(lang), min_size=1 if valid else 0, max_size=4))
    body = "".join(t[0] for t in tus)
    for _ in range(draw(st.integers(0 if valid else 1, 2)) if entity_tricks or not valid else 0):
        ref = draw(st.sampled_from(refs))  # entity/char references in text and attributes
        where = draw(
            st.sampled_from(["<seg>", "<tu>", ' xml:lang="', ' tuid="', '<prop type="x-doc">'])
        )
        if where in body:
            pos = body.index(where) + len(where)
            body = body[:pos] + ref + body[pos:]
            ok = None
    end = root.split()[0]
    xml = f"{prolog}{doctype}<{root} version='1.4'>{header}<body>{body}</body></{end}>"
    ok = ok and all(t[1] for t in tus)
    return Tmx(xml, None if ok is None else bool(ok), tuple(t[2] for t in tus), entity_tricks)


def _write_secrets(work: Path) -> dict[str, str]:
    secret = work / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    dtd = work / "secret.dtd"
    dtd.write_text(f'<!ENTITY x "{SECRET}"><!ENTITY vi "{SECRET}">', encoding="utf-8")
    return {"{SECRET_FILE}": secret.as_uri(), "{SECRET_DTD}": dtd.as_uri()}


def check_tmx(work: Path, tmx: Tmx, mutation: Callable[[bytes], bytes] | None) -> None:
    xml = tmx.xml
    for key, uri in _write_secrets(work).items():
        xml = xml.replace(key, uri)
    data = xml.encode("utf-8")
    if mutation is not None:
        data = mutation(data)
    pairs, imported = read_and_import(work, data, "tmx")
    if not isinstance(pairs, DataError):
        for p in pairs:  # nothing fetched, no entity expanded
            fields = [p.source, p.target, p.doc, p.signature, *p.flags, *p.extra, *p.extra.values()]
            assert not any(SECRET in f or LOL in f for f in fields), p
    event(f"generated: mutated={mutation is not None} entities={tmx.entities} ok={tmx.ok}")
    if mutation is None and tmx.entities:
        assert isinstance(pairs, DataError) and imported is not None, pairs
    elif mutation is None and tmx.ok is not None:
        if tmx.ok:
            assert not isinstance(pairs, DataError), pairs
            assert [p.source for p in pairs] == list(tmx.sources)
        else:
            assert isinstance(pairs, DataError), (tmx, pairs)


mutations = st.one_of(
    st.none(),
    st.none(),
    st.integers(0, 10**5).map(lambda n: lambda d: d[: n % (len(d) + 1)]),  # truncated
    edits.map(lambda e: lambda d: insert(d, e)),
    st.binary(max_size=200).map(lambda b: lambda d: b),
)


def test_import_tmx(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(tmx=tmx_files(entity_tricks=False), mutation=mutations)
    def prop(tmx: Tmx, mutation: Callable[[bytes], bytes] | None) -> None:
        tier.count("import: tmx")
        check_tmx(work, tmx, mutation)

    prop()


def test_import_tmx_entities(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(tmx=tmx_files(entity_tricks=True), mutation=st.none())
    def prop(tmx: Tmx, mutation: None) -> None:
        tier.count("import: tmx entities")
        check_tmx(work, tmx, mutation)

    prop()


TSV_COLUMNS = ["vi", "en", "id", "doc", "para", "sent", "start", "end", "flags", "signature"]
TSV_COLUMNS += ["score", "reviewed", "note", "x y"]
ODD_BACKSLASHES = ["a\\", "\\x", "\\\\t", "C:\\new\\dir", "\\", "\\u00e9", "\\\\\\"]


def tsv_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class Table:
    text: str
    ok: bool  # must read (else: DataError naming bad_line)
    bad_line: int
    sources: tuple[str | None, ...]  # None: not known (odd backslashes)


@st.composite
def tsv_cell(draw: st.DrawFn, column: str, positional: bool) -> tuple[str, bool, str | None]:
    """(cell, valid, text it reads as) for one column."""
    if column in ("para", "sent", "start", "end"):
        v = draw(st.sampled_from(["", *INT_VALUES]))
        return v, v == "" or _int_ok(v), None
    if column == "score":
        v = draw(st.sampled_from(["", "0.5", "nan", "inf", "-1e999", "1_0", "1e5000", "x"]))
        return v, v != "x", None
    if column == "reviewed":
        v = draw(st.sampled_from(["", "0", "1", "true", "yes", "No", "TRUE", "2", "y"]))
        return v, v.lower() in ("", "0", "1", "true", "false", "yes", "no"), None
    if column == "id" and draw(st.booleans()):
        v = draw(st.sampled_from(["d:1:2", "plain", f"d:{'9' * 25}:1", f"d:{MAX_INT}:0", "d:-1:2"]))
        m = re.fullmatch(r"(.*):(\d+):(\d+)", v)
        return v, positional or m is None or (_int_ok(m[2]) and _int_ok(m[3])), None
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(ODD_BACKSLASHES)), True, None
    text = draw(st.one_of(prose, any_text))
    return tsv_escape(text), True, text


@st.composite
def tsv_files(draw: st.DrawFn) -> Table:
    header = draw(st.lists(st.sampled_from(TSV_COLUMNS), min_size=1, max_size=7))
    if draw(st.integers(0, 3)) > 0:  # mostly a usable header
        header = draw(st.permutations(["vi", "en", *(c for c in header if c not in ("vi", "en"))]))
        header = list(dict.fromkeys(header)) if draw(st.integers(0, 4)) > 0 else header
    lines = [""] * draw(st.integers(0, 2)) + ["\t".join(header)]
    header_ok = "vi" in header and "en" in header and len(set(header)) == len(header)
    bad_line = 0 if header_ok else len(lines)
    positional = bool({"doc", "para", "sent"} & set(header))
    sources: list[str | None] = []
    for _ in range(draw(st.integers(0, 4))):
        cells = [draw(tsv_cell(c, positional)) for c in header]
        row = [c[0] for c in cells]
        ok = all(c[1] for c in cells)
        width = draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
        if width < 0:
            row = row[:-1]
        elif width > 0:
            row = [*row, "extra"]
        line = "\t".join(row)
        if not line:
            continue  # a blank line is skipped
        ok = ok and width == 0
        lines.append(line)
        if not ok and not bad_line:
            bad_line = len(lines)
        if "vi" in header:
            sources.append(dict(zip(header, cells, strict=True))["vi"][2] if width == 0 else None)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    return Table(bom + end.join(lines) + end, bad_line == 0, bad_line, tuple(sources))


def test_import_tsv(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(table=tsv_files(), mutation=st.one_of(st.none(), st.none(), mutations))
    @example(table=Table(f"vi\ten\tid\na\tb\td:{'1' * 5000}:1\n", False, 2, ()), mutation=None)
    @example(table=Table(f"vi\ten\tpara\na\tb\t{2**63}\n", False, 2, ()), mutation=None)
    def prop(table: Table, mutation: Callable[[bytes], bytes] | None) -> None:
        tier.count("import: tsv")
        data = table.text.encode("utf-8")
        if mutation is not None:
            data = mutation(data)
        pairs, _ = read_and_import(work, data, "tsv")
        event(f"generated: mutated={mutation is not None} ok={table.ok}")
        if mutation is None:
            if table.ok:
                assert not isinstance(pairs, DataError), (table, pairs)
                got = [p.source for p in pairs]
                assert [g for g, e in zip(got, table.sources, strict=True) if e is not None] == [
                    e for e in table.sources if e is not None
                ]
            else:
                assert isinstance(pairs, DataError) and f"line {table.bad_line}:" in str(pairs), (
                    table,
                    pairs,
                )

    prop()


# JSONL pairs: (value, valid) per key.
def _v(values: list[Any], ok: bool) -> st.SearchStrategy[tuple[Any, bool]]:
    return st.sampled_from(values).map(lambda v: (v, ok))


def _t(ok: bool = True) -> st.SearchStrategy[tuple[Any, bool]]:
    return st.one_of(prose, any_text).map(lambda v: (v, ok))


LONE = ["\ud800", "a\udc00", "\udfff b"]
positions = st.one_of(st.integers(0, 5), st.integers(0, MAX_INT), st.just(MAX_INT))


def _good(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, bool]]:
    return values.map(lambda v: (v, True))


scores = st.one_of(st.none(), st.floats(), st.integers(-(10**20), 10**20))
extras = st.dictionaries(st.text(CHARS, max_size=4), st.text(CHARS, max_size=6), max_size=2)
JSONL_KEYS: dict[str, st.SearchStrategy[tuple[Any, bool]]] = {
    "en": _t() | _v([None, 5, ["x"], *LONE], False),
    "doc": _t() | _v([1, None, *LONE], False),
    "signature": _t() | _v([[], False], False),
    "para": _good(positions) | _v([-1, MAX_INT + 1, 10**30, "1", True, 1.5, None], False),
    "sent": _good(positions) | _v([-1, 2**64, "2", False], False),
    "start": _good(st.none() | positions) | _v([-3, 2**63, "0"], False),
    "end": _good(st.none() | positions) | _v([1.0, 2**70], False),
    "flags": _good(st.lists(st.text(CHARS, max_size=5), max_size=3))
    | _v(["a", [1], [None], ["\ud800"]], False),
    "score": _good(scores) | _v(["x", True, 10**400, -(10**310)], False),
    "reviewed": _good(st.booleans()) | _v([1, "yes", None], False),
    "extra": _good(extras) | _v([{"a": 1}, [], "x", {"\ud800": "a"}, {"a": "\udc00"}], False),
    "id": _t() | _v([1, None, [1]], True),
}


@st.composite
def jsonl_pair_line(draw: st.DrawFn) -> tuple[str, bool, str]:
    """(line, valid, Vietnamese text) of one JSONL line."""
    kind = draw(st.sampled_from(["record", "record", "record", "translation", "source", "junk"]))
    if kind == "junk":
        line = draw(st.sampled_from([
            "[1]", '"vi"', "1", "null", "{", '{"vi": "a",}', "{'vi': 'a'}", '{"vi": "a"} x',
            "9" * 5000, '{"vi": "a", "para": ' + "9" * 5000 + "}", "[" * 50_000,
            '{"vi": ' + "[" * 50_000, '{"en": "a"}', "{}", '{"vi": NaN}', '{"translation": 5}',
            '{"translation": {"en": "x"}}', '{"vi": "\\ud800"}', '{"vi": "a\\x"}',
        ]))  # fmt: skip
        return line, False, ""
    vi, ok = draw(st.one_of(_t(), _v([None, 5, ["x"], {"a": "b"}], False), _v(LONE, False)))
    obj: dict[str, Any] = {}
    if kind == "translation":
        en, en_ok = draw(JSONL_KEYS["en"])
        obj["translation"] = {"vi": vi, "en": en}
        ok = ok and en_ok
    else:
        obj["vi" if kind == "record" else "source"] = vi
    for key in draw(st.lists(st.sampled_from(sorted(JSONL_KEYS)), max_size=6, unique=True)):
        if kind == "translation" and key == "en":
            continue
        value, value_ok = draw(JSONL_KEYS[key])
        obj[key] = value
        ok = ok and value_ok
    surrogates = any(
        _SURROGATE.search(json.dumps(v, ensure_ascii=False))
        for v in [vi, *obj.values()]
        if isinstance(v, (str, list, dict))
    )
    ascii_ = surrogates or draw(st.booleans())
    line = json.dumps(obj, ensure_ascii=ascii_)
    return line, bool(ok), vi if isinstance(vi, str) else ""


def test_import_jsonl(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(
        lines=st.lists(
            st.one_of(
                jsonl_pair_line(), st.sampled_from(["", "  "]).map(lambda t: (t, True, None))
            ),
            max_size=6,
        ),
        mutation=st.one_of(st.none(), st.none(), mutations),
    )
    @example(lines=[('{"vi": "a", "para": ' + "9" * 5000 + "}", False, "")], mutation=None)
    @example(lines=[('{"vi": "a", "score": ' + "9" * 400 + "}", False, "")], mutation=None)
    @example(lines=[("[" * 50_000, False, "")], mutation=None)
    @example(lines=[('{"vi": "a\\ud800"}', False, "")], mutation=None)
    @example(lines=[(f'{{"vi": "a", "para": {2**63}, "sent": 1}}', False, "")], mutation=None)
    def prop(
        lines: list[tuple[str, bool, str | None]], mutation: Callable[[bytes], bytes] | None
    ) -> None:
        tier.count("import: jsonl")
        data = "".join(f"{line}\n" for line, _, _ in lines).encode("utf-8")
        if mutation is not None:
            data = mutation(data)
        pairs, _ = read_and_import(work, data, "jsonl")
        event(f"generated: mutated={mutation is not None} ok={all(ok for _, ok, _ in lines)}")
        if mutation is None:
            bad = next((n for n, (_, ok, _) in enumerate(lines, start=1) if not ok), None)
            if bad is None:
                assert not isinstance(pairs, DataError), pairs
                assert [p.source for p in pairs] == [vi for line, _, vi in lines if line.strip()]
            else:
                assert isinstance(pairs, DataError) and f"line {bad}:" in str(pairs), (lines, pairs)

    prop()


# Moses: two line-aligned files.
moses_line = st.one_of(prose, any_text).map(lambda t: t.replace("\n", " ").replace("\r", " "))


def test_import_moses(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(
        vi=st.lists(moses_line, max_size=5),
        en=st.lists(moses_line, max_size=5),
        same=st.booleans(),
        mutation=st.one_of(st.none(), st.none(), st.none(), mutations),
    )
    def prop(
        vi: list[str], en: list[str], same: bool, mutation: Callable[[bytes], bytes] | None
    ) -> None:
        tier.count("import: moses")
        if same:
            en = (en + [""] * len(vi))[: len(vi)]
        prefix = fresh(work)
        vi_data = "".join(f"{t}\n" for t in vi).encode("utf-8")
        en_data = "".join(f"{t}\n" for t in en).encode("utf-8")
        if mutation is not None:
            vi_data = mutation(vi_data)
        Path(f"{prefix}.vi").write_bytes(vi_data)
        Path(f"{prefix}.en").write_bytes(en_data)
        pairs = read_outcome(prefix, "moses", (str(prefix),))
        if mutation is None:
            if len(vi) == len(en):
                assert not isinstance(pairs, DataError), pairs
                expect = [t.removeprefix("\ufeff") if i == 0 else t for i, t in enumerate(vi)]
                assert [(p.source, p.target) for p in pairs] == list(
                    zip(
                        expect,
                        [t.removeprefix("\ufeff") if i == 0 else t for i, t in enumerate(en)],
                        strict=True,
                    )
                )
            else:
                assert isinstance(pairs, DataError) and f"has {len(vi)} lines" in str(pairs), pairs

    prop()


# Round trips: what a format writes, it reads back (for text it can carry).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
rt_text = st.one_of(prose, any_text)
rt_pair = st.builds(
    AlignedPair,
    source=rt_text,
    target=rt_text,
    doc=rt_text,
    para=positions,
    sent=positions,
    start=st.none() | positions,
    end=st.none() | positions,
    flags=st.lists(st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True), max_size=3).map(tuple),
    signature=rt_text,
    score=st.none() | st.floats(),
    reviewed=st.booleans(),
    extra=st.dictionaries(st.from_regex(r"note|x-[a-z]{1,6}", fullmatch=True), rt_text, max_size=2),
)


def _key(p: AlignedPair) -> tuple[Any, ...]:
    score = "nan" if p.score is not None and math.isnan(p.score) else p.score
    return (
        p.source,
        p.target,
        p.doc,
        p.para,
        p.sent,
        p.start,
        p.end,
        p.flags,
        p.signature,
        score,
        p.reviewed,
        p.extra,
    )


def carried(p: AlignedPair, fmt: str) -> AlignedPair:
    """What format ``fmt`` gives back for ``p`` (what it holds; the rest at defaults)."""
    if fmt == "moses":
        return AlignedPair(p.source, p.target)
    if fmt == "tsv":
        return AlignedPair(
            p.source,
            p.target,
            p.doc,
            p.para,
            p.sent,
            p.start,
            p.end,
            p.flags,
            p.signature,
            p.score,
            p.reviewed,
            dict(p.extra),
        )
    if fmt == "jsonl":
        score = p.score if p.score is None or math.isfinite(p.score) else None
        return AlignedPair(
            p.source,
            p.target,
            p.doc,
            p.para,
            p.sent,
            p.start,
            p.end,
            p.flags,
            p.signature,
            score,
            p.reviewed,
            dict(p.extra),
        )
    x = lambda t: _XML_FORBIDDEN.sub("", t)  # noqa: E731
    return AlignedPair(
        x(p.source), x(p.target), x(p.doc), p.para, p.sent, p.start, p.end, p.flags, x(p.signature),
        p.score, p.reviewed, {k: x(v) for k, v in p.extra.items()},
    )  # fmt: skip


def test_round_trip(tier: Tier, work: Path) -> None:
    @tier.settings
    @given(
        pairs=st.lists(rt_pair, max_size=4), fmt=st.sampled_from(["tmx", "tsv", "jsonl", "moses"])
    )
    def prop(pairs: list[AlignedPair], fmt: str) -> None:
        tier.count("round trip")
        if fmt == "moses":  # two line-aligned files hold no line breaks
            pairs = [
                AlignedPair(_BREAKS.sub(" ", p.source), _BREAKS.sub(" ", p.target)) for p in pairs
            ]
        path = fresh(work, "" if fmt == "moses" else f".{fmt}")
        stats = write_path(get_format(fmt), pairs, path)
        assert stats.pairs == len(pairs)
        back = list(read_path(get_format(fmt), path))
        assert [_key(p) for p in back] == [_key(carried(p, fmt)) for p in pairs]
        if fmt != "moses":
            positions = [(p.doc or path.stem, p.para, p.sent) for p in back if p.para and p.sent]
            err = import_checked(work, path, fmt)
            event(f"import: error={err is not None} unique={len(set(positions)) == len(positions)}")
            if len(set(positions)) == len(positions):
                assert err is None, err

    prop()


# --- inputs that crashed once ---------------------------------------------------------------------


def test_regression_tone_move_keeps_text_clean() -> None:
    """Moving the tone of "OÀ" onto O left a combining grave after a bare A: the cleaned text
    was not NFC, and cleaning it again changed it."""
    c = clean_text("OÀ\u0300 hoà")
    assert c.text == "OÀ\u0300 hòa"
    assert unicodedata.is_normalized("NFC", c.text) and clean_text(c.text).text == c.text


def test_regression_deeply_nested_jsonl_documents(tmp_path: Path) -> None:
    """RecursionError from json.loads escaped the JSONL reader and stdin sniffing."""
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b'{"id": "ok", "text": "Xin chao."}\n{"text": ' + b"[" * 100_000 + b"\n")
    items = list(read_sources([str(path)]))
    assert isinstance(items[0], RawDocument) and items[0].text == "Xin chao."
    assert isinstance(items[1], ReadFailure)
    assert f"'{path}' line 2 is not valid JSON (nested too deep)" in items[1].message
    stdin = io.BytesIO(b'{"a": ' + b"[" * 100_000)
    (item,) = read_sources(["-"], stdin=stdin)
    assert isinstance(item, RawDocument)  # not a JSON object: read as text


def test_regression_lone_surrogate_in_jsonl_document(tmp_path: Path) -> None:
    """A "\\ud800" escape gave a document that crashed `songngu segment` on output."""
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Xin ch\\ud800ao. B\\u1ea1n kh\\u1ecfe."}\n', encoding="utf-8"
    )
    (item,) = read_sources([str(path)])
    assert isinstance(item, ReadFailure)
    assert item.message.startswith(f"'{path}' line 1: \"text\" holds a lone surrogate \\ud800")
    code, _, err = run_cli(["segment", str(path)])
    assert code == DataError.exit_code
    assert "lone surrogate" in err


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib"])
def test_regression_non_text_encoding_is_a_config_error(tmp_path: Path, encoding: str) -> None:
    """--encoding rot13 passed the name check, then bytes.decode raised LookupError."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"Xin ch\xe0o \x80")
    with pytest.raises(ConfigError, match=f"^'{encoding}' given by --encoding is not a text enc"):
        list(read_sources([str(path)], encoding=encoding))


def test_regression_codec_raising_plain_unicode_error() -> None:
    """punycode raises UnicodeError, not UnicodeDecodeError: it escaped the reader."""
    (item,) = read_sources(["-"], stdin=io.BytesIO(b"\x00"), encoding="punycode")
    assert isinstance(item, ReadFailure)
    assert item.message.startswith(
        "cannot decode '<stdin>' as punycode (given by --encoding): decoding with 'punycode' "
        "codec failed (UnicodeError: Invalid extended code point"
    )


def test_regression_decoded_lone_surrogate(tmp_path: Path) -> None:
    """A codec that decodes to a lone surrogate gave a document no output could hold."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"Xin \\ud800 ch\xe0o")  # not UTF-8; unicode_escape makes U+D800
    (item,) = read_sources([str(path)], encoding="unicode_escape")
    assert isinstance(item, ReadFailure)
    assert "decoded as unicode-escape holds a lone surrogate (U+D800)" in item.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"vi": "a", "para": ' + "9" * 5000 + "}",
            "not valid JSON (Exceeds the limit (4300 digits)",
        ),
        ('{"vi": "a", "score": ' + "9" * 400 + "}", "key 'score' is too large"),
        ("[" * 100_000, "not valid JSON (nested too deep)"),
        ('{"vi": "a\\ud800"}', "key 'vi' holds a lone surrogate \\ud800"),
        ('{"vi": "a", "extra": {"k": "\\udc00"}}', "key 'extra' holds a lone surrogate"),
        (
            f'{{"vi": "a", "para": {2**63}, "sent": 1}}',
            f"key 'para' must be a whole number from 0 to {MAX_INT}",
        ),
        ('{"vi": "a", "start": -1}', "key 'start' must be a whole number from 0"),
    ],
)
def test_regression_jsonl_pairs(tmp_path: Path, line: str, message: str) -> None:
    """ValueError, RecursionError and OverflowError escaped; a lone surrogate or a position
    beyond 64 bits crashed `songngu import` in SQLite."""
    path = tmp_path / "c.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        list(read_path(get_format("jsonl"), path))
    assert str(err.value).startswith(f"{path}: line 1: ") and message in str(err.value)
    assert isinstance(import_checked(tmp_path, path, "jsonl"), DataError)


@pytest.mark.parametrize(
    ("tu", "message"),
    [
        (
            f'<tu tuid="d:{"1" * 5000}:1">',
            "line 1: the para of tuid must be a whole number from 0 to",
        ),
        ('<tu tuid="d:9223372036854775808:1">', "line 1: the para of tuid must be a whole number"),
        (
            f'<tu><prop type="x-para">{2**63}</prop>',
            "line 1: <prop type='x-para'> must be a whole number from 0",
        ),
        (
            f'<tu><prop type="x-sent">{"7" * 5000}</prop>',
            "line 1: <prop type='x-sent'> must be a whole number from 0",
        ),
    ],
)
def test_regression_tmx_positions(tmp_path: Path, tu: str, message: str) -> None:
    """int() of a 5000-digit tuid raised ValueError; 2**63 crashed import with OverflowError."""
    path = tmp_path / "b.tmx"
    path.write_text(f'<tmx>{tu}<tuv xml:lang="vi"><seg>a</seg></tuv></tu></tmx>', encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(message)):
        list(read_path(get_format("tmx"), path))
    assert isinstance(import_checked(tmp_path, path, "tmx"), DataError)


def test_regression_tmx_internal_entity_is_refused_not_expanded(tmp_path: Path) -> None:
    """libxml2 expanded internal entities in attribute values (xml:lang="&vi;" read as vi)."""
    path = tmp_path / "e.tmx"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY vi "vi">]>\n'
        '<tmx><body><tu><tuv xml:lang="&vi;"><seg>a</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    with pytest.raises(
        DataError, match=rf"^{re.escape(str(path))}: line 3: the DOCTYPE declares entity 'vi'"
    ):
        list(read_path(get_format("tmx"), path))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            f"a\tb\td:{'1' * 5000}:1",
            "line 2: the para of column 'id' must be a whole number from 0",
        ),
        (f"a\tb\td:1:{2**63}", "line 2: the sent of column 'id' must be a whole number from 0"),
    ],
)
def test_regression_tsv_positions(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "c.tsv"
    path.write_text(f"vi\ten\tid\n{row}\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(message)):
        list(read_path(get_format("tsv"), path))
    assert isinstance(import_checked(tmp_path, path, "tsv"), DataError)
