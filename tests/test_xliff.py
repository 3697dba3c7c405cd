"""XLIFF 1.2 and 2.0 beyond the shared round-trip suite: review states, ids, notes, the
post-editing reader (:func:`xliff_decisions`), and translate-toolkit reading our XLIFF and TMX
in an environment of its own (its top-level ``translate`` package clashes with ours).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from aligned.formats import TMXFormat, XLIFF2Format, XLIFF12Format, write_path
from aligned.formats.xliff import from_name_token, name_token, xliff_decisions
from aligned.pairs import AlignedPair
from corpus.errors import DataError
from tests.shared_data import SHARED
from tests.tinymodels import cache_root

_NO_NET = etree.XMLParser(no_network=True)
XSD12 = etree.XMLSchema(
    etree.parse(str(SHARED / "schemas" / "xliff" / "xliff-core-1.2-strict.xsd"), _NO_NET)
)
XSD20 = etree.XMLSchema(
    etree.parse(str(SHARED / "schemas" / "xliff" / "xliff_core_2.0.xsd"), _NO_NET)
)
PAIRS = [
    AlignedPair(
        "Xin chào.", "Hello.", doc="a.txt", para=1, sent=1, uid="a.txt#0123456789",
        flags=("heading",), score=-0.25, signature="sig", reviewed=False,
    ),
    AlignedPair("Cảm ơn.", "Thanks.", doc="a.txt", para=1, sent=2, reviewed=True),
    AlignedPair("Tạm biệt.", "Bye.", doc="b.txt", para=1, sent=1),
]  # fmt: skip


def write(fmt: XLIFF12Format | XLIFF2Format, pairs: list[AlignedPair]) -> str:
    out = io.StringIO()
    fmt.write(pairs, out)
    return out.getvalue()


def test_xliff12_states_notes_files_and_ids() -> None:
    text = write(XLIFF12Format(), PAIRS)
    root = etree.fromstring(text.encode())
    assert XSD12.validate(root), XSD12.error_log.filter_from_errors()
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    assert [f.get("original") for f in root.findall("x:file", ns)] == ["a.txt", "b.txt"]
    units = root.findall(".//x:trans-unit", ns)
    assert [u.get("resname") for u in units] == ["a.txt#0123456789", "a.txt:1:2", "b.txt:1:1"]
    assert units[0].get("id") == "a.txt_0023_0123456789"
    assert from_name_token(units[0].get("id")) == "a.txt#0123456789"
    targets = [u.find("x:target", ns) for u in units]
    assert [(t.get("state"), t.get("state-qualifier")) for t in targets] == [
        ("needs-review-translation", "leveraged-mt"),
        ("final", None),
        ("needs-review-translation", "leveraged-mt"),
    ]
    assert [u.get("approved") for u in units] == [None, "yes", None]
    assert [n.text for n in units[0].findall("x:note", ns)] == [
        "flags: heading",
        "score: -0.2500",
        "system: sig",
    ]
    back = list(XLIFF12Format().read(io.BytesIO(text.encode()), name="x.xlf"))
    assert back == PAIRS


def test_xliff20_states_and_one_language_pair() -> None:
    text = write(XLIFF2Format(), PAIRS)
    root = etree.fromstring(text.encode())
    assert XSD20.validate(root), XSD20.error_log.filter_from_errors()
    assert (root.get("srcLang"), root.get("trgLang")) == ("vi", "en")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    assert [s.get("state") for s in root.findall(".//x:segment", ns)] == [
        "initial",
        "final",
        "initial",
    ]
    assert [u.get("name") for u in root.findall(".//x:unit", ns)] == [
        "a.txt#0123456789",
        "a.txt:1:2",
        "b.txt:1:1",
    ]
    assert list(XLIFF2Format().read(io.BytesIO(text.encode()), name="x.xlf")) == PAIRS
    mixed = [*PAIRS, AlignedPair("Hallo", "Hello", source_lang="de", target_lang="en")]
    with pytest.raises(DataError, match=r"^pair :0:0 is de→en, but this XLIFF 2\.0 file is vi→en"):
        write(XLIFF2Format(), mixed)
    # XLIFF 1.2 holds several language pairs: one <file> each
    assert write(XLIFF12Format(), mixed).count('source-language="de"') == 1


def test_name_tokens_are_reversible_and_valid() -> None:
    for text in ["a b/c#d:1:2", "_x_", "Việt 😀", "", "-.1"]:
        token = name_token(text)
        assert etree.fromstring(f'<u id="{token}"/>') is not None
        assert from_name_token(token) == text or (text == "" and token == "_")


def _post_edit(text: str, edits: dict[str, tuple[str, str]], *, version: int) -> str:
    """``text`` with targets changed and states set the way a CAT tool does (by unit name)."""
    root = etree.fromstring(text.encode())
    if version == 1:
        ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
        for unit in root.iterfind(".//x:trans-unit", ns):
            if unit.get("resname") in edits:
                new, state = edits[unit.get("resname")]
                target = unit.find("x:target", ns)
                target.text = new or target.text
                target.set("state", state)
    else:
        ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
        for unit in root.iterfind(".//x:unit", ns):
            if unit.get("name") in edits:
                new, state = edits[unit.get("name")]
                seg = unit.find("x:segment", ns)
                seg.find("x:target", ns).text = new or seg.find("x:target", ns).text
                seg.set("state", state)
    return etree.tostring(root, encoding="unicode")


@pytest.mark.parametrize("version", [1, 2])
def test_xliff_decisions_from_a_cat_tool(version: int, tmp_path: Path) -> None:
    fmt = XLIFF12Format() if version == 1 else XLIFF2Format()
    pairs = [*PAIRS, AlignedPair("Một.", "One.", doc="b.txt", para=1, sent=2)]
    edits = {
        "a.txt#0123456789": ("Hello!", "translated"),  # edited
        "b.txt:1:1": ("", "final" if version == 2 else "signed-off"),  # confirmed unchanged
        "b.txt:1:2": ("", "initial" if version == 2 else "needs-review-translation"),
    }
    path = tmp_path / "back.xlf"
    path.write_text(_post_edit(write(fmt, pairs), edits, version=version), "utf-8")
    assert xliff_decisions(str(path)) == [
        ("a.txt#0123456789", "edit", "Hello!"),
        ("a.txt:1:2", "accept", ""),  # exported reviewed (final), unchanged
        ("b.txt:1:1", "accept", ""),
    ]


def test_xliff_decisions_refuses_what_is_not_xliff(tmp_path: Path) -> None:
    path = tmp_path / "x.xlf"
    path.write_text("<tmx version='1.4'/>", "utf-8")
    with pytest.raises(DataError, match=r"x\.xlf: line 1: not an XLIFF file"):
        xliff_decisions(str(path))


def test_alt_trans_is_not_a_target_and_reversed_files_are_turned() -> None:
    xlf = b"""<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
<file original="o" source-language="en" target-language="vi-VN" datatype="plaintext"><body>
<trans-unit id="1"><source>Hello</source>
 <alt-trans><target>Chao MT</target></alt-trans></trans-unit>
<trans-unit id="2"><source>Bye</source><target>T\xe1\xba\xa1m bi\xe1\xbb\x87t</target>
 <note>checked</note></trans-unit>
</body></file></xliff>"""
    fmt = XLIFF12Format()
    first, second = fmt.read(io.BytesIO(xlf), name="r.xlf")
    assert (first.source, first.target) == ("", "Hello")  # no Vietnamese: skipped by import
    assert (second.source, second.target, second.source_lang, second.target_lang) == (
        "Tạm biệt",
        "Bye",
        "vi-VN",
        "en",
    )
    assert second.extra == {
        "note": "checked",
        "@id": "2",
        "@original": "o",
        "direction": "en→vi-VN",
    }
    assert fmt.read_stats.reversed == 2


# -- translate-toolkit reads our files ---------------------------------------------------------

TTK_SCRIPT = r"""
import json, sys
from translate.storage import tmx, xliff
out = {}
with open(sys.argv[1], "rb") as f:
    store = xliff.xlifffile(f.read())
out["xliff"] = [(u.source, u.target, u.getid(), u.isapproved(), u.getnotes())
                for u in store.units]
out["xliff_langs"] = [store.getsourcelanguage(), store.gettargetlanguage()]
with open(sys.argv[2], "rb") as f:
    memory = tmx.tmxfile(f.read(), "vi", "en-US")
out["tmx"] = [(u.source, u.target) for u in memory.units]
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="session")
def ttk_python() -> Path:
    """The python of a virtual environment with translate-toolkit (built once, cached)."""
    venv = cache_root() / "translate-toolkit-venv"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    building = venv.with_name(f"{venv.name}.{os.getpid()}.tmp")
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    pip = subprocess.run(
        [str(building / "bin" / "pip"), "install", "-q", "translate-toolkit"],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        if "Could not find a version" in pip.stderr or "connection" in pip.stderr.lower():
            pytest.skip(f"pip cannot reach a package registry: {pip.stderr.strip()[-300:]}")
        raise AssertionError(pip.stderr)
    with contextlib.suppress(OSError):  # another session built it meanwhile
        building.rename(venv)
    return python


def test_translate_toolkit_reads_our_xliff_and_tmx(ttk_python: Path, tmp_path: Path) -> None:
    pairs = [
        AlignedPair("Xin chào <b>bạn</b> & \"em\".", "Hello <b>friend</b> & 'you'.", doc="d",
                    para=1, sent=1, flags=("heading",), score=-0.5, target_lang="en-US"),
        AlignedPair("Cảm ơn.", "Thanks.", doc="d", para=1, sent=2, reviewed=True,
                    target_lang="en-US"),
    ]  # fmt: skip
    write_path(XLIFF12Format(), pairs, tmp_path / "c.xlf")
    write_path(TMXFormat(), pairs, tmp_path / "c.tmx")
    script = tmp_path / "read.py"
    script.write_text(TTK_SCRIPT, "utf-8")
    done = subprocess.run(
        [str(ttk_python), str(script), str(tmp_path / "c.xlf"), str(tmp_path / "c.tmx")],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the checkout: our translate/ package must not shadow theirs
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert [u[:2] for u in got["xliff"]] == [[p.source, p.target] for p in pairs]
    # translate-toolkit's id: the file's original, \x04, the unit id
    assert [u[2] for u in got["xliff"]] == ["d\x04d_003A_1_003A_1", "d\x04d_003A_1_003A_2"]
    assert [u[3] for u in got["xliff"]] == [False, True]
    assert "flags: heading" in got["xliff"][0][4]
    assert got["xliff_langs"] == ["vi", "en-US"]
    assert got["tmx"] == [[p.source, p.target] for p in pairs]


@pytest.mark.parametrize(("fmt_name", "version"), [("xliff", 1), ("xliff2", 2)])
def test_post_editing_round_trip_through_review_apply(
    fmt_name: str, version: int, tmp_path: Path
) -> None:
    """export --format xliff → a CAT tool edits one unit and confirms another → review --apply:
    an edit and an accept, exported like the server's and JSONL decisions."""
    from aligned.store import open_store
    from tests.cli import run_cli
    from tests.fakes import build_translated_store

    store = tmp_path / "s.sqlite"
    build_translated_store(store)
    xlf = tmp_path / "out.xlf"
    assert run_cli(["export", store, "--format", fmt_name, "--drop", "none", "-o", xlf]).code == 0
    with open_store(store, create=False) as st:
        pairs = list(st.pairs(st.resolve_system("latest")))
    first, second = pairs[0].id, pairs[1].id
    confirmed = "final" if version == 2 else "signed-off"
    edits = {first: ("Hello.", "translated"), second: ("", confirmed)}
    xlf.write_text(_post_edit(xlf.read_text("utf-8"), edits, version=version), "utf-8")
    code, _, err = run_cli(["review", store, "--apply", xlf, "--who", "cat"])
    assert (code, err) == (0, f"songngu: applied 2 decisions (1 accept, 1 edit) to {store}\n")
    code, out, _ = run_cli(["export", store, "--format", "tsv", "--reviewed-only", "-o", "-"])
    rows = [line.split("\t")[:3] for line in out.splitlines()[1:]]
    assert rows == [
        [pairs[0].source, "Hello.", first],
        [pairs[1].source, pairs[1].target, second],
    ]
    # An XLIFF naming a segment the store does not have applies nothing.
    edits = {first: ("Hi.", "translated")}
    text = _post_edit(xlf.read_text("utf-8"), edits, version=version)
    bad = tmp_path / "bad.xlf"
    bad.write_text(text.replace(second, "zz.txt#0000000000"), "utf-8")
    code, _, err = run_cli(["review", store, "--apply", bad])
    assert code == 65 and err.rstrip().endswith("nothing was applied"), err
