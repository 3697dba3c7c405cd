"""TMX 1.4b: the translation-memory exchange format CAT tools (OmegaT, Trados, memoQ) read.

Written files validate against the TMX 1.4b DTD. One ``<tu tuid="ID">`` per pair, ID the
pair's id (the store's stable segment uid ``doc#hex``, or ``doc:para:sent`` for a pair without
one), holds ``<prop>`` elements for what is not text, then ``<tuv xml:lang="vi">`` and
``<tuv xml:lang="en">`` with the ``<seg>`` text. Prop types (``x-`` = user-defined, as TMX
asks): ``x-doc``, ``x-para``, ``x-sent``, ``x-start``, ``x-end`` (when known), one ``x-flag``
per flag, ``x-signature`` (when known), ``x-score`` (when known), ``x-reviewed``
(``true``/``false``); then one prop per ``extra`` entry (keys that clash with these are left
out). XML 1.0 cannot hold C0 control characters other than tab, LF and CR, U+FFFE, U+FFFF or
lone surrogates: they are removed and counted in ``WriteStats.stripped_chars``. All escaping is
lxml's serializer's.

The writer fills a ``<tu>`` element (one reused per prop layout) and hands it to lxml's
incremental ``xmlfile`` writer, so memory stays constant. (Building fresh elements per pair,
or ``etree.tostring`` per pair, is 2.5x slower; lxml's ``xf.element()`` API writes ``xml:lang``
as ``ns0:lang`` with a redeclared xml namespace, which the DTD rejects.)

The reader streams with ``iterparse`` and never loads a DTD, resolves an entity or touches the
network (XXE-safe): a DOCTYPE that declares entities, or an entity reference other than the
five XML ones, is a :class:`DataError`.
From files of other tools it needs only ``<tu>``/``<tuv xml:lang>``/``<seg>`` (``lang=`` of
TMX 1.1 works too). The Vietnamese side is the ``tuv`` whose language is ``vi``/``vi-*`` (else
the header's ``srclang``); the English side is another ``tuv``, preferring ``en``/``en-*``;
a ``tu`` without it gets an empty target. Inline codes in a ``<seg>`` (``<bpt>``, ``<ept>``,
``<ph>``, ``<it>``, ``<ut>``, with their ``<sub>``) carry native formatting codes, not text: their
content is left out and the text around them kept; ``<hi>`` text is kept. Props of unknown type
go to ``AlignedPair.extra``. A ``tuid`` of the uid form comes back as ``AlignedPair.uid``;
positions come from the ``x-para``/``x-sent`` props, or, in files without them (older songngu
exports wrote ``tuid="doc:para:sent"``), from a ``tuid`` of that form.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, ClassVar, TextIO

from lxml import etree

from aligned import __version__
from aligned.formats.base import ALL_FIELDS, Format, WriteStats, check_range, parse_position
from aligned.pairs import AlignedPair, uid_of
from corpus.errors import DataError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DOCTYPE = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
HEADER_ATTRS: dict[str, str] = {
    "creationtool": "songngu",
    "creationtoolversion": __version__,
    "segtype": "sentence",
    "o-tmf": "songngu",
    "adminlang": "en",
    "srclang": "vi",
    "datatype": "plaintext",
}
#: Prop types this module writes; an ``extra`` key with one of these names is not written.
RESERVED_PROPS = frozenset(
    {"x-doc", "x-para", "x-sent", "x-start", "x-end", "x-flag", "x-signature"}
    | {"x-score", "x-reviewed"}
)

# XML 1.0 Char excludes these; lxml refuses them (or, for U+FFFE/U+FFFF, writes a bad file).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_INLINE_CODES = frozenset({"bpt", "ept", "ph", "it", "ut", "sub"})


class _TextSink:
    """Byte-writer for lxml that decodes into a text stream (split characters are kept)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._decode = codecs.getincrementaldecoder("utf-8")().decode

    def write(self, data: bytes) -> None:
        self._out.write(self._decode(data))


class _Template:
    """A reusable ``<tu>`` for one prop layout; the writer fills in the texts."""

    def __init__(self, layout: tuple[str, ...]) -> None:
        S = etree.SubElement
        self.tu = tu = etree.Element("tu")
        tu.text = "\n      "
        self.props = []
        for type_ in layout:
            prop = S(tu, "prop", type=type_)
            prop.tail = "\n      "
            self.props.append(prop)
        tuv = S(tu, "tuv", {XML_LANG: "vi"})
        tuv.tail = "\n      "
        self.vi = S(tuv, "seg")
        tuv = S(tu, "tuv", {XML_LANG: "en"})
        tuv.tail = "\n    "
        self.en = S(tuv, "seg")


def _props(p: AlignedPair, doc: str, clean: Callable[[str], str]) -> list[tuple[str, str]]:
    """The ``(type, text)`` of each ``<prop>`` of ``p``, in the documented order."""
    props = [("x-doc", doc), ("x-para", str(p.para)), ("x-sent", str(p.sent))]
    if p.start is not None:
        props.append(("x-start", str(p.start)))
    if p.end is not None:
        props.append(("x-end", str(p.end)))
    props.extend(("x-flag", clean(f)) for f in p.flags)
    signature = clean(p.signature)
    if signature:
        props.append(("x-signature", signature))
    if p.score is not None:
        props.append(("x-score", repr(p.score)))
    props.append(("x-reviewed", "true" if p.reviewed else "false"))
    for k, v in p.extra.items():
        if k not in RESERVED_PROPS and (key := clean(k)) not in RESERVED_PROPS:
            props.append((key, clean(v)))
    return props


class TMXFormat(Format):
    """TMX 1.4b, valid against the DTD; streaming in both directions."""

    name: ClassVar[str] = "tmx"
    suffixes: ClassVar[tuple[str, ...]] = (".tmx",)
    help: ClassVar[str] = "TMX 1.4b, the translation memory of CAT tools (OmegaT, memoQ)"
    run_file: ClassVar[str | None] = "corpus.tmx"
    holds: ClassVar[frozenset[str]] = ALL_FIELDS

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        stats = WriteStats()
        subn = _FORBIDDEN.subn

        def clean(text: str) -> str:
            cleaned, n = subn("", text)
            stats.stripped_chars += n
            return cleaned

        # Building ~14 elements per pair dominates the cost, so one <tu> is kept per prop
        # layout (which props, in which order) and only its texts are replaced: 2.5x faster.
        # The serializer still does every byte of escaping.
        templates: dict[tuple[str, ...], _Template] = {}
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        with etree.xmlfile(_TextSink(out), encoding="utf-8") as xf:
            xf.write_doctype(DOCTYPE)
            with xf.element("tmx", version="1.4"):
                xf.write("\n  ")
                xf.write(etree.Element("header", HEADER_ATTRS))
                xf.write("\n  ")
                with xf.element("body"):
                    for p in pairs:
                        doc = clean(p.doc)
                        props = _props(p, doc, clean)
                        layout = tuple(type_ for type_, _ in props)
                        t = templates.get(layout)
                        if t is None:
                            if len(templates) >= 256:  # many extra-key layouts: stay bounded
                                templates.clear()
                            t = templates[layout] = _Template(layout)
                        # p.id's characters are p.doc's, already counted by clean(p.doc)
                        t.tu.set("tuid", _FORBIDDEN.sub("", p.id))
                        for el, (_, value) in zip(t.props, props, strict=True):
                            el.text = value
                        t.vi.text = clean(p.source)
                        t.en.text = clean(p.target)
                        xf.write("\n    ")
                        xf.write(t.tu)
                        stats.pairs += 1
                    xf.write("\n  ")
                xf.write("\n")
        out.write("\n")
        return stats

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        source: Any = inp
        options: dict[str, Any] = {}
        if isinstance(inp.read(0), str):  # a text stream: hand lxml UTF-8 bytes
            source = _Utf8Reader(inp)  # type: ignore[arg-type]
            options["encoding"] = "utf-8"
        # XXE-safe: no DTD loading, no entity expansion, no network. huge_tree lifts libxml2's
        # 10 MB text-node limit for big TMX files of other tools; with entities never expanded
        # it cannot be turned into an entity-expansion bomb.
        context = etree.iterparse(
            source,
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
            **options,
        )
        srclang = "vi"
        root_seen = False
        try:
            for event, el in context:
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        _refuse_entities(el, name)
                        if el.tag != "tmx":
                            raise DataError(
                                f"{name}: line {el.sourceline}: not a TMX file (the root element "
                                f"is <{el.tag}>, not <tmx>); export a TMX file from the other "
                                "tool or choose the right --format"
                            )
                    elif el.tag == "header":
                        lang = el.get("srclang", "")
                        if lang and lang.lower() != "*all*":
                            srclang = lang
                    continue
                if el.tag != "tu":
                    continue
                yield _tu(el, srclang, name)
                el.clear(keep_tail=True)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as e:
            raise DataError(
                f"{name}: line {e.lineno}: not well-formed XML ({e.msg}); fix the file or "
                "export it again"
            ) from None
        if not root_seen:
            raise DataError(f"{name}: empty file, no <tmx> element; give a TMX file")


def _refuse_entities(root: Any, name: str) -> None:
    """DataError if the DOCTYPE declares entities: libxml2 would expand an internal one in
    attribute values (billion laughs is only cut off by its amplification limit). TMX files
    declare none; an external DTD is never loaded, so its entities stay unknown."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return
    for entity in dtd.iterentities():
        raise DataError(
            f"{name}: line {root.sourceline}: the DOCTYPE declares entity {entity.name!r}; "
            "entity declarations are refused for safety (no entity is expanded or fetched); "
            "remove them and write the characters themselves"
        )


class _Utf8Reader:
    """File-like ``read(n)`` returning the UTF-8 bytes of a text stream."""

    def __init__(self, inp: TextIO) -> None:
        self._inp = inp

    def read(self, n: int = -1) -> bytes:
        # at most n bytes: a character is at most 4 UTF-8 bytes
        return self._inp.read(max(1, n // 4) if n > 0 else n).encode("utf-8", "surrogatepass")


def _primary(lang: str) -> str:
    return lang.replace("_", "-").split("-", 1)[0].lower()


def _text(el: Any, name: str) -> str:
    """The text of a ``<seg>``/``<prop>``: inline codes dropped, ``<hi>`` kept."""
    if not len(el):  # no children: the common case
        return el.text or ""
    parts = [el.text or ""]
    for child in el:
        if child.tag is etree.Entity:
            raise DataError(
                f"{name}: line {child.sourceline}: entity reference {child.text} is not "
                "expanded (external and DTD-defined entities are refused for safety); replace "
                "it by the character it stands for"
            )
        if child.tag not in _INLINE_CODES:
            parts.append(_text(child, name))
        parts.append(child.tail or "")
    return "".join(parts)


def _int(value: str, type_: str, line: int, name: str) -> int:
    return parse_position(value, f"<prop type={type_!r}>", f"{name}: line {line}")


def _tu(tu: Any, srclang: str, name: str) -> AlignedPair:
    fields: dict[str, Any] = {}
    flags: list[str] = []
    extra: dict[str, str] = {}
    tuvs: list[tuple[str, str]] = []
    for child in tu:
        tag = child.tag
        if tag == "tuv":
            lang = child.get(XML_LANG) or child.get("lang")
            if not lang:
                raise DataError(
                    f"{name}: line {child.sourceline}: <tuv> without xml:lang; add "
                    'xml:lang="vi" or xml:lang="en"'
                )
            seg = child.find("seg")
            if seg is None:
                raise DataError(f"{name}: line {child.sourceline}: <tuv> without <seg>")
            tuvs.append((_primary(lang), _text(seg, name)))
        elif tag == "prop":
            type_ = child.get("type", "")
            value = _text(child, name)
            line = child.sourceline
            if type_ in ("x-para", "x-sent", "x-start", "x-end"):
                fields[type_[2:]] = _int(value, type_, line, name)
            elif type_ == "x-doc":
                fields["doc"] = value
            elif type_ == "x-flag":
                flags.append(value)
            elif type_ == "x-signature":
                fields["signature"] = value
            elif type_ == "x-score":
                try:
                    fields["score"] = float(value)
                except ValueError:
                    raise DataError(
                        f"{name}: line {line}: <prop type='x-score'> must be a number, "
                        f"got {value!r}"
                    ) from None
            elif type_ == "x-reviewed":
                fields["reviewed"] = value.strip().lower() in ("true", "1", "yes")
            else:
                extra[type_] = f"{extra[type_]}\n{value}" if type_ in extra else value
    src = next((i for i, (lang, _) in enumerate(tuvs) if lang == "vi"), None)
    if src is None:
        src = next((i for i, (lang, _) in enumerate(tuvs) if lang == _primary(srclang)), None)
    if src is None:
        langs = ", ".join(lang for lang, _ in tuvs) or "none"
        raise DataError(
            f"{name}: line {tu.sourceline}: <tu> has no Vietnamese <tuv> (languages: {langs}); "
            'songngu needs xml:lang="vi" on the source side'
        )
    others = [t for i, t in enumerate(tuvs) if i != src]
    target = next((text for lang, text in others if lang == "en"), others[0][1] if others else "")
    if "doc" not in fields and "para" not in fields and "sent" not in fields:
        m = _TUID.match(tu.get("tuid", ""))
        if m:
            where = f"{name}: line {tu.sourceline}"
            para = check_range(m.group(2), "the para of tuid", where)
            sent = check_range(m.group(3), "the sent of tuid", where)
            fields.update(doc=m.group(1), para=para, sent=sent)
    return AlignedPair(
        source=tuvs[src][1],
        target=target,
        flags=tuple(flags),
        extra=extra,
        uid=uid_of(tu.get("tuid", "")),
        **fields,
    )


_TUID = re.compile(r"^(.*):(\d+):(\d+)$", re.DOTALL)
