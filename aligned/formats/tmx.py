"""TMX 1.4b: the translation-memory exchange format CAT tools (OmegaT, Trados, memoQ) read.

Written files validate against the TMX 1.4b DTD. One ``<tu tuid="ID">`` per pair (``ID`` =
:attr:`AlignedPair.id`: the store's stable segment uid ``doc#hex``, or ``doc:para:sent``
for a pair without one) holds ``<prop>`` elements for what is not text, then the source
``<tuv xml:lang="...">`` and the target ``<tuv>`` with the ``<seg>`` text, each tagged with the
pair's own language (``source_lang``/``target_lang``: nothing is relabelled); the header's
``srclang`` is the first pair's source language. Prop types (``x-`` = user-defined, as TMX asks):
``x-doc``, ``x-para``, ``x-sent``, ``x-start``, ``x-end`` (when known), one ``x-flag`` per flag,
``x-signature`` (when known), ``x-score`` (when known), ``x-reviewed`` (``true``/``false``).

``extra`` holds what other tools' files carry, and is written back where it came from:

* ``@NAME``: an attribute of the ``<tu>`` (``@tuid``, ``@creationdate``, ``@changeid``,
  ``@srclang`` ...); one the DTD does not allow on ``<tu>`` (and the original ``tuid``, since
  ours is the pair's id) is written as ``<prop type="@NAME">``, read back as the same key;
* ``note``: a ``<note>`` of the ``<tu>``; any other key: a ``<prop type="KEY">``; a key seen
  twice gets ``#2``, ``#3`` ... (``note#2``), dropped again on writing;
* ``source:KEY`` / ``target:KEY``: the same for the source / target ``<tuv>``, and
  ``source:seg`` / ``target:seg`` the ``<seg>`` content with its inline codes (written back
  when the text is still the one they belong to);
* ``lang:TAG``: the text of another language of a multilingual ``<tu>`` (written back as its
  own ``<tuv>``);
* ``direction``: ``TAG→TAG`` when the ``<tu>``'s ``srclang`` (its own, else the header's) is
  the target side, i.e. the target is the original and the source its translation.

XML 1.0 cannot hold C0 control characters other than tab, LF and CR, U+FFFE, U+FFFF or lone
surrogates: they are removed and counted in ``WriteStats.stripped_chars``. All escaping is lxml's
serializer's. Plain pairs reuse one ``<tu>`` per prop layout and only replace its texts (2.5x
faster than building elements; lxml's ``xf.element()`` would write ``xml:lang`` as ``ns0:lang``,
which the DTD rejects).

The reader streams with ``iterparse`` and never loads a DTD, resolves an entity or touches the
network (XXE-safe): a DOCTYPE that declares entities, or an entity reference other than the
five XML ones, is a :class:`DataError`. From other tools' files it needs only
``<tu>``/``<tuv xml:lang>``/``<seg>`` (``lang=`` of TMX 1.1 works too). The source side is the
``<tuv>`` in the reader's ``source_lang`` and the target the one in ``target_lang``
(``import --source-lang/--target-lang``, default vi and en; matching: :mod:`.langs`). A ``<tu>``
without one of them gives a pair with that side empty (``songngu import`` skips and counts it);
:attr:`Format.read_stats` counts languages and such units.

Inline codes never glue words. ``<hi>`` and ``<sub>`` text is text and kept (``<sub>`` with a
word boundary on each side); ``<bpt>``/``<ept>`` (paired formatting) become nothing; ``<ph>``,
``<it>``, ``<ut>`` become a space between two letters or digits; any code whose native content
is a break (``<br>``, ``<p>``, a literal ``\\n`` or ``\\t``, an RTF ``\\par``, ``type="lb"``)
becomes a space unless whitespace is already there (Okapi's plain-text rendering of codes).
A ``tuid`` of the uid form comes back as ``AlignedPair.uid``; positions come from the
``x-para``/``x-sent`` props, or, in files without them (older songngu exports wrote
``tuid="doc:para:sent"``), from a ``tuid`` of that form.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, ClassVar, TextIO

from lxml import etree

from aligned import __version__
from aligned.formats.base import ALL_FIELDS, Format, WriteStats, check_range, parse_position
from aligned.formats.inline import seg_text as _text
from aligned.formats.langs import ReadStats, matches, pick_sides
from aligned.pairs import AlignedPair
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
#: Attributes the TMX 1.4b DTD allows on <tuv> (besides xml:lang) and on <tu> (besides tuid).
TUV_ATTRS = frozenset(
    {"o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool"}
    | {"creationtoolversion", "creationdate", "creationid", "changedate", "o-tmf", "changeid"}
)
TU_ATTRS = TUV_ATTRS | {"segtype", "srclang"}

# XML 1.0 Char excludes these; lxml refuses them (or, for U+FFFE/U+FFFF, writes a bad file).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_REPEAT = re.compile(r"#\d+$")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


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
        self.vi_tuv = tuv = S(tu, "tuv", {XML_LANG: "vi"})
        tuv.tail = "\n      "
        self.vi = S(tuv, "seg")
        self.en_tuv = tuv = S(tu, "tuv", {XML_LANG: "en"})
        tuv.tail = "\n    "
        self.en = S(tuv, "seg")


def _is_structured(key: str) -> bool:
    """Whether extra ``key`` is more than a plain ``<prop>`` of the ``<tu>``."""
    return key.startswith(("@", "source:", "target:", "lang:")) or _base(key) == "note"


def _base(key: str) -> str:
    return _REPEAT.sub("", key)


def _props(p: AlignedPair, doc: str, clean: Callable[[str], str]) -> list[tuple[str, str]]:
    """The ``(type, text)`` of each ``<prop>`` of ``p`` (plain extra keys only)."""
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
        if _is_structured(k) or k in RESERVED_PROPS:
            continue
        key = clean(_base(k))
        if key and key not in RESERVED_PROPS:
            props.append((key, clean(v)))
    return props


def _add_meta(
    el: Any, items: list[tuple[str, str]], allowed: frozenset[str], clean: Callable[[str], str]
) -> None:
    """Put ``(key, value)`` items (``@attr``, ``note``, prop type) on ``el`` (a tu or tuv)."""
    S = etree.SubElement
    for key, value in items:
        base = clean(_base(key))
        if base.startswith("@") and base[1:] in allowed and key == base:
            el.set(base[1:], clean(value))
        elif base == "note":
            S(el, "note").text = clean(value)
        elif base and base not in RESERVED_PROPS:
            S(el, "prop", type=base).text = clean(value)


def _fill_seg(seg: Any, text: str, markup: str | None) -> None:
    """``text`` into ``seg``; the stored inline ``markup`` instead when it still renders as
    ``text`` (a post-edited text is written plain)."""
    seg.text = text
    if not markup:
        return
    try:
        parsed = etree.fromstring(f"<seg>{markup}</seg>", _SAFE_PARSER)
    except etree.XMLSyntaxError:
        return
    if any(not isinstance(el.tag, str) for el in parsed.iter()):
        return  # an entity or comment: never copied
    if _text(parsed, "extra") != text:
        return
    seg.text = parsed.text
    for child in parsed:
        seg.append(child)


def _tu_element(p: AlignedPair, props: list[tuple[str, str]], clean: Callable[[str], str]) -> Any:
    """A fresh ``<tu>`` for a pair with structured extra data (attributes, notes, tuvs)."""
    S = etree.SubElement
    tu = etree.Element("tu")
    groups: dict[str, list[tuple[str, str]]] = {"tu": [], "source": [], "target": []}
    others: list[tuple[str, str]] = []
    segs: dict[str, str] = {}
    for key, value in p.extra.items():
        side, sep, rest = key.partition(":")
        if sep and side in ("source", "target"):
            if rest == "seg":
                segs[side] = value
            else:
                groups[side].append((rest, value))
        elif sep and side == "lang":
            others.append((_base(rest), value))
        elif _is_structured(key):
            groups["tu"].append((key, value))
    _add_meta(tu, [(k, v) for k, v in groups["tu"] if _base(k) != "note"], TU_ATTRS, clean)
    for type_, value in props:
        S(tu, "prop", type=type_).text = value
    _add_meta(tu, [(k, v) for k, v in groups["tu"] if _base(k) == "note"], TU_ATTRS, clean)
    for side, lang, text in (
        ("source", p.source_lang, p.source),
        ("target", p.target_lang, p.target),
    ):
        tuv = S(tu, "tuv", {XML_LANG: clean(lang)})
        _add_meta(tuv, groups[side], TUV_ATTRS, clean)
        _fill_seg(S(tuv, "seg"), clean(text), segs.get(side))
    for lang, text in others:
        S(S(tu, "tuv", {XML_LANG: clean(lang)}), "seg").text = clean(text)
    _indent(tu)
    return tu


def _indent(tu: Any) -> None:
    """Line up a built ``<tu>`` like the templates (children of <seg> untouched)."""
    children = list(tu)
    tu.text = "\n      "
    for i, child in enumerate(children):
        child.tail = "\n    " if i == len(children) - 1 else "\n      "
        if child.tag == "tuv" and len(child) > 1:
            child.text = "\n        "
            for j, sub in enumerate(child):
                sub.tail = "\n      " if j == len(child) - 1 else "\n        "


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

        it = iter(pairs)
        first = next(it, None)
        header = dict(HEADER_ATTRS)
        if first is not None:
            header["srclang"] = _FORBIDDEN.sub("", first.source_lang) or "vi"
        # Building ~14 elements per pair dominates the cost, so one <tu> is kept per prop
        # layout (which props, in which order) and only its texts are replaced: 2.5x faster.
        # The serializer still does every byte of escaping.
        templates: dict[tuple[str, ...], _Template] = {}
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        with etree.xmlfile(_TextSink(out), encoding="utf-8") as xf:
            xf.write_doctype(DOCTYPE)
            with xf.element("tmx", version="1.4"):
                xf.write("\n  ")
                xf.write(etree.Element("header", header))
                xf.write("\n  ")
                with xf.element("body"):
                    for p in itertools.chain(() if first is None else (first,), it):
                        doc = clean(p.doc)
                        props = _props(p, doc, clean)
                        tuid = f"{doc}:{p.para}:{p.sent}" if not p.uid else clean(p.uid)
                        if any(_is_structured(k) for k in p.extra):
                            tu = _tu_element(p, props, clean)
                            tu.set("tuid", tuid)
                            xf.write("\n    ")
                            xf.write(tu)
                            stats.pairs += 1
                            continue
                        layout = tuple(type_ for type_, _ in props)
                        t = templates.get(layout)
                        if t is None:
                            if len(templates) >= 256:  # many extra-key layouts: stay bounded
                                templates.clear()
                            t = templates[layout] = _Template(layout)
                        t.tu.set("tuid", tuid)  # = p.id, cleaned
                        for el, (_, value) in zip(t.props, props, strict=True):
                            el.text = value
                        t.vi_tuv.set(XML_LANG, clean(p.source_lang))
                        t.en_tuv.set(XML_LANG, clean(p.target_lang))
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
        self.read_stats = stats = ReadStats()
        context = safe_iterparse(inp)
        srclang = ""
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
                yield self._tu(el, srclang, name, stats)
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

    def _tu(self, tu: Any, srclang: str, name: str, stats: ReadStats) -> AlignedPair:
        fields: dict[str, Any] = {}
        flags: list[str] = []
        extra: dict[str, str] = {}
        tuvs: list[tuple[str, Any]] = []  # (language tag as written, <tuv> element)
        for child in tu:
            tag = child.tag
            if tag == "tuv":
                lang = child.get(XML_LANG) or child.get("lang")
                if not lang:
                    raise DataError(
                        f"{name}: line {child.sourceline}: <tuv> without xml:lang; add "
                        f'xml:lang="{self.source_lang}" or xml:lang="{self.target_lang}"'
                    )
                if child.find("seg") is None:
                    raise DataError(f"{name}: line {child.sourceline}: <tuv> without <seg>")
                tuvs.append((lang, child))
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
                    put_extra(extra, type_, value)
            elif tag == "note":
                put_extra(extra, "note", _text(child, name))
        stats.units += 1
        for lang in dict.fromkeys(lang for lang, _ in tuvs):
            stats.languages[lang] += 1
        tags = [lang for lang, _ in tuvs]
        src, tgt = pick_sides(tags, self.source_lang, self.target_lang)
        if src is None or tgt is None:
            stats.missing += 1
        texts = {}
        for side, index in (("source", src), ("target", tgt)):
            if index is not None:
                texts[side] = self._tuv(tuvs[index][1], side, extra, name)
        for i, (lang, tuv) in enumerate(tuvs):
            if i not in (src, tgt):
                put_extra(extra, f"lang:{lang}", _text(tuv.find("seg"), name))
                stats.other_texts += 1
        positional = "doc" in fields or "para" in fields or "sent" in fields
        tuid = tu.get("tuid")
        for attr, value in tu.attrib.items():
            if attr != "tuid":
                extra[f"@{attr}"] = value
        if tuid is not None and positional:
            doc_id = f"{fields.get('doc', '')}:{fields.get('para', 0)}:{fields.get('sent', 0)}"
            if tuid != doc_id:
                fields["uid"] = tuid  # our tuid was the store's segment uid
        elif tuid is not None:
            m = _TUID.match(tuid)
            if m:
                where = f"{name}: line {tu.sourceline}"
                para = check_range(m.group(2), "the para of tuid", where)
                sent = check_range(m.group(3), "the sent of tuid", where)
                fields.update(doc=m.group(1), para=para, sent=sent)
            else:
                extra.setdefault("@tuid", tuid)
        original = tu.get("srclang") or srclang
        if (
            original
            and tgt is not None
            and matches(tags[tgt], original)
            and not (src is not None and matches(tags[src], original))
        ):
            extra["direction"] = f"{tags[tgt]}→{tags[src] if src is not None else ''}"
            stats.reversed += 1
        return AlignedPair(
            source=texts.get("source", ""),
            target=texts.get("target", ""),
            flags=tuple(flags),
            extra=extra,
            source_lang=tags[src] if src is not None else self.source_lang,
            target_lang=tags[tgt] if tgt is not None else self.target_lang,
            **fields,
        )

    def _tuv(self, tuv: Any, side: str, extra: dict[str, str], name: str) -> str:
        """The text of a chosen ``<tuv>``; its attributes, props, notes and inline markup go
        to ``extra`` under ``side:``."""
        for attr, value in tuv.attrib.items():
            if attr not in (XML_LANG, "lang"):
                extra[f"{side}:@{attr}"] = value
        seg: Any = None
        for child in tuv:
            if child.tag == "prop":
                put_extra(extra, f"{side}:{child.get('type', '')}", _text(child, name))
            elif child.tag == "note":
                put_extra(extra, f"{side}:note", _text(child, name))
            elif child.tag == "seg" and seg is None:
                seg = child
        text = _text(seg, name)
        if len(seg) and all(isinstance(c.tag, str) for c in seg.iter()):
            extra[f"{side}:seg"] = (seg.text or "") + "".join(
                etree.tostring(c, encoding="unicode", with_tail=True) for c in seg
            )
        return text


def safe_iterparse(inp: TextIO | BinaryIO) -> Any:
    """``etree.iterparse`` start/end events over a TMX or XLIFF stream (text or bytes), XXE-safe:
    no DTD loading, no entity expansion, no network. huge_tree lifts libxml2's 10 MB text-node
    limit for big files of other tools; with entities never expanded it cannot be turned into
    an entity-expansion bomb."""
    source: Any = inp
    options: dict[str, Any] = {}
    if isinstance(inp.read(0), str):  # a text stream: hand lxml UTF-8 bytes
        source = _Utf8Reader(inp)  # type: ignore[arg-type]
        options["encoding"] = "utf-8"
    return etree.iterparse(
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


def put_extra(extra: dict[str, str], key: str, value: str) -> None:
    """``extra[key] = value``; a key already there gets ``#2``, ``#3`` ..."""
    if key not in extra:
        extra[key] = value
        return
    n = 2
    while f"{key}#{n}" in extra:
        n += 1
    extra[f"{key}#{n}"] = value


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


def _int(value: str, type_: str, line: int, name: str) -> int:
    return parse_position(value, f"<prop type={type_!r}>", f"{name}: line {line}")


_TUID = re.compile(r"^(.*):(\d+):(\d+)$", re.DOTALL)
