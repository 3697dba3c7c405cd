"""The exchange formats: one shared round-trip suite every format inherits, then crafted cases.

``FormatRoundTrip`` (translate-toolkit style) holds the tests every format must pass: export →
import gives back exactly the fields the format claims in ``holds`` (others at their defaults),
and export → import → export gives identical bytes, on Hypothesis-generated text full of tabs,
line breaks, markup characters, Vietnamese combining marks, emoji and XML-forbidden controls.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from aligned.formats import (
    ALL_FIELDS,
    FORMATS,
    Format,
    JSONLFormat,
    MosesFormat,
    TMXFormat,
    TSVFormat,
    WriteStats,
    XLIFF2Format,
    XLIFF12Format,
    format_for_path,
    get_format,
    read_path,
    write_path,
)
from aligned.formats.tmx import RESERVED_PROPS
from aligned.formats.tsv import COLUMNS, escape, unescape
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError, DataError, OutputExistsError
from tests.shared_data import SHARED

DTD_PATH = SHARED / "schemas" / "tmx14.dtd"
DTD = etree.DTD(str(DTD_PATH))

# What XML 1.0 cannot hold, spelled out by code point (independent of the module's regex).
FORBIDDEN = {*(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)), "\ufffe", "\uffff"}
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
TOKENS = [
    "\t", "\n", "\r", "\r\n", " ", "  ", "\\", "\\t", "\\n", "<", ">", "&", "&amp;", '"', "'",
    "]]>", "<![CDATA[", "<seg>", ":", ",", "Xin chào", "Hà Nội", "Nguyễn", "đường",
    "e\u0302\u0301", "a\u0323", "u\u031b\u0300", "\u0301", "😀",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\u200b", "\xa0", "\u2028",
    "\x85", "\x0b", "\x0c", "\x00", "\x01", "\x08", "\x1f", "\ufffe", "\uffff", "\ufeff",
    "Hello", "world.",
]  # fmt: skip


def texts(*, surrogates: bool) -> st.SearchStrategy[str]:
    tokens = TOKENS + (SURROGATES if surrogates else [])
    return st.one_of(
        st.lists(st.sampled_from(tokens), max_size=8).map("".join),
        st.text(max_size=20),
        st.lists(st.one_of(st.sampled_from(tokens), st.text(max_size=3)), max_size=6).map("".join),
    )


#: Extra keys as other tools' files give them (TMX: props, notes, attributes of the tu and of
#: each tuv, other languages' texts); every format keeps them.
EXTRA_KEYS = ["x-note", "x-client", "x-context", "x-doc", "x-flag", "note", "@creationdate"]
EXTRA_KEYS += ["@x-custom", "source:@changeid", "target:x-context", "source:note", "lang:fr-FR"]
#: Language pairs a file may write; each matches the readers' defaults (vi, en).
LANGS = [("vi", "en"), ("vi-VN", "en-US"), ("VI", "en_GB")]


@st.composite
def pairs_strategy(draw: st.DrawFn, *, surrogates: bool) -> list[AlignedPair]:
    text = texts(surrogates=surrogates)
    source_lang, target_lang = draw(st.sampled_from(LANGS))  # one pair of languages per file
    pair = st.builds(
        AlignedPair,
        source=text,
        target=text,
        doc=text,
        para=st.integers(0, 10**6),
        sent=st.integers(0, 10**6),
        start=st.none() | st.integers(0, 10**9),
        end=st.none() | st.integers(0, 10**9),
        flags=st.lists(st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True), max_size=3).map(tuple),
        signature=text,
        score=st.none() | st.floats(allow_nan=False, allow_infinity=False),
        reviewed=st.booleans(),
        extra=st.dictionaries(st.sampled_from(EXTRA_KEYS), text),
        source_lang=st.just(source_lang),
        target_lang=st.just(target_lang),
    )
    return draw(st.lists(pair, max_size=6))


DEFAULTS = AlignedPair(source="", target="")


def kept(pair: AlignedPair, fields: frozenset[str]) -> dict[str, Any]:
    """The pair as a dict: fields in ``fields`` as they are, all others at their defaults."""
    return {
        f.name: getattr(pair if f.name in fields else DEFAULTS, f.name)
        for f in dataclasses.fields(AlignedPair)
    }


class FormatRoundTrip:
    """Shared suite: a format's test class sets ``fmt`` and, where the format changes text on
    the way (TMX strips XML-forbidden characters, Moses joins lines), ``expected``."""

    fmt: ClassVar[Format]
    surrogates: ClassVar[bool] = False  # only TMX can be given lone surrogates (it strips them)

    # -- hooks -------------------------------------------------------------------------------
    def export(self, pairs: list[AlignedPair]) -> tuple[list[bytes], WriteStats]:
        outs: list[io.StringIO] = []
        stats = self.write_to(iter(pairs), outs)  # an iterator: writers must not need len()
        return [o.getvalue().encode("utf-8") for o in outs], stats

    def write_to(self, pairs: Any, outs: list[io.StringIO]) -> WriteStats:
        outs.append(io.StringIO())
        return self.fmt.write(pairs, outs[0])

    def import_(self, blobs: list[bytes], *, binary: bool = True) -> list[AlignedPair]:
        inp: Any = io.BytesIO(blobs[0]) if binary else io.StringIO(blobs[0].decode("utf-8"))
        return list(self.fmt.read(inp, name="corpus"))

    def expected(self, pair: AlignedPair) -> AlignedPair:
        return pair

    def expected_stripped(self, pairs: list[AlignedPair]) -> int:
        return 0

    def check_output(self, blobs: list[bytes]) -> None:
        """Format-specific checks on every file written (TMX: DTD validation)."""

    # -- the shared tests --------------------------------------------------------------------
    def round_trip(self, pairs: list[AlignedPair]) -> None:
        blobs, stats = self.export(pairs)
        self.check_output(blobs)
        assert stats == WriteStats(pairs=len(pairs), stripped_chars=self.expected_stripped(pairs))
        back = self.import_(blobs)
        holds = self.fmt.holds
        assert [kept(b, ALL_FIELDS) for b in back] == [kept(self.expected(p), holds) for p in pairs]
        assert self.import_(blobs, binary=False) == back
        again, stats2 = self.export(back)
        assert again == blobs
        assert stats2 == WriteStats(pairs=len(pairs), stripped_chars=0)

    @given(pairs=st.data())
    # Inherited by every format's class: Hypothesis sees one test run by several executors.
    # They share the example database, which only replays other formats' examples here.
    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    def test_round_trip_generated(self, pairs: st.DataObject) -> None:
        self.round_trip(pairs.draw(pairs_strategy(surrogates=self.surrogates)))

    def test_round_trip_every_field(self) -> None:
        self.round_trip(
            [
                AlignedPair(
                    source='Ông Nguyễn Văn A nói: "Tôi đồng ý" <b>&</b> ]]>\tx\ny',
                    target="Mr Nguyen Van A said: 'I agree' 😀",
                    doc="vnexpress/2024-01-01:a.html",
                    para=3,
                    sent=2,
                    start=120,
                    end=168,
                    flags=("heading", "speaker-label"),
                    signature="opus-mt-vi-en@main|transformers|fp32|beam4|max512|songngu 0.1.0",
                    score=0.8125,
                    reviewed=True,
                    extra={"x-note": "checked"},
                ),
                AlignedPair(source="Chỉ có nguồn.", target=""),
            ]
        )

    def test_empty_corpus(self) -> None:
        self.round_trip([])

    def test_read_is_lazy(self) -> None:
        """The reader yields the first pair before it reads the rest (streaming)."""
        blobs, _ = self.export([AlignedPair(source=f"câu {i}", target=f"s {i}") for i in range(3)])
        it = iter(self.import_lazy(blobs))
        assert next(it).source == "câu 0"

    def test_write_streams(self) -> None:
        """Output reaches the stream while input is still coming (nothing is held back)."""
        outs: list[io.StringIO] = []

        def pairs() -> Any:
            for i in range(3000):
                yield AlignedPair(f"câu số {i} của văn bản", f"sentence number {i}", doc="d")
            assert outs and all(o.tell() > 10_000 for o in outs)

        self.write_to(pairs(), outs)

    def import_lazy(self, blobs: list[bytes]) -> Any:
        return self.fmt.read(io.BytesIO(blobs[0]), name="corpus")


def strip_forbidden(text: str) -> str:
    return "".join(c for c in text if c not in FORBIDDEN and not 0xD800 <= ord(c) <= 0xDFFF)


def count_forbidden(text: str) -> int:
    return len(text) - len(strip_forbidden(text))


class TestTMX(FormatRoundTrip):
    fmt = TMXFormat()
    surrogates = True

    def expected(self, pair: AlignedPair) -> AlignedPair:
        s = strip_forbidden
        return dataclasses.replace(
            pair,
            source=s(pair.source),
            target=s(pair.target),
            doc=s(pair.doc),
            flags=tuple(s(f) for f in pair.flags),
            signature=s(pair.signature),
            extra={s(k): s(v) for k, v in pair.extra.items() if k not in RESERVED_PROPS},
        )

    def expected_stripped(self, pairs: list[AlignedPair]) -> int:
        return sum(
            count_forbidden(t)
            for p in pairs
            for t in (
                p.source,
                p.target,
                p.doc,
                *p.flags,
                p.signature,
                *(kv for k, v in p.extra.items() if k not in RESERVED_PROPS for kv in (k, v)),
            )
        )

    def check_output(self, blobs: list[bytes]) -> None:
        root = etree.fromstring(blobs[0])  # well-formed XML 1.0 (lxml refuses anything else)
        assert DTD.validate(root), DTD.error_log.filter_from_errors()

    def test_forbidden_characters_stripped_and_counted(self) -> None:
        pair = AlignedPair(source="a\x00b\x1f\ufffec\ud800", target="\x0bok\uffff\x0c", doc="d\x01")
        blobs, stats = self.export([pair])
        assert stats == WriteStats(pairs=1, stripped_chars=8)
        self.check_output(blobs)
        (back,) = self.import_(blobs)
        assert (back.source, back.target, back.doc, back.id) == ("abc", "ok", "d", "d:0:0")

    def test_header_and_structure(self) -> None:
        blobs, _ = self.export([AlignedPair("Xin chào.", "Hello.", doc="d", para=1, sent=2)])
        text = blobs[0].decode()
        assert text.startswith(
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            '<tmx version="1.4">\n  <header creationtool="songngu" creationtoolversion="0.1.0"'
            ' segtype="sentence" o-tmf="songngu" adminlang="en" srclang="vi"'
            ' datatype="plaintext"/>\n  <body>\n    <tu tuid="d:1:2">\n'
            '      <prop type="x-doc">d</prop>\n'
        )
        assert '<tuv xml:lang="vi"><seg>Xin chào.</seg></tuv>' in text
        assert '<tuv xml:lang="en"><seg>Hello.</seg></tuv>' in text
        assert text.endswith("    </tu>\n  </body>\n</tmx>\n")

    def test_markup_escaped_by_serializer(self) -> None:
        blobs, _ = self.export([AlignedPair('<a href="x">&amp; ]]>', "'q'")])
        assert '<seg>&lt;a href="x"&gt;&amp;amp; ]]&gt;</seg>' in blobs[0].decode()

    def test_foreign_minimal_tmx_with_inline_markup(self) -> None:
        foreign = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="vi-VN" creationtool="x" creationtoolversion="1"
 segtype="sentence" o-tmf="x" adminlang="en" datatype="html"/><body>
<tu tuid="42"><prop type="x-client">ACME</prop>
 <tuv xml:lang="fr-FR"><seg>Bonjour</seg></tuv>
 <tuv xml:lang="vi-VN"><seg>Xin <bpt i="1">&lt;b&gt;</bpt>chào<ept i="1">&lt;/b&gt;</ept><ph x="2">&lt;br/&gt;</ph> bạn <hi type="x">thân</hi>!</seg></tuv>
 <tuv xml:lang="EN-US"><seg>Hello <it pos="begin">&lt;i&gt;</it>friend<ph>{1}</ph>!</seg></tuv></tu>
<tu><tuv lang="vi"><seg>Chỉ tiếng Việt.</seg></tuv></tu>
<tu><tuv xml:lang="en"><seg>Hi</seg></tuv><tuv xml:lang="vi"><seg>Chào</seg></tuv></tu>
</body></tmx>""".encode()  # noqa: E501
        back = list(self.fmt.read(io.BytesIO(foreign), name="other.tmx"))
        assert back == [
            AlignedPair("Xin chào bạn thân!", "Hello friend!", source_lang="vi-VN",
                        target_lang="EN-US"),
            AlignedPair(source="Chỉ tiếng Việt.", target=""),
            AlignedPair(source="Chào", target="Hi"),
        ]  # fmt: skip
        assert back[0].extra == {
            "x-client": "ACME",
            "@tuid": "42",
            "lang:fr-FR": "Bonjour",
            "source:seg": 'Xin <bpt i="1">&lt;b&gt;</bpt>chào<ept i="1">&lt;/b&gt;</ept>'
            '<ph x="2">&lt;br/&gt;</ph> bạn <hi type="x">thân</hi>!',
            "target:seg": 'Hello <it pos="begin">&lt;i&gt;</it>friend<ph>{1}</ph>!',
        }
        stats = self.fmt.read_stats
        assert (stats.units, stats.missing, stats.other_texts) == (3, 1, 1)
        # written back: the inline codes, the original tuid as a prop, the French tuv
        blobs, _ = self.export(back[:1])
        self.check_output(blobs)
        text = blobs[0].decode()
        assert '<tuv xml:lang="vi-VN"><seg>Xin <bpt i="1">&lt;b&gt;</bpt>chào<ept' in text
        assert '<prop type="@tuid">42</prop>' in text
        assert '<tuv xml:lang="fr-FR"><seg>Bonjour</seg></tuv>' in text
        assert self.import_(blobs)[0].extra == back[0].extra

    def test_foreign_utf16_cdata_comment_note(self) -> None:
        foreign = (
            '<?xml version="1.0" encoding="UTF-16"?>\n<tmx version="1.4"><body><tu><tuv '
            'xml:lang="vi"><note>n</note><seg><![CDATA[a <b> & c]]><!-- c --> Việt</seg></tuv>'
            '<tuv xml:lang="en-GB"><seg>x</seg></tuv><tuv xml:lang="en-US"><seg>y</seg></tuv>'
            "</tu></body></tmx>"
        )
        want = [AlignedPair("a <b> & c Việt", "x", target_lang="en-GB")]
        got = list(self.fmt.read(io.BytesIO(foreign.encode("utf-16")), name="f"))
        assert got == want
        assert got[0].extra == {"source:note": "n", "lang:en-US": "y"}
        assert list(self.fmt.read(io.StringIO(foreign), name="f")) == want  # decoded already

    def test_languages_chosen_never_relabelled(self) -> None:
        foreign = (
            b'<tmx version="1.4"><header srclang="vie"/><body><tu><tuv xml:lang="en"><seg>A'
            b'</seg></tuv><tuv xml:lang="vie"><seg>B</seg></tuv></tu></body></tmx>'
        )
        fmt = TMXFormat(source_lang="VIE", target_lang="EN")
        assert list(fmt.read(io.BytesIO(foreign), name="f.tmx")) == [
            AlignedPair("B", "A", source_lang="vie", target_lang="en")
        ]
        # the defaults (vi, en) find no Vietnamese: the pair comes without a source
        assert list(self.fmt.read(io.BytesIO(foreign), name="f.tmx")) == [
            AlignedPair("", "A", source_lang="vi", target_lang="en")
        ]
        assert self.fmt.read_stats.missing == 1

    def test_region_matching_and_which_text_wins(self) -> None:
        foreign = (
            b'<tmx version="1.4"><body><tu><tuv xml:lang="EN_us"><seg>us</seg></tuv>'
            b'<tuv xml:lang="en-GB"><seg>gb</seg></tuv><tuv xml:lang="vi"><seg>v</seg></tuv>'
            b"</tu></body></tmx>"
        )

        def read(src: str, tgt: str) -> tuple[str, str, str, str]:
            (p,) = TMXFormat(source_lang=src, target_lang=tgt).read(io.BytesIO(foreign), name="f")
            return p.source, p.target, p.source_lang, p.target_lang

        assert read("vi", "en") == ("v", "us", "vi", "EN_us")  # the first en-* wins
        assert read("vi", "en-gb") == ("v", "gb", "vi", "en-GB")
        assert read("en", "en-GB") == ("us", "gb", "EN_us", "en-GB")  # the specific side first
        assert read("en-us", "en") == ("us", "gb", "EN_us", "en-GB")

    def test_tu_srclang_records_the_original_direction(self) -> None:
        foreign = (
            b'<tmx version="1.4"><header srclang="en-US"/><body>\n<tu><tuv xml:lang="en-US">'
            b'<seg>A</seg></tuv><tuv xml:lang="vi"><seg>B</seg></tuv></tu>\n<tu srclang="vi">'
            b'<tuv xml:lang="en-US"><seg>C</seg></tuv><tuv xml:lang="vi"><seg>D</seg></tuv></tu>'
            b"</body></tmx>"
        )
        first, second = self.fmt.read(io.BytesIO(foreign), name="f.tmx")
        assert (first.source, first.target, first.extra) == ("B", "A", {"direction": "en-US→vi"})
        assert (second.source, second.extra) == ("D", {"@srclang": "vi"})
        assert self.fmt.read_stats.reversed == 1

    def test_tuv_without_lang(self) -> None:
        bad = b'<tmx version="1.4"><body>\n\n<tu><tuv><seg>A</seg></tuv></tu></body></tmx>'
        with pytest.raises(DataError, match=r"^f\.tmx: line 3: <tuv> without xml:lang"):
            list(self.fmt.read(io.BytesIO(bad), name="f.tmx"))

    def test_not_well_formed_names_file_and_line(self) -> None:
        blobs, _ = self.export([AlignedPair("a", "b"), AlignedPair("c", "d")])
        lines = blobs[0].decode().split("\n")
        lines[18] = lines[18].replace("</seg>", "")  # line 19: the second tu's vi tuv
        with pytest.raises(DataError) as e:
            list(self.fmt.read(io.BytesIO("\n".join(lines).encode()), name="bad.tmx"))
        assert str(e.value).startswith("bad.tmx: line 19: not well-formed XML (")

    def test_truncated_file(self) -> None:
        blobs, _ = self.export([AlignedPair("a", "b")])
        with pytest.raises(DataError, match=r"^cut\.tmx: line \d+: not well-formed XML"):
            list(self.fmt.read(io.BytesIO(blobs[0][:-40]), name="cut.tmx"))

    def test_not_tmx_root(self) -> None:
        with pytest.raises(DataError, match=r"^x\.tmx: line 1: not a TMX file .*<xliff>"):
            list(self.fmt.read(io.BytesIO(b"<xliff><file/></xliff>"), name="x.tmx"))

    def test_empty_input(self) -> None:
        with pytest.raises(DataError, match=r"^e\.tmx: line \d+: not well-formed XML"):
            list(self.fmt.read(io.BytesIO(b""), name="e.tmx"))

    @pytest.mark.parametrize(
        "where",
        ['<tuv xml:lang="vi"><seg>a &xxe; b</seg></tuv>', '<prop type="x-doc">&xxe;</prop>'],
    )
    def test_xxe_not_resolved(self, where: str, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-CONTENT")
        evil = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            '<tmx version="1.4"><header srclang="vi"/><body>\n'
            f'<tu>{where}<tuv xml:lang="vi"><seg>x</seg></tuv></tu></body></tmx>'
        ).encode()
        with pytest.raises(DataError) as e:
            list(self.fmt.read(io.BytesIO(evil), name="evil.tmx"))
        assert str(e.value).startswith(
            "evil.tmx: line 3: the DOCTYPE declares entity 'xxe'; entity declarations are refused"
        )
        assert "TOP-SECRET" not in str(e.value)

    def test_entities_of_an_external_dtd_are_not_resolved(self, tmp_path: Path) -> None:
        dtd = tmp_path / "evil.dtd"
        dtd.write_text('<!ENTITY xxe "TOP-SECRET-CONTENT">')
        evil = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE tmx SYSTEM "file://{dtd}">\n'
            '<tmx version="1.4"><header srclang="vi"/><body>\n'
            '<tu tuid="&xxe;"><tuv xml:lang="vi"><seg>a &xxe; b</seg></tuv></tu></body></tmx>'
        ).encode()
        with pytest.raises(DataError) as e:
            list(self.fmt.read(io.BytesIO(evil), name="evil.tmx"))
        assert str(e.value).startswith("evil.tmx: line 4: entity reference &xxe; is not expanded")
        assert "TOP-SECRET" not in str(e.value)

    def test_xxe_etc_passwd_and_entity_bomb(self) -> None:
        evil = (
            b'<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">'
            b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<tmx version="1.4"><body><tu><tuv xml:lang="vi"><seg>&b;</seg></tuv>'
            b'<tuv xml:lang="en"><seg>&x;</seg></tuv></tu></body></tmx>'
        )
        with pytest.raises(DataError, match=r"^p\.tmx: line 1: the DOCTYPE declares entity 'x'"):
            list(self.fmt.read(io.BytesIO(evil), name="p.tmx"))

    def test_reserved_extra_keys_not_written(self) -> None:
        blobs, _ = self.export([AlignedPair("a", "b", extra={"x-doc": "evil", "x-ok": "1"})])
        assert blobs[0].decode().count('type="x-doc"') == 1
        assert self.import_(blobs)[0].extra == {"x-ok": "1"}

    def test_bad_prop_number(self) -> None:
        bad = (
            b'<tmx version="1.4"><body><tu>\n<prop type="x-para">two</prop>'
            b'<tuv xml:lang="vi"><seg>a</seg></tuv></tu></body></tmx>'
        )
        with pytest.raises(
            DataError,
            match=r"^b\.tmx: line 2: <prop type='x-para'> must be a whole number, got 'two'",
        ):
            list(self.fmt.read(io.BytesIO(bad), name="b.tmx"))

    def test_tuid_gives_position_when_props_absent(self) -> None:
        tmx = (
            b'<tmx version="1.4"><body><tu tuid="a:b:3:4"><tuv xml:lang="vi"><seg>x</seg>'
            b"</tuv></tu></body></tmx>"
        )
        (p,) = self.fmt.read(io.BytesIO(tmx), name="t.tmx")
        assert (p.doc, p.para, p.sent) == ("a:b", 3, 4)

    def test_memory_reader_clears_finished_units(self) -> None:
        """After each <tu> the reader drops it, so the tree never grows with the file."""
        blobs, _ = self.export([AlignedPair(f"câu {i}", f"s {i}") for i in range(50)])
        it = self.fmt.read(io.BytesIO(blobs[0]), name="m.tmx")
        first = next(it)
        rest = list(it)
        assert first.source == "câu 0" and len(rest) == 49


XLIFF_SCHEMAS = SHARED / "schemas" / "xliff"
_NO_NET = etree.XMLParser(no_network=True)
XSD12 = etree.XMLSchema(etree.parse(str(XLIFF_SCHEMAS / "xliff-core-1.2-strict.xsd"), _NO_NET))
XSD20 = etree.XMLSchema(etree.parse(str(XLIFF_SCHEMAS / "xliff_core_2.0.xsd"), _NO_NET))


def stripped_pair(pair: AlignedPair, *, texts: bool = True) -> AlignedPair:
    """``pair`` with what XML cannot hold removed (from its texts too unless ``texts``=False)."""
    s = strip_forbidden
    return dataclasses.replace(
        pair,
        source=s(pair.source) if texts else pair.source,
        target=s(pair.target) if texts else pair.target,
        doc=s(pair.doc),
        flags=tuple(s(f) for f in pair.flags),
        signature=s(pair.signature),
        extra={s(k): s(v) for k, v in pair.extra.items()},
        # xs:language: '_' is written '-'
        source_lang=pair.source_lang.replace("_", "-"),
        target_lang=pair.target_lang.replace("_", "-"),
    )


def _xliff_stripped(p: AlignedPair, *, texts: bool) -> int:
    """Characters removed from a pair's fields, each field counted once."""
    fields = [p.doc, *p.flags, p.signature, p.uid, p.source_lang, p.target_lang]
    fields += [kv for k, v in p.extra.items() for kv in (k, v)]
    if texts:
        fields += [p.source, p.target]
    return sum(count_forbidden(t) for t in fields)


class TestXLIFF12(FormatRoundTrip):
    fmt = XLIFF12Format()
    surrogates = True

    def expected(self, pair: AlignedPair) -> AlignedPair:
        return stripped_pair(pair)

    def expected_stripped(self, pairs: list[AlignedPair]) -> int:
        return sum(_xliff_stripped(p, texts=True) for p in pairs)

    def check_output(self, blobs: list[bytes]) -> None:
        root = etree.fromstring(blobs[0], _NO_NET)
        assert XSD12.validate(root), XSD12.error_log.filter_from_errors()


class TestXLIFF2(FormatRoundTrip):
    fmt = XLIFF2Format()
    surrogates = True

    def expected(self, pair: AlignedPair) -> AlignedPair:
        return stripped_pair(pair, texts=False)  # texts keep them as <cp/>

    def expected_stripped(self, pairs: list[AlignedPair]) -> int:
        return sum(_xliff_stripped(p, texts=False) for p in pairs)

    def check_output(self, blobs: list[bytes]) -> None:
        root = etree.fromstring(blobs[0], _NO_NET)
        assert XSD20.validate(root), XSD20.error_log.filter_from_errors()


class TestTSV(FormatRoundTrip):
    fmt = TSVFormat()

    def read(self, data: str) -> list[AlignedPair]:
        return list(self.fmt.read(io.BytesIO(data.encode("utf-8")), name="c.tsv"))

    def test_escaping(self) -> None:
        assert escape("a\\b\tc\nd\re\\t") == "a\\\\b\\tc\\nd\\re\\\\t"
        assert unescape("a\\\\b\\tc\\nd\\re\\\\t") == "a\\b\tc\nd\re\\t"
        assert unescape("C:\\Users\\x\\") == "C:\\Users\\x\\"  # unknown escapes kept
        blobs, _ = self.export([AlignedPair('x\t"y"\n\\', "z\r")])
        assert blobs[0].decode().split("\n")[1].split("\t")[:2] == ['x\\t"y"\\n\\\\', "z\\r"]

    def test_exact_output(self) -> None:
        blobs, _ = self.export(
            [AlignedPair("Xin chào.", "Hello.", doc="d", para=1, sent=2, start=0, end=9,
                         flags=("heading", "byline"), signature="s", score=0.25, reviewed=True)]
        )  # fmt: skip
        assert blobs[0].decode() == (
            "vi\ten\tid\tdoc\tpara\tsent\tstart\tend\tflags\tsignature\tscore\treviewed\textra\n"
            "Xin chào.\tHello.\td:1:2\td\t1\t2\t0\t9\theading,byline\ts\t0.25\t1\t\n"
        )

    def test_columns_option_and_short_form(self) -> None:
        out = io.StringIO()
        TSVFormat(columns=("en", "vi", "id")).write([AlignedPair("a", "b", doc="d")], out)
        assert out.getvalue() == "en\tvi\tid\nb\ta\td:0:0\n"
        out = io.StringIO()
        TSVFormat(columns=("vi", "en")).write([AlignedPair("a\tb", "c")], out)
        assert out.getvalue() == "vi\ten\na\\tb\tc\n"

    def test_any_column_order_reads_back_the_same(self) -> None:
        pairs = [
            AlignedPair("a\tb\\n", "c\r\n", doc="x:y", para=2, sent=3, start=5, end=None,
                        flags=("byline", "caption"), signature="s\t", score=-0.0, reviewed=True),
            AlignedPair("", "", score=1e-300),
        ]  # fmt: skip
        out = io.StringIO()
        TSVFormat(columns=tuple(reversed(COLUMNS))).write(pairs, out)
        assert out.getvalue().split("\n")[0] == "\t".join(reversed(COLUMNS))
        assert self.read(out.getvalue()) == pairs

    @pytest.mark.parametrize("columns", [("vi",), ("vi", "en", "vi"), ("vi", "en", "bogus")])
    def test_bad_columns_option(self, columns: tuple[str, ...]) -> None:
        with pytest.raises(ConfigError, match=r"^bad TSV columns"):
            TSVFormat(columns=columns)

    def test_reader_follows_header(self) -> None:
        got = self.read("\ufeffen\tsource_url\tvi\tid\r\nHello\thttp://x\tChào\tdoc:7:3\r\n\n")
        assert got == [AlignedPair("Chào", "Hello", doc="doc", para=7, sent=3)]
        assert got[0].extra == {"source_url": "http://x"}

    def test_wrong_cell_count_names_line(self) -> None:
        with pytest.raises(DataError) as e:
            self.read("vi\ten\na\tb\nc\td\te\n")
        assert str(e.value).startswith(
            "c.tsv: line 3: 3 tab-separated cells, but the header has 2 (vi, en)"
        )

    def test_bad_header(self) -> None:
        with pytest.raises(DataError, match=r"^c\.tsv: line 1: the header row 'Xin\\tHi'"):
            self.read("Xin\tHi\n")

    def test_bad_number(self) -> None:
        with pytest.raises(
            DataError, match=r"^c\.tsv: line 2: column 'para' must be a whole number or empty"
        ):
            self.read("vi\ten\tpara\na\tb\tx\n")
        with pytest.raises(DataError, match=r"^c\.tsv: line 2: column 'score' must be a number"):
            self.read("vi\ten\tscore\na\tb\thigh\n")
        with pytest.raises(DataError, match=r"^c\.tsv: line 2: column 'reviewed' must be 1 or 0"):
            self.read("vi\ten\treviewed\na\tb\tmaybe\n")

    def test_bad_utf8_names_line(self) -> None:
        data = b"vi\ten\na\tb\nVi\xe9t\tx\n"
        with pytest.raises(DataError, match=r"^c\.tsv: line 3: not valid UTF-8 \(byte 0xe9"):
            list(self.fmt.read(io.BytesIO(data), name="c.tsv"))

    def test_flag_with_comma_refused(self) -> None:
        with pytest.raises(DataError, match=r"^flag name 'a,b' cannot be written to TSV"):
            self.export([AlignedPair("x", "y", flags=("a,b",))])

    def test_empty_file(self) -> None:
        assert self.read("") == []


class TestMoses(FormatRoundTrip):
    fmt = MosesFormat()

    def write_to(self, pairs: Any, outs: list[io.StringIO]) -> WriteStats:
        outs.extend([io.StringIO(), io.StringIO()])
        return self.fmt.write_pair_files(pairs, outs[0], outs[1])

    def import_(self, blobs: list[bytes], *, binary: bool = True) -> list[AlignedPair]:
        return list(self.import_lazy(blobs, binary=binary))

    def import_lazy(self, blobs: list[bytes], *, binary: bool = True) -> Any:
        vi: Any
        en: Any
        if binary:
            vi, en = io.BytesIO(blobs[0]), io.BytesIO(blobs[1])
        else:
            vi, en = io.StringIO(blobs[0].decode()), io.StringIO(blobs[1].decode())
        return self.fmt.read_pair_files(vi, en, "corpus")

    def expected(self, pair: AlignedPair) -> AlignedPair:
        one = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
        return dataclasses.replace(
            pair, source=one.sub(" ", pair.source), target=one.sub(" ", pair.target)
        )

    def test_line_breaks_become_spaces(self) -> None:
        blobs, _ = self.export([AlignedPair("a\r\nb\nc\u2028d", "x\ry"), AlignedPair("", "z")])
        assert blobs == [b"a b c d\n\n", b"x y\nz\n"]

    def test_leading_feff_is_not_taken_for_a_bom(self) -> None:
        blobs, _ = self.export([AlignedPair("\ufeffa", "b"), AlignedPair("\ufeffc", "d")])
        assert blobs == ["\ufeff\ufeffa\n\ufeffc\n".encode(), b"b\nd\n"]
        assert [p.source for p in self.import_(blobs)] == ["\ufeffa", "\ufeffc"]
        bom = [b"\xef\xbb\xbfa\n", b"\xef\xbb\xbfb\n"]  # a file saved with a BOM
        assert self.import_(bom) == [AlignedPair("a", "b")]

    def test_line_count_mismatch(self) -> None:
        with pytest.raises(DataError) as e:
            list(self.fmt.read_pair_files(io.BytesIO(b"a\nb\nc\n"), io.BytesIO(b"x\ny\n"), "c"))
        assert str(e.value).startswith("c.vi has 3 lines but c.en has 2;")
        with pytest.raises(DataError, match=r"^c\.vi has 0 lines but c\.en has 1;"):
            list(self.fmt.read_pair_files(io.BytesIO(b""), io.BytesIO(b"x\n"), "c.vi"))

    def test_one_stream_refused(self) -> None:
        with pytest.raises(ConfigError, match=r"^format 'moses' writes two files"):
            self.fmt.write([], io.StringIO())
        with pytest.raises(ConfigError, match=r"^format 'moses' reads two files"):
            list(self.fmt.read(io.BytesIO(b""), name="x"))

    def test_stdin_and_stdout_refused(self) -> None:
        with pytest.raises(ConfigError, match=r"^format 'moses' writes two files and cannot go"):
            write_path(self.fmt, [], "-")
        with pytest.raises(ConfigError, match=r"^format 'moses' reads two files and cannot come"):
            list(read_path(self.fmt, "-"))

    def test_paths(self) -> None:
        expected = (Path("out/corpus.vi"), Path("out/corpus.en"))
        for p in ("out/corpus", "out/corpus.vi", "out/corpus.en"):
            assert self.fmt.paths(p) == expected


class TestJSONL(FormatRoundTrip):
    fmt = JSONLFormat()

    def read(self, data: str) -> list[AlignedPair]:
        return list(self.fmt.read(io.BytesIO(data.encode("utf-8")), name="c.jsonl"))

    def test_exact_output(self) -> None:
        blobs, _ = self.export([AlignedPair("Chào", "Hi", flags=("byline",), score=float("nan"))])
        assert json.loads(blobs[0]) == {
            "id": ":0:0", "doc": "", "para": 0, "sent": 0, "start": None, "end": None,
            "source_lang": "vi", "target_lang": "en", "vi": "Chào", "en": "Hi",
            "flags": ["byline"], "signature": "", "score": None, "reviewed": False, "extra": {},
        }  # fmt: skip
        assert "Chào" in blobs[0].decode()  # not \\u escapes

    def test_minimal_and_foreign_shapes(self) -> None:
        got = self.read(
            '{"vi": "a", "en": "b"}\n\n{"source": "c", "target": "d", "para": 2}\n'
            '{"translation": {"vi": "e", "en": "f"}}\n'
        )
        assert got == [AlignedPair("a", "b"), AlignedPair("c", "d", para=2), AlignedPair("e", "f")]

    def test_malformed_line(self) -> None:
        with pytest.raises(DataError) as e:
            self.read('{"vi": "a", "en": "b"}\n{"vi": "a", "en": \n')
        assert str(e.value).startswith("c.jsonl: line 2: not valid JSON (Expecting value at col")

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ('["vi", "en"]', "c.jsonl: line 1: expected a JSON object, got list"),
            ('{"en": "b"}', "c.jsonl: line 1: no 'vi' key (nor 'source'); each line needs"),
            ('{"vi": null}', "c.jsonl: line 1: key 'vi' must be str, got null"),
            ('{"vi": "a", "para": "1"}', "c.jsonl: line 1: key 'para' must be int, got \"1\""),
            ('{"vi": "a", "para": true}', "c.jsonl: line 1: key 'para' must be int, got true"),
            ('{"vi": "a", "score": "x"}', "c.jsonl: line 1: key 'score' must be int or float or"),
            ('{"vi": "a", "flags": [1]}', "c.jsonl: line 1: key 'flags' must be a list of str"),
        ],
    )
    def test_wrong_types(self, line: str, message: str) -> None:
        with pytest.raises(DataError) as e:
            self.read(line + "\n")
        assert str(e.value).startswith(message)


def test_registry() -> None:
    assert sorted(FORMATS) == ["jsonl", "moses", "tmx", "tsv", "xliff", "xliff2"]
    assert isinstance(get_format("TMX"), TMXFormat)
    with pytest.raises(ConfigError, match=r"^unknown format 'xlf'; choose one of: jsonl, "):
        get_format("xlf")
    assert isinstance(format_for_path("a/b.tmx.gz"), TMXFormat)
    assert isinstance(format_for_path("a/b.xlf"), XLIFF12Format)
    assert isinstance(format_for_path("a/b.en"), MosesFormat)
    assert isinstance(format_for_path("x.TSV"), TSVFormat)
    with pytest.raises(ConfigError, match=r"^cannot tell the format of 'x\.csv'"):
        format_for_path("x.csv")
    for cls in FORMATS.values():
        assert cls.holds <= ALL_FIELDS and {"source", "target"} <= cls.holds


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_write_path_and_read_path(name: str, tmp_path: Path) -> None:
    fmt = get_format(name)
    pairs = [AlignedPair("Xin chào.", "Hello."), AlignedPair("Tạm biệt.", "Goodbye.")]
    target = tmp_path / f"corpus{fmt.suffixes[0] if name != 'moses' else ''}"
    assert write_path(fmt, iter(pairs), target) == WriteStats(pairs=2, stripped_chars=0)
    assert list(read_path(fmt, target)) == pairs
    with pytest.raises(OutputExistsError):
        write_path(fmt, pairs, target)
    write_path(fmt, pairs[:1], target, force=True)
    assert list(read_path(fmt, target)) == pairs[:1]
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["corpus.en", "corpus.vi"] if name == "moses" else [target.name]
    )


def test_moses_write_path_refuses_before_writing_either(tmp_path: Path) -> None:
    (tmp_path / "c.en").write_text("old\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_path(MosesFormat(), [AlignedPair("a", "b")], tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.en"]


def test_read_path_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^no such file: '.*nope\.tsv'; check the path"):
        list(read_path(TSVFormat(), tmp_path / "nope.tsv"))
    (tmp_path / "c.vi").write_text("a\n")
    with pytest.raises(ConfigError, match=r"^no such file: '.*c\.en'; check the path"):
        list(read_path(MosesFormat(), tmp_path / "c"))


# -- the registry feeds the CLI ---------------------------------------------------------------


def _format_choices(command: str) -> list[str]:
    import argparse

    from aligned.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    (fmt,) = [a for a in sub.choices[command]._actions if a.dest == "format"]
    return list(fmt.choices or [])


def test_registry_declarations_feed_the_cli() -> None:
    from aligned.formats import format_names, run_formats

    for name, cls in FORMATS.items():
        assert cls.name == name and cls.suffixes and all(s.startswith(".") for s in cls.suffixes)
        assert cls.help and "\n" not in cls.help and len(cls.help) <= 70, name
    assert format_names() == ["tmx", "tsv", "moses", "jsonl", "xliff", "xliff2"]
    assert _format_choices("export") == format_names(writable=True) == format_names()
    assert _format_choices("import") == format_names(readable=True) == format_names()
    runs = {f.name: [p.name for p in f.files(Path("out") / str(f.run_file))] for f in run_formats()}
    assert runs == {
        "tmx": ["corpus.tmx"],
        "tsv": ["corpus.tsv"],
        "moses": ["corpus.vi", "corpus.en"],
        "jsonl": ["corpus.jsonl"],
    }


class _WriteOnlyTSV(TSVFormat):
    """A format as a newcomer adds one: a class with its declarations, one registry line."""

    name: ClassVar[str] = "tsv-out"
    suffixes: ClassVar[tuple[str, ...]] = (".tsvo",)
    help: ClassVar[str] = "TSV for another tool, written only"
    can_read: ClassVar[bool] = False
    run_file: ClassVar[str | None] = "corpus.tsvo"


def test_a_new_format_reaches_export_import_and_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aligned.formats import formats_help, run_formats
    from aligned.runner import run_corpus
    from corpus.pipeline import PipelineOptions, process_documents
    from corpus.readers import read_sources
    from translate.types import Hypothesis, Signature

    class Upper:
        signature = Signature("m", "r", "ct2", "int8", 1, 512, "0")

        def translate(self, sentences: list[str]) -> list[Hypothesis]:
            return [Hypothesis(t.upper(), None, 1, 1, self.signature) for t in sentences]

    monkeypatch.setitem(FORMATS, _WriteOnlyTSV.name, _WriteOnlyTSV)
    assert "tsv-out" in _format_choices("export")
    assert "tsv-out" not in _format_choices("import")
    assert "tsv-out: TSV for another tool, written only" in formats_help(["tsv-out"])
    assert [f.name for f in run_formats()][-1] == "tsv-out"
    src = tmp_path / "d.txt"
    src.write_text("Xin chào các bạn.\n", encoding="utf-8")
    docs = process_documents(list(read_sources([str(src)])), PipelineOptions())
    result = run_corpus(docs, tmp_path / "out", Upper)
    assert tmp_path / "out" / "corpus.tsvo" in result.exports
    written = (tmp_path / "out" / "corpus.tsvo").read_text("utf-8").splitlines()
    assert written[1].split("\t")[:2] == ["Xin chào các bạn.", "XIN CHÀO CÁC BẠN."]


def test_import_reads_a_moses_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aligned.cli import main

    (tmp_path / "c.vi").write_text("Xin chào.\nCảm ơn.\n", encoding="utf-8")
    (tmp_path / "c.en").write_text("Hello.\nThanks.\n", encoding="utf-8")
    store = tmp_path / "s.sqlite"
    assert main(["import", str(tmp_path / "c.vi"), "-o", str(store), "-q"]) == 0
    assert main(["export", str(store), "--format", "moses", "-o", str(tmp_path / "d"), "-q"]) == 0
    assert (tmp_path / "d.vi").read_text("utf-8") == "Xin chào.\nCảm ơn.\n"
    assert (tmp_path / "d.en").read_text("utf-8") == "Hello.\nThanks.\n"
