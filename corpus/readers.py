"""Readers: turn the user's sources (files, directories, globs, stdin) into ``RawDocument``s.

Why a module of its own: reading is where real-world input goes wrong (legacy Vietnamese
encodings, binary files, scraped HTML, broken JSONL lines), and every such problem must be
reported with the file it came from and what to do, without stopping the rest of the run.
So ``read_sources`` yields a ``ReadFailure`` for each bad document and carries on; the caller
processes everything else and exits 65 at the end.

The text of a ``RawDocument`` is kept exactly as decoded (``\\r\\n`` and all): segment offsets
point into it, and the cleaner does every normalization itself, recording its edits. The one
exception is Windows-1258, which writes tone marks as combining characters: it is decoded and
then composed (NFC), since that is what decoding a Vietnamese legacy file means.

Document ids are stable: the store keys translations and human review decisions by them, so an
id may depend only on the document itself and the argument it was found under, never on sort
order or on what other files exist.

- A file found under a directory argument: its path relative to that argument, with POSIX
  separators and its suffix (``scrape/`` -> ``2024-05-01/index.html``; ``a.txt`` and ``a.html``
  are two ids). A file named as an argument: its file name (``article.txt``). A file matched by
  a glob: its path relative to the glob's fixed prefix, the directories before the first
  wildcard component (``scrape/*/index.html`` -> ``2024-05-01/index.html``).
- A JSONL record: its ``id`` field; without one, ``<file id>#<line>`` (``batch.jsonl#3``).
- Stdin: the caller's ``doc_id`` (``--doc-id``), else ``stdin-`` + the first 12 hex digits of
  the SHA-256 of its bytes, so the same input gets the same id in every run.

The same file reached twice (two arguments, a symlink) is read once. Two different documents
with one id are an error naming both, never silently renamed.

HTML: trafilatura keeps only the article's body container, so on all four news layouts of
``benchmarks/html_extraction.py`` (VnExpress-, Tuổi Trẻ-, Thanh Niên-, ministry-portal-like),
with every option set, it lost the ``<h1>`` headline and the lead paragraph above the body.
``favor_precision`` is used (it also dropped an in-body related box, at no loss of body text;
the default and recall settings only when it finds nothing), tables stay out, and the headline
and lead are found in the page and put back in front unless trafilatura kept them
(``extract_html_page``). The page's title, canonical URL and publication date, and a JSONL
record's fields other than ``id`` and ``text``, are the document's ``meta``.

Decoding is strict by default: one bad byte refuses the file. ``decode_errors="replace"`` keeps
a file that is clearly UTF-8 apart from a few bad bytes (each becomes U+FFFD, counted in a
warning and listed in ``RawDocument.replaced`` so that the pipeline flags the segments holding
one ``decode-error``); legacy 8-bit files still go to the Windows-1258 and charset-normalizer
guesses, which stay strict.
"""

from __future__ import annotations

import bisect
import codecs
import glob
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Literal

from corpus.errors import ConfigError, DataError
from corpus.model import RawDocument

if TYPE_CHECKING:
    from configparser import ConfigParser

    from lxml.etree import _Element

Format = Literal["text", "html", "jsonl"]

#: Suffixes a directory is searched for (recursively), and the format each one means.
SUFFIX_FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
#: Accepted values of ``fmt`` (the CLI's ``--format`` for input), with their canonical name.
FORMAT_NAMES: dict[str, Format] = {
    "text": "text",
    "txt": "text",
    "html": "html",
    "htm": "html",
    "jsonl": "jsonl",
}
STDIN = "-"

# Share of control / private-use / unassigned characters above which decoded text is binary.
_MAX_JUNK_SHARE = 0.05
_JUNK = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
# A lone surrogate is no character, and UTF-8 output cannot hold it (JSON "\ud800" escapes and
# codecs such as unicode_escape produce one).
_SURROGATE = re.compile("[\ud800-\udfff]")
# Either of the two above: one scan of a clean text instead of two (a 142 MB file: 0.3 s less).
_JUNK_OR_SURROGATE = re.compile(_JUNK.pattern[:-1] + "\ud800-\udfff]")
# Letters only Vietnamese uses among the Latin scripts cp1258 could be confused with (cp1252
# French or German text decodes as cp1258 almost unchanged), and the five combining tone marks
# cp1258 writes after a vowel.
_VIETNAMESE_ONLY = re.compile(r"[ăđơưĂĐƠƯ]")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_TONE_AFTER = re.compile(f"(.)[{_TONE_MARKS}]", re.DOTALL)
_VOWELS = frozenset("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
_WORD = re.compile(r"[^\W\d_]+")
_CLOSERS = "\"'”’»)]}›"
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|article|div|p)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class ReadFailure:
    """A document that could not be read; the run goes on and exits 65 at the end."""

    source: str
    error: DataError

    @property
    def message(self) -> str:
        return str(self.error)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path left out because the caller excluded it (``read_sources(exclude=...)``)."""

    path: str  # as found: the argument, a glob match, or a file or folder under an argument
    excluded: str  # the entry of ``exclude`` it matched, as the caller gave it

    @property
    def message(self) -> str:
        if os.path.realpath(self.path) == os.path.realpath(self.excluded):
            return f"not reading '{self.path}': it is excluded from the input"
        return f"not reading '{self.path}': it is inside '{self.excluded}', which is excluded"


@dataclass(frozen=True, slots=True)
class _Input:
    path: str  # as found (``-`` for stdin)
    doc_id: str | None  # the document id (None for stdin without ``doc_id``: from its bytes)


def read_sources(
    sources: Sequence[str],
    *,
    encoding: str | None = None,
    stdin: BinaryIO | None = None,
    fmt: str | None = None,
    doc_id: str | None = None,
    exclude: Iterable[str] = (),
    on_skip: Callable[[Skipped], None] | None = None,
    decode_errors: DecodeErrors = "strict",
) -> Iterator[RawDocument | ReadFailure]:
    """Yield every document of ``sources``: arguments in the order given, each directory in
    sorted path order; ``RawDocument.order`` numbers the documents 0, 1, 2 ... as yielded.

    Each source is a file, a directory (searched recursively for ``*.txt``, ``*.html``,
    ``*.htm``, ``*.jsonl``; hidden entries skipped), a glob pattern, or ``-`` for stdin. All
    sources are expanded before the first document is read, so a source that matches nothing
    raises ``ConfigError`` before any output. A file reached twice is read once (the first
    time). Paths in ``exclude`` (files or directories, compared as resolved real paths) are
    never read; each one met is passed to ``on_skip``.

    ``encoding`` is the fallback for input that is not valid UTF-8 (valid UTF-8 is always read
    as UTF-8). ``fmt`` (``text``, ``html``, ``jsonl``) overrides the format for every input;
    without it the suffix decides, and stdin or an unknown suffix is sniffed. ``doc_id`` names
    the stdin document (see the module docstring for every id rule). ``decode_errors``
    (``strict``, ``replace``) says what a few undecodable bytes do: refuse the file, or become
    U+FFFD with a warning and ``RawDocument.replaced`` (see ``decode_bytes``).

    HTML metadata (title, canonical url, publication date) and the fields of a JSONL record
    other than ``id`` and ``text`` go to ``RawDocument.meta``.

    Two different files with one id raise ``DataError`` before anything is read; a document
    read later whose id is already taken (a JSONL record, stdin) is a ``ReadFailure`` naming
    both sources.
    """
    if encoding is not None:
        encoding = _check_encoding(encoding)
    forced = _check_format(fmt)
    errors = _check_decode_errors(decode_errors)
    inputs = _expand(sources, _check_doc_id(doc_id, sources), _Excluder(exclude), on_skip)
    owners: dict[str, str] = {}  # id -> source of the document that has it
    order = 0
    for inp in inputs:
        for item in _read_one(inp, encoding=encoding, stdin=stdin, forced=forced, errors=errors):
            if isinstance(item, RawDocument):
                if item.id in owners:
                    item = ReadFailure(item.source, _duplicate(item.id, owners[item.id], item))
                else:
                    owners[item.id] = item.source
                    item.order = order
                    order += 1
            yield item


def _duplicate(doc_id: str, first: str, doc: RawDocument) -> DataError:
    return DataError(
        f"id '{doc_id}' of '{_shown(doc.source)}' is already the id of '{_shown(first)}'; "
        'give every document its own id (JSONL "id" fields, --doc-id for stdin)'
    )


def _shown(source: str) -> str:
    """``-`` and ``-#3`` (stdin and its JSONL records) as ``<stdin>`` and ``<stdin>#3``."""
    if source == STDIN or source.startswith(STDIN + "#"):
        return "<stdin>" + source[1:]
    return source


def _check_doc_id(doc_id: str | None, sources: Sequence[str]) -> str | None:
    if doc_id is None:
        return None
    if not doc_id.strip() or doc_id != doc_id.strip() or _SURROGATE.search(doc_id):
        raise ConfigError(
            f"--doc-id {doc_id!r} is not a usable id; give a non-empty name without leading "
            "or trailing spaces"
        )
    if STDIN not in sources:
        raise ConfigError(
            f"--doc-id '{doc_id}' names the stdin document, but '-' (stdin) is not among the "
            "inputs; add '-' or leave --doc-id out"
        )
    return doc_id


# --- source expansion ------------------------------------------------------------------------


class _Excluder:
    """Resolved real paths never to read; ``match`` says which entry covers a path."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.entries = [(os.path.realpath(p), p) for p in paths]

    def match(self, path: str) -> str | None:
        if not self.entries:
            return None
        real = os.path.realpath(path)
        for root, given in self.entries:
            if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
                return given
        return None


def _expand(
    sources: Sequence[str],
    doc_id: str | None,
    excluder: _Excluder,
    on_skip: Callable[[Skipped], None] | None,
) -> list[_Input]:
    """Expand sources into inputs with their ids, deduplicated, in argument order."""
    if not sources:
        raise ConfigError("no input given: name files, directories, glob patterns, or - for stdin")
    out: list[_Input] = []
    seen: set[str] = set()
    owners: dict[str, str] = {} if doc_id is None else {doc_id: STDIN}

    def add(path: str, base: str) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        if rel in owners:
            first = "<stdin> (--doc-id)" if owners[rel] == STDIN else owners[rel]
            raise DataError(
                f"'{path}' and '{first}' both have the id '{rel}' (a file's id is its path "
                "relative to the argument it was found under); name their common parent "
                "directory instead, or rename one of them"
            )
        owners[rel] = path
        out.append(_Input(path, rel))

    stdin_given = False
    for source in sources:
        if source == STDIN:
            if stdin_given:
                raise ConfigError("'-' (stdin) is given twice; stdin can be read only once")
            stdin_given = True
            out.append(_Input(STDIN, doc_id))
            continue
        skipped: list[Skipped] = []
        if os.path.isdir(source):
            files = _walk(source, source, excluder, skipped)
            nothing = (
                f"directory '{source}' holds no {_suffix_list()} files; "
                "name the files directly or use a glob pattern"
            )
        elif os.path.isfile(source):
            files = _files_of(source, os.path.dirname(source), excluder, skipped)
            nothing = ""
        elif glob.has_magic(source):
            base = _glob_base(source)
            files = []
            matches = glob.glob(source, recursive=True)
            for m in sorted(matches, key=lambda m: os.path.relpath(m, base).split(os.sep)):
                if os.path.isdir(m):
                    files.extend(_walk(m, base, excluder, skipped))
                elif os.path.isfile(m):
                    files.extend(_files_of(m, base, excluder, skipped))
            nothing = (
                f"glob pattern '{source}' matches no files; check the pattern "
                "(quote it so the shell does not expand it)"
            )
        elif os.path.exists(source):
            raise ConfigError(f"'{source}' is neither a file nor a directory; name a file")
        else:
            raise ConfigError(f"no such file or directory: '{source}'; check the path")
        if not files:
            if skipped:
                names = ", ".join(sorted({f"'{s.excluded}'" for s in skipped}))
                raise ConfigError(
                    f"'{source}' names no {_suffix_list()} files outside the excluded paths "
                    f"({names}); name other inputs"
                )
            raise ConfigError(nothing)
        if on_skip is not None:
            for s in skipped:
                on_skip(s)
        for path, base in files:
            add(path, base)
    return out


def _files_of(
    path: str, base: str, excluder: _Excluder, skipped: list[Skipped]
) -> list[tuple[str, str]]:
    """``[(path, base)]`` for one named file, or ``[]`` (and a note) when it is excluded."""
    if (by := excluder.match(path)) is not None:
        skipped.append(Skipped(path, by))
        return []
    return [(path, base or os.curdir)]


def _glob_base(pattern: str) -> str:
    """The directory part of a glob before its first wildcard component (ids are relative to
    it): ``scrape/*/index.html`` -> ``scrape``, ``*.txt`` -> ``.``."""
    parts = pattern.replace(os.sep, "/").split("/")
    fixed: list[str] = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        fixed.append(part)
    if not fixed:
        return os.curdir
    return "/".join(fixed) or "/"


def _walk(
    directory: str, base: str, excluder: _Excluder, skipped: list[Skipped]
) -> list[tuple[str, str]]:
    """``[(path, base)]`` for the files of known suffix under ``directory``, in sorted path
    order (component by component: ``a/x`` before ``a-b/x``); hidden files and folders and
    excluded paths skipped (an excluded folder is not entered)."""
    if (by := excluder.match(directory)) is not None:
        skipped.append(Skipped(directory, by))
        return []
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            sub = os.path.join(root, d)
            # os.walk does not enter linked folders: no note for them
            if not os.path.islink(sub) and (by := excluder.match(sub)) is not None:
                skipped.append(Skipped(sub, by))
                continue
            kept.append(d)
        dirs[:] = kept
        for name in files:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in SUFFIX_FORMATS:
                path = os.path.join(root, name)
                if (by := excluder.match(path)) is not None:
                    skipped.append(Skipped(path, by))
                    continue
                found.append(path)
    found.sort(key=lambda p: os.path.relpath(p, directory).split(os.sep))
    return [(p, base) for p in found]


def _suffix_list() -> str:
    return "/".join(f"*{s}" for s in SUFFIX_FORMATS)


def _check_encoding(encoding: str) -> str:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"unknown encoding '{encoding}' for --encoding; use a Python codec name "
            "such as cp1258, utf-16 or latin-1"
        ) from None
    # bytes-to-bytes and str-to-str codecs (base64, zlib, rot13): bytes.decode refuses them.
    if not getattr(info, "_is_text_encoding", True):
        raise ConfigError(
            f"'{encoding}' given by --encoding is not a text encoding; use a Python codec name "
            "such as cp1258, utf-16 or latin-1"
        )
    return info.name


def _check_format(fmt: str | None) -> Format | None:
    if fmt is None:
        return None
    try:
        return FORMAT_NAMES[fmt.lower()]
    except KeyError:
        raise ConfigError(f"unknown input format '{fmt}'; use one of: text, html, jsonl") from None


# --- one input -------------------------------------------------------------------------------


def _read_one(
    inp: _Input,
    *,
    encoding: str | None,
    stdin: BinaryIO | None,
    forced: Format | None,
    errors: DecodeErrors,
) -> Iterator[RawDocument | ReadFailure]:
    path = inp.path
    name = "<stdin>" if path == STDIN else path
    try:
        big = _read_big_utf8(path) if path != STDIN else None
        if big is not None:  # a big valid UTF-8 file: decoded as read, its bytes never held
            data = b""
            decoded = _Decoded(_checked(big[0], name, "utf-8"), big[1], [])
            del big
        else:
            data = _read_bytes(path, stdin)
            decoded = _decode(data, name, encoding, errors)
    except DataError as err:
        yield ReadFailure(path, err)
        return
    doc_id = inp.doc_id
    if doc_id is None:  # stdin without --doc-id: the content names it
        doc_id = f"stdin-{hashlib.sha256(data).hexdigest()[:12]}"
    del data  # not held while the document is used: a big file's bytes are its size again
    text = decoded.text
    fmt = forced or SUFFIX_FORMATS.get(os.path.splitext(path)[1].lower()) or sniff_format(text)
    if fmt == "jsonl":
        yield from _read_jsonl(decoded, path, name, doc_id)
        return
    meta: dict[str, str] = {}
    replaced = decoded.replaced
    try:
        if fmt == "html":
            page = extract_html_page(text, name)
            text, meta = page.text, page.meta
            # trafilatura keeps no offsets: every U+FFFD of the extracted text is taken for one
            # of decoding (a literal U+FFFD in a page that also has bad bytes is flagged too).
            if replaced:
                replaced = _fffd_positions(text)
        elif not text or text.isspace():
            raise DataError(f"'{name}' is empty (only whitespace); remove it from the input")
    except DataError as err:
        yield ReadFailure(path, err)
        return
    yield RawDocument(
        id=doc_id,
        source=path,
        text=text,
        encoding=decoded.codec,
        warnings=decoded.full_warnings(name),
        meta=meta,
        replaced=replaced,
    )


def _fffd_positions(text: str) -> tuple[int, ...]:
    return tuple(m.start() for m in _FFFD.finditer(text))


#: Files larger than this (bytes) are first tried as UTF-8 decoded piece by piece.
BIG_FILE = 32 << 20
_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def _read_big_utf8(path: str) -> tuple[str, str] | None:
    """(text, codec) of a file over ``BIG_FILE`` bytes that is valid UTF-8 without NUL bytes
    (what ``_decode`` decodes as UTF-8), decoded 4 MB at a time so that its bytes are never
    held whole next to its text (a 142 MB file: 430 MB at most instead of 570); None for a
    small file or any other case, which takes the general path."""
    try:
        if os.path.getsize(path) <= BIG_FILE:
            return None
        decoder = codecs.getincrementaldecoder("utf-8")()
        pieces = []
        with open(path, "rb") as fh:
            chunk = fh.read(1 << 22)
            if chunk.startswith(_UTF16_32_BOMS):
                return None
            codec = "utf-8"
            if chunk.startswith(codecs.BOM_UTF8):
                chunk, codec = chunk[3:], "utf-8-sig"
            while chunk:
                if b"\x00" in chunk:
                    return None
                pieces.append(decoder.decode(chunk))
                chunk = fh.read(1 << 22)
            pieces.append(decoder.decode(b"", final=True))
    except (OSError, UnicodeDecodeError):
        return None
    return "".join(pieces), codec


def _read_bytes(path: str, stdin: BinaryIO | None) -> bytes:
    if path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise DataError(
            f"cannot read '{path}': {err.strerror or err}; check that it exists and is readable"
        ) from err


def sniff_format(text: str) -> Format:
    """Guess the format of text without a telling suffix (stdin, unknown suffix).

    JSONL if every non-blank line starts like a JSON object (``{``) and at least one parses as
    one (so a broken record is still reported as a bad JSONL line, not read as prose); HTML if
    it starts like an HTML document or fragment; else plain text.
    """
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if lines and all(ln.startswith("{") for ln in lines):
        for ln in lines:
            try:
                if isinstance(json.loads(ln), dict):
                    return "jsonl"
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                continue
    if _HTML_START.match(text[:65536]):
        return "html"
    return "text"


# --- decoding --------------------------------------------------------------------------------


DecodeErrors = Literal["strict", "replace"]
DECODE_ERRORS: tuple[DecodeErrors, ...] = ("strict", "replace")

#: With ``decode_errors="replace"``, UTF-8 is "clearly the encoding" of bytes that are not valid
#: UTF-8 when their valid non-ASCII UTF-8 characters outnumber the invalid bytes this many times.
#: Legacy 8-bit text (cp1258, cp1252, cp1251) almost never forms valid multi-byte sequences, so
#: it falls far below this and still goes to the Windows-1258 and charset-normalizer guesses.
UTF8_MIN_VALID_PER_BAD = 4
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte surrogateescape could not decode
_ASCII_BYTES = bytes(range(0x80))
_FFFD = re.compile("\ufffd")


@dataclass(frozen=True, slots=True)
class _Decoded:
    text: str
    codec: str
    warnings: list[str]
    replaced: tuple[int, ...] = ()  # offsets of the U+FFFD put in by lenient decoding

    def full_warnings(self, name: str) -> list[str]:
        """The warnings, with how many bytes were replaced when some were."""
        if not self.replaced:
            return list(self.warnings)
        return [*self.warnings, _replaced_warning(f"'{name}'", len(self.replaced))]


def decode_bytes(
    data: bytes,
    name: str,
    encoding: str | None = None,
    decode_errors: DecodeErrors = "strict",
) -> tuple[str, str, list[str]]:
    """Decode a file's bytes; return ``(text, encoding used, warnings)``.

    Order: a UTF-32/UTF-16 BOM decides; NUL bytes mean binary (unless ``encoding`` is given,
    e.g. ``utf-16`` without a BOM); valid UTF-8 (BOM stripped) is UTF-8; otherwise ``encoding``
    if given; otherwise Windows-1258 when the result is plausibly Vietnamese; otherwise
    charset-normalizer's guess. A guessed encoding is reported as a warning, since a wrong
    guess silently corrupts the corpus.

    ``decode_errors="replace"`` keeps a file with a few bad bytes instead of refusing it: bytes
    that are clearly UTF-8 apart from a few invalid bytes (see ``UTF8_MIN_VALID_PER_BAD``) are
    decoded as UTF-8 before any guess, and an ``encoding`` the bytes do not fit is applied
    anyway; each bad byte becomes one U+FFFD and a warning says how many there are. The
    guesses (Windows-1258, charset-normalizer) stay strict: a guess that needs replacing is a
    wrong guess.
    """
    decoded = _decode(data, name, encoding, _check_decode_errors(decode_errors))
    return decoded.text, decoded.codec, decoded.full_warnings(name)


def _check_decode_errors(value: str) -> DecodeErrors:
    if value == "strict":
        return "strict"
    if value == "replace":
        return "replace"
    raise ConfigError(f"unknown --decode-errors '{value}'; use 'strict' or 'replace'")


def _replaced_warning(where: str, bad: int) -> str:
    """The warning of a document with ``bad`` bytes replaced; ``where`` is the quoted name."""
    noun, them = ("byte", "it") if bad == 1 else ("bytes", "them")
    return (
        f"{where}: {bad} {noun} could not be decoded (replaced with U+FFFD); the segments "
        f"holding {them} are flagged decode-error"
    )


def _decode(data: bytes, name: str, encoding: str | None, errors: DecodeErrors) -> _Decoded:
    if not data or data.isspace():  # not data.strip(): no copy of a big file
        raise DataError(f"'{name}' is empty (only whitespace); remove it from the input")
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _Decoded(_checked(data.decode(codec), name, codec), codec, [])
            except UnicodeDecodeError:
                break  # a BOM-like start by chance; let the other checks decide
    if b"\x00" in data and encoding is None:
        raise DataError(
            f"'{name}' is a binary file (it contains NUL bytes); remove it from the input "
            "(if it is UTF-16 text without a byte-order mark, pass --encoding utf-16)"
        )
    bad_utf8: int | None = None  # invalid UTF-8 bytes, when counted
    if b"\x00" not in data:
        body, codec = (
            (data[3:], "utf-8-sig") if data.startswith(codecs.BOM_UTF8) else (data, "utf-8")
        )
        try:
            return _Decoded(_checked(body.decode("utf-8"), name, "utf-8"), codec, [])
        except UnicodeDecodeError:
            pass
        if errors == "replace":
            lenient = _lenient_utf8(body, name)
            if lenient is not None:
                return _Decoded(lenient[0], codec, [], lenient[1])
            bad_utf8 = len(_ESCAPED.findall(body.decode("utf-8", "surrogateescape")))
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeError as err:  # punycode and idna raise a plain UnicodeError
            if errors == "replace" and isinstance(err, UnicodeDecodeError):
                return _replaced_with(data, name, encoding)
            if isinstance(err, UnicodeDecodeError) and err.start < len(data):
                bad = f"byte 0x{data[err.start]:02x} at offset {err.start} is invalid"
            else:
                bad = str(err)
            raise DataError(
                f"cannot decode '{name}' as {encoding} (given by --encoding): {bad}; pass the "
                "file's real encoding with --encoding, or convert the file to UTF-8"
            ) from None
        if encoding == "cp1258":
            text = unicodedata.normalize("NFC", text)
        return _Decoded(_checked(text, name, encoding), encoding, [])
    text_1258 = _try_cp1258(data)
    if text_1258 is not None:
        return _Decoded(text_1258, "cp1258", [_guess_warning(name, "cp1258")])
    guessed = _detect(data)
    if guessed is not None:
        text, codec = guessed
        return _Decoded(_checked(text, name, codec), codec, [_guess_warning(name, codec)])
    if bad_utf8 is not None:
        raise DataError(
            f"cannot decode '{name}': {bad_utf8} of its bytes are not UTF-8, too many for "
            "--decode-errors replace (which keeps text that is clearly UTF-8 apart from a few "
            "bad bytes), it is not Windows-1258 Vietnamese, and no other encoding could be "
            "detected; pass its encoding with --encoding (e.g. --encoding cp1258) or convert "
            "the file to UTF-8"
        )
    raise DataError(
        f"cannot decode '{name}': it is not UTF-8, not Windows-1258 Vietnamese, and no other "
        "encoding could be detected; pass its encoding with --encoding (e.g. --encoding cp1258) "
        "or convert the file to UTF-8"
    )


def _lenient_utf8(data: bytes, name: str) -> tuple[str, tuple[int, ...]] | None:
    """UTF-8 with each invalid byte as U+FFFD, and where they are; None unless the bytes are
    clearly UTF-8 (valid multi-byte characters outnumber bad bytes ``UTF8_MIN_VALID_PER_BAD``
    times): a legacy 8-bit file must go on to the encoding guesses instead."""
    escaped = data.decode("utf-8", "surrogateescape")
    positions = tuple(m.start() for m in _ESCAPED.finditer(escaped))
    # every ASCII byte decodes to one character, so the rest are the non-ASCII characters
    non_ascii = len(escaped) - (len(data) - len(data.translate(None, _ASCII_BYTES)))
    valid = non_ascii - len(positions)
    if not positions or valid < UTF8_MIN_VALID_PER_BAD * len(positions):
        return None
    return _checked(_ESCAPED.sub("\ufffd", escaped), name, "utf-8"), positions


def _replaced_with(data: bytes, name: str, encoding: str) -> _Decoded:
    """``data`` in the ``encoding`` given by the user, each byte it cannot decode as U+FFFD."""
    escaped = data.decode(encoding, "surrogateescape")
    if encoding == "cp1258":
        escaped = unicodedata.normalize("NFC", escaped)
    positions = tuple(m.start() for m in _ESCAPED.finditer(escaped))
    text = _checked(_ESCAPED.sub("\ufffd", escaped), name, encoding)
    return _Decoded(text, encoding, [], positions)


def _guess_warning(name: str, codec: str) -> str:
    return f"decoded '{name}' as {codec} (not UTF-8); pass --encoding to choose another"


def _checked(text: str, name: str, codec: str) -> str:
    """Refuse decoded text that is mostly control characters (a binary file that decoded)."""
    if not text or text.isspace():
        raise DataError(f"'{name}' is empty (only whitespace); remove it from the input")
    if not _JUNK_OR_SURROGATE.search(text):
        return text
    junk = len(_JUNK.findall(text))
    if junk and junk > _MAX_JUNK_SHARE * len(text):
        raise DataError(
            f"'{name}' is a binary file ({junk} of its {len(text)} characters decoded as "
            f"{codec} are control or invalid characters); remove it from the input"
        )
    if m := _SURROGATE.search(text):
        raise DataError(
            f"'{name}' decoded as {codec} holds a lone surrogate (U+{ord(m[0]):04X}) at "
            f"character {m.start()}, which is no character; pass the file's real encoding with "
            "--encoding, or convert the file to UTF-8"
        )
    return text


def _try_cp1258(data: bytes) -> str | None:
    """Decode as Windows-1258 + NFC, but only if the result reads as Vietnamese.

    In real cp1258 Vietnamese every combining tone mark follows a vowel and many syllables
    carry one; bytes of other codepages (cp1251 Russian, cp1252 French) put the same byte
    values after consonants, or produce no marks and no Vietnamese-only letters at all.
    """
    try:
        raw = data.decode("cp1258")
    except UnicodeDecodeError:
        return None
    if _JUNK.search(raw):  # C1 controls: cp1252-family text would not have them
        return None
    bases = _TONE_AFTER.findall(raw)
    if any(base not in _VOWELS for base in bases):
        return None
    words = _WORD.findall(raw)
    if not words:
        return None
    special = sum(1 for w in words if _VIETNAMESE_ONLY.search(w))
    # Vietnamese prose has a tone mark or such a letter in most syllables.
    if len(bases) + special < 0.2 * len(words):
        return None
    return unicodedata.normalize("NFC", raw)


def _detect(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best guess, decoded strictly, or None."""
    from charset_normalizer import from_bytes  # import only when needed: it is slowish

    best = from_bytes(data).best()
    if best is None:
        return None
    codec = codecs.lookup(best.encoding).name
    try:
        return data.decode(codec), codec
    except (UnicodeError, LookupError):
        return None


# --- HTML ------------------------------------------------------------------------------------

_TRAFILATURA_CONFIG: ConfigParser | None = None


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """What a page gives the corpus: its text (one paragraph per line) and its metadata."""

    text: str
    meta: dict[str, str]
    added: tuple[str, ...] = ()  # headline and lead lines put back before trafilatura's text


#: trafilatura's passes as (favor_precision, favor_recall), in order: the first that finds text
#: wins (``benchmarks/html_extraction.py`` has the measurements behind them).
_PASSES: tuple[tuple[bool, bool], ...] = ((True, False), (False, False), (False, True))
#: Metadata keys taken from trafilatura (its names), in the order they are stored.
HTML_META = ("title", "url", "date")

_SKIP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "button", "select")
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# class / id / data-role / itemprop of the lead paragraph on Vietnamese and other news sites:
# sapo (Tuổi Trẻ, Thanh Niên, Dân Trí...), description (VnExpress), news-summary (portals)...
_LEAD_HINT = re.compile(
    r"sapo|lead|desc|summary|chapeau|chapo|excerpt|intro|abstract|standfirst|teaser|tomtat",
    re.IGNORECASE,
)
_LEAD_ATTRS = ("class", "id", "data-role", "itemprop")
#: A lead without a telling class name must look like prose: this many words, a final stop.
LEAD_MIN_WORDS = 15
_LEAD_HINTED_MIN_WORDS = 8
#: Blocks looked at after the headline when trafilatura's first line is not found in the page.
_LEAD_WINDOW = 30


def extract_html(html: str, name: str) -> str:
    """The main text of an HTML page, one paragraph per line (``extract_html_page(...).text``)."""
    return extract_html_page(html, name).text


def extract_html_page(html: str, name: str) -> HtmlPage:
    """The main text of an HTML page, headline and lead first, and the page's metadata.

    trafilatura finds the article body (navigation, comments, scripts, styles and tables are
    left out: tables come out as ``| a | b |`` rows, which are no sentences to translate),
    precision first, then with its default and recall settings for pages where that finds
    nothing. trafilatura keeps only the body container, so the headline (``<h1>``) and the lead
    paragraph (``h2.detail-sapo``, ``p.description``...) of a news page, which stand above it,
    would be lost: they are found in the page (the ``<h1>``, or the element whose text is the
    page title; then the lead-like blocks between it and the first body line) and put back in
    front, unless the text already holds them. The title, canonical URL and publication date
    go to ``meta``. The returned text is the document text: segment offsets point into it, not
    into the HTML.
    """
    import trafilatura  # heavy; imported only when HTML is read

    config = _trafilatura_config()
    body = ""
    for precision, recall in _PASSES:
        text = trafilatura.extract(
            html,
            output_format="txt",
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_formatting=False,
            deduplicate=False,
            config=config,
            favor_precision=precision,
            favor_recall=recall,
        )
        if text and text.strip():
            body = text
            break
    meta = html_metadata(html)
    added = _page_top(html, meta.get("title"), body)
    if not body.strip() and not added:
        raise DataError(
            f"no main text found in '{name}' (HTML); check that the page holds an article, "
            "or convert it to plain text and read it as .txt"
        )
    return HtmlPage("\n".join((*added, body)) if body else "\n".join(added), meta, added)


def html_metadata(html: str) -> dict[str, str]:
    """Title, canonical URL and publication date (``YYYY-MM-DD``) of a page, those found.

    The date comes from the page's markup only (meta tags, JSON-LD, ``<time>``): htmldate's
    extensive search would also guess one from the text, e.g. 2022-01-01 from a footer's
    "© 2022", and a wrong date is worse than none.
    """
    from trafilatura import extract_metadata

    found = extract_metadata(html, extensive=False)
    meta: dict[str, str] = {}
    for key in HTML_META:
        value = getattr(found, key, None)
        if isinstance(value, str) and value.strip():
            meta[key] = " ".join(value.split())
    return meta


def _flat(text: str) -> str:
    return " ".join(text.split())


def _page_top(html: str, title: str | None, body: str) -> tuple[str, ...]:
    """The headline and lead lines trafilatura left out of ``body``, in page order."""
    from lxml import etree
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return ()
    etree.strip_elements(tree, *_SKIP_TAGS, etree.Comment, with_tail=False)
    containers: set[_Element] = set()
    blocks: list[_Element] = []
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            blocks.append(el)
            parent = el.getparent()
            while parent is not None and parent not in containers:
                containers.add(parent)
                parent = parent.getparent()
    leaves = [(el, _flat(el.text_content())) for el in blocks if el not in containers]
    leaves = [(el, text) for el, text in leaves if text]

    body_lines = [_flat(line) for line in body.split("\n")]
    body_lines = [line for line in body_lines if line]
    line_set = set(body_lines)
    flat_body = " ".join(body_lines)

    start = None
    for i, (el, text) in enumerate(leaves):
        if el.tag == "h1" or (title is not None and text == _flat(title)):
            start = i
            break
    added: list[str] = []
    if start is None:
        return ()
    headline = leaves[start][1]
    if headline not in line_set:
        added.append(headline)
    for el, text in leaves[start + 1 : start + 1 + _LEAD_WINDOW]:
        if text in line_set:
            break  # the body starts
        if text in flat_body or not _is_lead(el, text):
            continue
        added.append(text)
    return tuple(added)


def _is_lead(el: _Element, text: str) -> bool:
    """Whether a block between the headline and the body is a lead paragraph: hinted by its
    (or its parent's) class name and a few words long, or prose by itself; never mostly links,
    never inside a figure (captions)."""
    words = len(text.split())
    link_chars = sum(len(_flat(a.text_content())) for a in el.iter("a"))
    if link_chars > 0.5 * len(text):
        return False
    node: _Element | None = el
    hinted = False
    for depth in range(4):
        if node is None:
            break
        if isinstance(node.tag, str) and node.tag in ("figure", "figcaption"):
            return False
        if depth < 2 and any(_LEAD_HINT.search(node.get(attr) or "") for attr in _LEAD_ATTRS):
            hinted = True
        node = node.getparent()
    if hinted:
        return words >= _LEAD_HINTED_MIN_WORDS
    return words >= LEAD_MIN_WORDS and text.rstrip(_CLOSERS)[-1:] in ".?!…"


def _trafilatura_config() -> ConfigParser:
    global _TRAFILATURA_CONFIG
    if _TRAFILATURA_CONFIG is None:
        from trafilatura.settings import use_config

        config = use_config()
        # We read the file ourselves; trafilatura's own size cap would say "no text" instead.
        config.set("DEFAULT", "MAX_FILE_SIZE", str(1 << 30))
        _TRAFILATURA_CONFIG = config
    return _TRAFILATURA_CONFIG


# --- JSONL -----------------------------------------------------------------------------------


def _read_jsonl(
    decoded: _Decoded, path: str, name: str, file_id: str
) -> Iterator[RawDocument | ReadFailure]:
    """One document per non-blank line ``{"id": ..., "text": ...}``; bad lines fail alone.

    Bytes replaced by lenient decoding are counted per record (its own warning); since JSON
    unescaping moves offsets, every U+FFFD of a record that had some is taken for one of them.
    """
    records = 0
    offset = 0
    for lineno, raw in enumerate(decoded.text.split("\n"), start=1):
        line_start, offset = offset, offset + len(raw) + 1
        line = raw.strip()
        if not line:
            continue
        records += 1
        where = f"{path}#{lineno}"
        try:
            doc_id, doc_text, meta = _parse_record(line, name, lineno, file_id)
        except DataError as err:
            yield ReadFailure(where, err)
            continue
        warnings = list(decoded.warnings)
        replaced: tuple[int, ...] = ()
        if decoded.replaced:
            lo = bisect.bisect_left(decoded.replaced, line_start)
            bad = bisect.bisect_left(decoded.replaced, line_start + len(raw)) - lo
            if bad:
                warnings.append(_replaced_warning(f"'{name}' line {lineno}", bad))
                replaced = _fffd_positions(doc_text)
        yield RawDocument(
            id=doc_id,
            source=where,
            text=doc_text,
            encoding=decoded.codec,
            warnings=warnings,
            meta=meta,
            replaced=replaced,
        )
    if records == 0:
        yield ReadFailure(
            path, DataError(f"'{name}' is empty (only whitespace); remove it from the input")
        )


def _record_meta(record: dict[str, object], at: str) -> dict[str, str]:
    """The fields of a record other than ``id`` and ``text`` as strings: a string as it is, any
    other JSON value as compact JSON (``3``, ``true``, ``["a","b"]``); ``null`` is left out."""
    meta: dict[str, str] = {}
    for key, value in record.items():
        if key in ("id", "text") or value is None:
            continue
        shown = (
            value
            if isinstance(value, str)
            else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        )
        if _SURROGATE.search(key) or _SURROGATE.search(shown):
            raise DataError(
                f"{at}: field {json.dumps(key)} holds a lone surrogate, which is no character; "
                "write the character itself or a valid surrogate pair"
            )
        meta[key] = shown
    return meta


def _parse_record(
    line: str, name: str, lineno: int, file_id: str
) -> tuple[str, str, dict[str, str]]:
    at = f"'{name}' line {lineno}"
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as err:  # RecursionError: nested too deep
        reason = "nested too deep" if isinstance(err, RecursionError) else str(err)
        raise DataError(
            f"{at} is not valid JSON ({reason}); fix the line so it reads "
            '{"id": "...", "text": "..."}'
        ) from None
    if not isinstance(record, dict):
        raise DataError(
            f"{at} is a JSON {type(record).__name__}, not an object; write it as "
            '{"id": "...", "text": "..."}'
        )
    if "text" not in record:
        raise DataError(f'{at} has no "text" field; add the document text as "text"')
    doc_text = record["text"]
    if not isinstance(doc_text, str):
        raise DataError(
            f'{at}: "text" is a {type(doc_text).__name__}, not a string; write the text as a '
            "JSON string"
        )
    if not doc_text.strip():
        raise DataError(f'{at}: "text" is empty; remove the line or give it text')
    if m := _SURROGATE.search(doc_text):
        raise DataError(
            f'{at}: "text" holds a lone surrogate \\u{ord(m[0]):04x} (at character '
            f"{m.start()}), which is no character; write the character itself or a valid "
            "surrogate pair"
        )
    meta = _record_meta(record, at)
    if "id" not in record or record["id"] is None:
        return f"{file_id}#{lineno}", doc_text, meta
    doc_id = record["id"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise DataError(
            f'{at}: "id" {json.dumps(doc_id)} is a {type(doc_id).__name__}; '
            "use a string or an integer"
        )
    doc_id = str(doc_id).strip()
    if not doc_id:
        raise DataError(f'{at}: "id" is empty; give a non-empty id or leave the field out')
    if _SURROGATE.search(doc_id):
        raise DataError(f'{at}: "id" holds a lone surrogate, which is no character; fix the id')
    return doc_id, doc_text, meta
