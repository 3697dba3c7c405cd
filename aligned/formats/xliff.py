"""XLIFF 1.2 and 2.0: the files CAT tools (OmegaT, Trados, memoQ, Okapi) exchange for post-editing.

Written files validate against the official OASIS schemas (``shared/schemas/xliff/``). Both
versions write one ``<file>`` per document (``original`` = the document id) and one unit per
pair, in the order given:

* **1.2** (``--format xliff``): ``<file source-language target-language datatype="plaintext">``
  (a new ``<file>`` also when the language pair changes), ``<trans-unit id resname
  xml:space="preserve">`` with ``<source>``, ``<target state>``, then ``<note from="songngu">``
  lines for the reader (flags and checks, score, signature) and a ``<context-group
  name="x-songngu-ID">`` holding the fields as ``<context context-type="x-FIELD">`` (``x-extra``:
  the extra data as a JSON object).
* **2.0** (``--format xliff2``): ``<xliff srcLang trgLang>`` (one language pair per file: a pair
  in other languages is a :class:`DataError`), ``<file id original>``, ``<unit id name
  xml:space="preserve">`` with an ``<mda:metadata>`` block (metaGroup ``songngu``: the fields;
  metaGroup ``extra``: one ``<mda:meta type="KEY">`` per extra entry), ``<notes>`` as above and
  one ``<segment state>`` with ``<source>``/``<target>``.

Ids: ``resname`` (1.2) / ``name`` (2.0) is the pair's id (:attr:`AlignedPair.id`, stable across
runs); ``id`` is the same id made an XML name token (characters other than ASCII letters,
digits, ``.`` and ``-`` written ``_HHHH_``, or ``_UHHHHHH_`` beyond U+FFFF; ``-N`` added to a
repeat within a file), as XLIFF 2.0 requires.

Review state: an unreviewed machine translation is ``state="needs-review-translation"`` with
``state-qualifier="leveraged-mt"`` (1.2) / ``state="initial"`` (2.0); a reviewed pair (accepted
or post-edited) is ``state="final"`` and ``approved="yes"`` (1.2) / ``state="final"`` (2.0). On
reading, 1.2 ``approved="yes"`` or ``state`` final/signed-off and 2.0 state reviewed/final mark
a pair reviewed. :func:`xliff_decisions` reads a file a CAT tool gave back as review decisions.

Characters XML 1.0 cannot hold (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF) are written
as ``<cp hex="..."/>`` in 2.0 texts (lossless, as 2.0 specifies); elsewhere, and in 1.2, they are
removed and counted in ``WriteStats.stripped_chars``. A carriage return is written ``&#13;``.
Language tags are written with ``-`` for ``_`` (``xs:language``); a tag that still is none
(``*all*``) is written ``und``.

The reader takes XLIFF 1.0-1.2 (any of their namespaces, or none) and 2.x: units with source and
target, languages from the file (1.2 ``source-language``/``target-language`` and ``xml:lang``,
2.0 ``srcLang``/``trgLang``; a file without a target language is taken to be in the reader's
``target_lang``). The file's source must be the reader's ``source_lang`` and its target the
``target_lang`` (matching: :mod:`.langs`); a file the other way round is read reversed, with
``extra["direction"]`` = ``TAG→TAG`` (the original direction). A unit without a target gives a
pair with an empty target (``songngu import`` skips and counts it); a unit marked
``translate="no"`` is not read (an empty 2.0 file holds one such); ``<alt-trans>`` candidates
are never targets; a 2.0 unit's segments are joined. Inline codes: :mod:`.inline`. Another
tool's unit attributes (``@NAME``) and notes (``note``) go to ``extra``. Like TMX, the reader
streams, never loads a DTD, resolves an entity or touches the network.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, ClassVar, TextIO

from lxml import etree

from aligned import __version__
from aligned.formats.base import ALL_FIELDS, Format, WriteStats, check_range
from aligned.formats.inline import local, seg_text
from aligned.formats.langs import ReadStats, matches, norm
from aligned.formats.tmx import put_extra
from aligned.pairs import AlignedPair
from corpus.errors import DataError

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
NS_MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9.\-]")
_TOKEN_ESCAPE = re.compile(r"_(?:U([0-9A-F]{6})|([0-9A-F]{4}))_")
_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_FIELDS = ("doc", "para", "sent", "start", "end", "flags", "signature", "score")


def name_token(text: str) -> str:
    """``text`` as an XML name token (see the module docstring); never empty."""

    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        return f"_{c:04X}_" if c <= 0xFFFF else f"_U{c:06X}_"

    return _NOT_TOKEN.sub(esc, text) or "_"


def from_name_token(token: str) -> str:
    """Undo :func:`name_token`."""
    return _TOKEN_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token)


def language(tag: str) -> str:
    """``tag`` as an ``xs:language`` value: ``_`` → ``-``; ``und`` if it still is none."""
    tag = tag.strip().replace("_", "-")
    return tag if _LANGUAGE.match(tag) else "und"


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attr(text: str) -> str:
    return (
        _esc(text)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


class _Cleaner:
    """Removes what XML cannot hold and counts it (into a WriteStats)."""

    def __init__(self, stats: WriteStats) -> None:
        self.stats = stats

    def __call__(self, text: str) -> str:
        cleaned, n = _FORBIDDEN.subn("", text)
        self.stats.stripped_chars += n
        return cleaned

    def cp(self, text: str) -> str:
        """Escaped ``text`` with forbidden characters as XLIFF 2.0 ``<cp/>`` (lossless)."""
        if not _FORBIDDEN.search(text):
            return _esc(text)
        out = []
        for piece in re.split(f"({_FORBIDDEN.pattern})", text):
            if len(piece) == 1 and _FORBIDDEN.match(piece):
                out.append(f'<cp hex="{ord(piece):04X}"/>')
            else:
                out.append(_esc(piece))
        return "".join(out)


def _clean_pair(p: AlignedPair, clean: _Cleaner, *, texts: bool) -> AlignedPair:
    """``p`` with what XML cannot hold removed from every field (each counted once); the
    texts left as they are when not ``texts`` (XLIFF 2.0 writes them with <cp/>)."""
    return dataclasses.replace(
        p,
        source=clean(p.source) if texts else p.source,
        target=clean(p.target) if texts else p.target,
        doc=clean(p.doc),
        flags=tuple(clean(f) for f in p.flags),
        signature=clean(p.signature),
        extra={clean(k): clean(v) for k, v in p.extra.items()},
        uid=clean(p.uid),
        source_lang=clean(p.source_lang),
        target_lang=clean(p.target_lang),
    )


def _fields(p: AlignedPair) -> list[tuple[str, str]]:
    """(name, text) of the fields kept as metadata."""
    score = "" if p.score is None else repr(p.score) if math.isfinite(p.score) else str(p.score)
    values = [
        ("doc", p.doc),
        ("para", str(p.para)),
        ("sent", str(p.sent)),
        ("start", "" if p.start is None else str(p.start)),
        ("end", "" if p.end is None else str(p.end)),
        ("flags", json.dumps(list(p.flags), ensure_ascii=False) if p.flags else ""),
        ("signature", p.signature),
        ("score", score),
        ("exported", _FORBIDDEN.sub("", p.target)),
    ]
    return [(k, v) for k, v in values if v != "" or k in ("doc", "para", "sent")]


def _notes(p: AlignedPair) -> list[str]:
    """Lines for a human in the CAT tool: flags and checks, score, system."""
    notes = []
    if p.flags:
        notes.append("flags: " + ", ".join(p.flags))
    if p.score is not None:
        notes.append(f"score: {p.score:.4f}" if math.isfinite(p.score) else f"score: {p.score}")
    if p.signature:
        notes.append(f"system: {p.signature}")
    return notes


class _Ids:
    """Unique name-token ids within one ``<file>``."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, pair_id: str) -> str:
        token = base = name_token(pair_id)
        n = 1
        while token in self.seen:
            n += 1
            token = f"{base}-{n}"
        self.seen.add(token)
        return token


class XLIFF12Format(Format):
    """XLIFF 1.2, valid against the OASIS 1.2 strict schema."""

    name: ClassVar[str] = "xliff"
    suffixes: ClassVar[tuple[str, ...]] = (".xlf", ".xliff")
    help: ClassVar[str] = "XLIFF 1.2, for post-editing in CAT tools (OmegaT, Trados, memoQ)"
    holds: ClassVar[frozenset[str]] = ALL_FIELDS

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        stats = WriteStats()
        clean = _Cleaner(stats)
        write = out.write
        write(f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{NS12}">')
        current: tuple[str, str, str] | None = None
        ids = _Ids()
        for raw in pairs:
            p = _clean_pair(raw, clean, texts=True)
            key = (p.doc, p.source_lang, p.target_lang)
            if key != current:
                if current is not None:
                    write("\n    </body>\n  </file>")
                current, ids = key, _Ids()
                write(
                    f'\n  <file original="{_attr(p.doc)}" '
                    f'source-language="{language(p.source_lang)}" '
                    f'target-language="{language(p.target_lang)}" datatype="plaintext">'
                    f'\n    <header><tool tool-id="songngu" tool-name="songngu" '
                    f'tool-version="{__version__}"/></header>\n    <body>'
                )
            pid = p.id
            state = (
                'state="final"'
                if p.reviewed
                else 'state="needs-review-translation" state-qualifier="leveraged-mt"'
            )
            approved = ' approved="yes"' if p.reviewed else ""
            unit_id = _attr(ids(pid))
            write(
                f'\n      <trans-unit id="{unit_id}" resname="{_attr(pid)}"{approved} '
                f'xml:space="preserve">'
                f"\n        <source>{_esc(p.source)}</source>"
                f"\n        <target {state}>{_esc(p.target)}</target>"
            )
            for note in _notes(p):
                write(f'\n        <note from="songngu">{_esc(note)}</note>')
            # context-group names are unique per <file>: the unit id makes them so
            write(f'\n        <context-group name="x-songngu-{unit_id}" purpose="information">')
            for field, value in _fields(p):
                write(f'\n          <context context-type="x-{field}">{_esc(value)}</context>')
            if p.extra:
                blob = json.dumps(p.extra, ensure_ascii=False)
                write(f'\n          <context context-type="x-extra">{_esc(blob)}</context>')
            write("\n        </context-group>\n      </trans-unit>")
            stats.pairs += 1
        if current is not None:
            write("\n    </body>\n  </file>")
        else:  # XLIFF needs one <file>: an empty one
            write(
                '\n  <file original="" source-language="vi" target-language="en" '
                'datatype="plaintext">\n    <body/>\n  </file>'
            )
        write("\n</xliff>\n")
        return stats

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        return _read(self, inp, name)


class XLIFF2Format(Format):
    """XLIFF 2.0, valid against the OASIS 2.0 core schema (metadata in the mda module)."""

    name: ClassVar[str] = "xliff2"
    # a .xlf file is read by XLIFF12Format (registered first), whose reader takes 2.0 too
    suffixes: ClassVar[tuple[str, ...]] = (".xlf", ".xliff")
    help: ClassVar[str] = "XLIFF 2.0, for post-editing in CAT tools that speak 2.0"
    holds: ClassVar[frozenset[str]] = ALL_FIELDS

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        stats = WriteStats()
        clean = _Cleaner(stats)
        write = out.write
        it = iter(pairs)
        first = next(it, None)
        langs = (first.source_lang, first.target_lang) if first else ("vi", "en")
        src_tag, tgt_tag = (language(_FORBIDDEN.sub("", tag)) for tag in langs)
        write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NS20}" '
            f'xmlns:mda="{NS_MDA}" version="2.0" srcLang="{src_tag}" trgLang="{tgt_tag}">'
        )
        doc: str | None = None
        files = 0
        ids = _Ids()
        langs = (_FORBIDDEN.sub("", langs[0]), _FORBIDDEN.sub("", langs[1]))
        for raw in _chain(first, it):
            p = _clean_pair(raw, clean, texts=False)
            if (norm(p.source_lang), norm(p.target_lang)) != (norm(langs[0]), norm(langs[1])):
                raise DataError(
                    f"pair {p.id} is {p.source_lang}→{p.target_lang}, but this XLIFF 2.0 file "
                    f"is {langs[0]}→{langs[1]}: XLIFF 2.0 holds one language pair per file; "
                    "export --format xliff (1.2), TMX or JSONL, which keep each pair's languages"
                )
            if p.doc != doc or files == 0:
                if files:
                    write("\n  </file>")
                files += 1
                doc, ids = p.doc, _Ids()
                write(f'\n  <file id="f{files}" original="{_attr(p.doc)}">')
            pid = p.id
            write(f'\n    <unit id="{ids(pid)}" name="{_attr(pid)}" xml:space="preserve">')
            write('\n      <mda:metadata>\n        <mda:metaGroup category="songngu">')
            for field, value in _fields(p):
                write(f'\n          <mda:meta type="{field}">{_esc(value)}</mda:meta>')
            write("\n        </mda:metaGroup>")
            if p.extra:
                write('\n        <mda:metaGroup category="extra">')
                for k, v in p.extra.items():
                    write(f'\n          <mda:meta type="{_attr(k)}">{_esc(v)}</mda:meta>')
                write("\n        </mda:metaGroup>")
            write("\n      </mda:metadata>")
            notes = _notes(p)
            if notes:
                write("\n      <notes>")
                for note in notes:
                    write(f'\n        <note category="songngu">{_esc(note)}</note>')
                write("\n      </notes>")
            state = "final" if p.reviewed else "initial"
            write(
                f'\n      <segment state="{state}">'
                f"\n        <source>{clean.cp(p.source)}</source>"
                f"\n        <target>{clean.cp(p.target)}</target>"
                "\n      </segment>\n    </unit>"
            )
            stats.pairs += 1
        if files:
            write("\n  </file>")
        else:  # XLIFF needs one <file> with one unit: an empty file has no unit to give
            write(
                '\n  <file id="f1" original="">\n    <unit id="empty" name="" translate="no">'
                "\n      <segment>\n        <source/>\n      </segment>\n    </unit>\n  </file>"
            )
        write("\n</xliff>\n")
        return stats

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        return _read(self, inp, name)


def _chain(first: AlignedPair | None, rest: Iterator[AlignedPair]) -> Iterator[AlignedPair]:
    if first is not None:
        yield first
        yield from rest


# -- reading ----------------------------------------------------------------------------------


@dataclasses.dataclass
class _FileInfo:
    version: int  # 1 (1.0-1.2) or 2 (2.x)
    source_lang: str = ""
    target_lang: str = ""
    original: str = ""


def _parse(inp: TextIO | BinaryIO, name: str) -> Iterator[tuple[str, Any]]:
    """``iterparse`` events, XXE-safe, with XML errors as DataErrors naming ``name``."""
    from aligned.formats.tmx import _refuse_entities, safe_iterparse

    context = safe_iterparse(inp)
    root_seen = False
    try:
        for event, el in context:
            if not root_seen:
                root_seen = True
                _refuse_entities(el, name)
                if local(el.tag) != "xliff":
                    raise DataError(
                        f"{name}: line {el.sourceline}: not an XLIFF file (the root element is "
                        f"<{local(el.tag) or el.tag}>, not <xliff>); export XLIFF from the "
                        "other tool or choose the right --format"
                    )
            yield event, el
    except etree.XMLSyntaxError as e:
        raise DataError(
            f"{name}: line {e.lineno}: not well-formed XML ({e.msg}); fix the file or export "
            "it again"
        ) from None
    if not root_seen:
        raise DataError(f"{name}: empty file, no <xliff> element; give an XLIFF file")


def _read(fmt: Format, inp: TextIO | BinaryIO, name: str) -> Iterator[AlignedPair]:
    fmt.read_stats = stats = ReadStats()
    info = _FileInfo(version=1)
    for event, el in _parse(inp, name):
        tag = local(el.tag)
        if event == "start":
            if tag == "xliff":
                version = el.get("version", "1.2")
                info = _FileInfo(
                    version=2 if version.startswith("2") else 1,
                    source_lang=el.get("srcLang", ""),
                    target_lang=el.get("trgLang", ""),
                )
            elif tag == "file":
                if info.version == 1:
                    info.source_lang = el.get("source-language", "")
                    info.target_lang = el.get("target-language", "")
                info.original = el.get("original", "")
            continue
        if (info.version == 1 and tag == "trans-unit") or (info.version == 2 and tag == "unit"):
            if el.get("translate") != "no":  # not for translation (an empty file's placeholder)
                unit = _unit12(el, info, name) if info.version == 1 else _unit20(el, info, name)
                yield _orient(unit, fmt, stats)
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]


@dataclasses.dataclass
class _Unit:
    source: str | None
    target: str | None
    source_lang: str
    target_lang: str
    reviewed: bool
    fields: dict[str, Any]
    extra: dict[str, str]
    state: str  # the unit's state as written ('' = none)
    id: str  # the unit's id (ours: the pair id)
    exported: str | None = None  # the target songngu exported (our metadata), None = unknown
    ours: bool = False  # the unit carries songngu's metadata


def _orient(unit: _Unit, fmt: Format, stats: ReadStats) -> AlignedPair:
    """The pair of a unit in the reader's languages (reversed when the file is)."""
    stats.units += 1
    src_lang = unit.source_lang or fmt.source_lang
    tgt_lang = unit.target_lang or fmt.target_lang
    for lang in dict.fromkeys([src_lang] + ([tgt_lang] if unit.target is not None else [])):
        stats.languages[lang] += 1
    forward = matches(src_lang, fmt.source_lang) and matches(tgt_lang, fmt.target_lang)
    backward = matches(src_lang, fmt.target_lang) and matches(tgt_lang, fmt.source_lang)
    source, target, extra = unit.source or "", unit.target or "", dict(unit.extra)
    if backward and not forward:
        source, target = target, source
        src_lang, tgt_lang = tgt_lang, src_lang
        extra["direction"] = f"{tgt_lang}→{src_lang}"  # the original: target → source
        stats.reversed += 1
    elif not forward:
        stats.missing += 1
        source = target = ""
        src_lang, tgt_lang = fmt.source_lang, fmt.target_lang
    if forward and not target:
        stats.missing += 1
    fields = dict(unit.fields)
    if unit.ours and unit.id != _position_id(fields):
        fields["uid"] = unit.id  # our id was the store's segment uid
    return AlignedPair(
        source=source,
        target=target,
        reviewed=unit.reviewed,
        extra=extra,
        source_lang=src_lang,
        target_lang=tgt_lang,
        **fields,
    )


def _position_id(fields: dict[str, Any]) -> str:
    """The id a pair without a uid has (``doc:para:sent``)."""
    return f"{fields.get('doc', '')}:{fields.get('para', 0)}:{fields.get('sent', 0)}"


def _unit12(tu: Any, info: _FileInfo, name: str) -> _Unit:
    source = target = None
    src_lang, tgt_lang = info.source_lang, info.target_lang
    fields: dict[str, Any] = {}
    extra: dict[str, str] = {}
    state = ""
    ours = False
    for child in tu:
        tag = local(child.tag)
        if tag == "source" and source is None:
            source = seg_text(child, name)
            src_lang = child.get(XML_LANG) or src_lang
        elif tag == "target" and target is None:
            target = seg_text(child, name)
            tgt_lang = child.get(XML_LANG) or tgt_lang
            state = child.get("state", "")
        elif tag == "note" and child.get("from") != "songngu":
            put_extra(extra, "note", seg_text(child, name))
        elif tag == "context-group" and child.get("name", "").startswith("x-songngu"):
            ours = True
            for ctx in child:
                ctype = ctx.get("context-type", "")
                if ctype.startswith("x-"):
                    _field(ctype[2:], ctx.text or "", fields, extra, name, ctx.sourceline)
    reviewed = tu.get("approved") == "yes" or state in ("final", "signed-off")
    for attr, value in tu.attrib.items():
        if not ours and local(attr) == attr and attr not in ("approved",):
            extra[f"@{attr}"] = value
    if not ours and info.original:
        extra.setdefault("@original", info.original)
    unit_id = tu.get("resname") if ours else tu.get("id", "")
    if source is None:
        raise DataError(f"{name}: line {tu.sourceline}: <trans-unit> without <source>")
    exported = fields.pop("exported", None)
    return _Unit(
        source,
        target,
        src_lang,
        tgt_lang,
        reviewed,
        fields,
        extra,
        state,
        unit_id or "",
        exported,
        ours,
    )


def _unit20(unit: Any, info: _FileInfo, name: str) -> _Unit:
    sources: list[str] = []
    targets: list[str] = []
    fields: dict[str, Any] = {}
    extra: dict[str, str] = {}
    states: list[str] = []
    ours = False
    has_target = False
    for child in unit:
        tag = local(child.tag)
        if tag in ("segment", "ignorable"):
            for part in child:
                if local(part.tag) == "source":
                    sources.append(seg_text(part, name))
                elif local(part.tag) == "target":
                    targets.append(seg_text(part, name))
                    has_target = True
            if tag == "segment":
                states.append(child.get("state", "initial"))
        elif tag == "notes":
            for note in child:
                if local(note.tag) == "note" and note.get("category") != "songngu":
                    put_extra(extra, "note", seg_text(note, name))
        elif tag == "metadata":
            for group in child:
                category = group.get("category")
                for meta in group:
                    key, value = meta.get("type", ""), meta.text or ""
                    if category == "songngu":
                        ours = True
                        _field(key, value, fields, extra, name, meta.sourceline)
                    elif category == "extra":
                        extra[key] = value
    reviewed = bool(states) and all(s in ("reviewed", "final") for s in states)
    if not ours:
        for attr, value in unit.attrib.items():
            if local(attr) == attr:
                extra[f"@{attr}"] = value
        if info.original:
            extra.setdefault("@original", info.original)
    unit_id = unit.get("name") if ours else unit.get("id", "")
    if not sources:
        raise DataError(f"{name}: line {unit.sourceline}: <unit> without a <segment>")
    exported = fields.pop("exported", None)
    return _Unit(
        "".join(sources),
        "".join(targets) if has_target else None,
        info.source_lang,
        info.target_lang,
        reviewed,
        fields,
        extra,
        states[0] if states else "",
        unit_id or "",
        exported,
        ours,
    )


def _field(
    key: str, value: str, fields: dict[str, Any], extra: dict[str, str], name: str, line: int
) -> None:
    """One of our metadata fields into ``fields`` (or ``extra``), checked."""
    where = f"{name}: line {line}"
    if key in ("para", "sent", "start", "end"):
        if value.strip().isdecimal():
            fields[key] = check_range(value.strip(), f"the {key} metadata", where)
        elif value or key in ("para", "sent"):
            raise DataError(f"{where}: the {key} metadata must be a whole number, got {value!r}")
    elif key in ("doc", "signature", "exported"):
        fields[key] = value
    elif key == "score":
        try:
            fields["score"] = float(value) if value else None
        except ValueError:
            raise DataError(
                f"{where}: the score metadata must be a number, got {value!r}"
            ) from None
    elif key in ("flags", "extra"):
        try:
            data = json.loads(value) if value else ([] if key == "flags" else {})
        except ValueError:
            data = None
        if key == "flags" and isinstance(data, list) and all(isinstance(f, str) for f in data):
            fields["flags"] = tuple(data)
        elif key == "extra" and isinstance(data, dict):
            extra.update({str(k): str(v) for k, v in data.items()})
        else:
            raise DataError(f"{where}: the {key} metadata must be JSON, got {value[:80]!r}")


# -- post-editing round trip ------------------------------------------------------------------

#: States that say a translator confirmed a target (an unchanged target then is an accept).
CONFIRMED_STATES = frozenset({"translated", "final", "signed-off", "reviewed"})


def xliff_decisions(path: str) -> list[tuple[str, str, str]]:
    """Review decisions from an XLIFF file a CAT tool gave back: ``(id, decision, text)``.

    ``id`` is the pair id songngu exported (``resname``/``name``). A target that differs from
    the one songngu exported (kept in the unit's metadata as ``exported``) is
    ``("edit", target)``; a unit whose target is unchanged and whose state says a translator
    confirmed it (1.2 ``approved="yes"`` or state translated/final/signed-off, 2.0 translated/
    reviewed/final) is ``("accept", "")``; other units give no decision. A file without the
    metadata (not exported by songngu) gives an edit for every confirmed unit with a target.
    DataError for a file that is not XLIFF.
    """
    out: list[tuple[str, str, str]] = []
    version = 1
    with open(path, "rb") as f:
        for event, el in _parse(f, path):
            tag = local(el.tag)
            if event == "start" and tag == "xliff":
                version = 2 if el.get("version", "1.2").startswith("2") else 1
            if event != "end" or tag not in ("trans-unit", "unit"):
                continue
            info = _FileInfo(version=version)
            unit = _unit12(el, info, path) if version == 1 else _unit20(el, info, path)
            el.clear(keep_tail=True)
            if unit.target is None or not unit.target.strip():
                continue
            confirmed = unit.reviewed or unit.state in CONFIRMED_STATES
            target = _FORBIDDEN.sub("", unit.target)
            if (unit.exported is not None and target != unit.exported) or (
                unit.exported is None and confirmed
            ):
                out.append((unit.id, "edit", unit.target))
            elif confirmed:
                out.append((unit.id, "accept", ""))
    return out
