"""``songngu report``: the HTML review report, checked server-side with lxml.html.

Stores are built with a fake translator (upper-cases, like tests/test_store.py), so no model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from aligned.checks import check_store
from aligned.cli import main
from aligned.references import attach_lines
from aligned.report import DiffPart, diff_html, json_for_script, render_report, word_diff
from aligned.runner import translate_pending
from aligned.scoring import score_store
from aligned.store import Store, open_store
from corpus.errors import ConfigError, DataError
from tests.fakes import SIG, SIG2, XSS, FakeTranslator, SuffixTranslator
from tests.fakes import make_document as doc

XSS_SCRIPT, XSS_IMG = XSS
EVIL_DOC = "d</script><script>alert(2)</script>"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "corpus.sqlite") as s:
        s.add_documents(
            [
                doc(
                    "a",
                    ["con mèo ngồi", "xin chào"],
                    ["Ảnh: BCA"],
                    flags={"Ảnh: BCA": ("photo-credit",)},
                ),
                doc("b", ["một hai ba bốn năm"]),
            ]
        )  # fmt: skip
        run_system(s, FakeTranslator(SIG))
        yield s


def run_system(store: Store, translator: FakeTranslator) -> None:
    store.use_system(str(translator.signature))
    translate_pending(store, translator, drop=frozenset())


SIMPLE_SELECTOR = r"([a-z]*)(#[\w-]+)?((?:\.[\w-]+)*)(\[[\w-]+\])?(:nth-child\((\d)\))?"


def xpath(css: str) -> str:
    """The few CSS selectors these tests use, as XPath (cssselect is not a dependency)."""
    steps = []
    for simple in css.split():
        m = re.fullmatch(SIMPLE_SELECTOR, simple)
        assert m, simple
        tag, ident, classes, attr, _, nth = m.groups()
        step = tag or "*"
        if ident:
            step += f"[@id='{ident[1:]}']"
        for cls in filter(None, classes.split(".")):
            step += f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"
        if attr:
            step += f"[@{attr[1:-1]}]"
        if nth:
            step += f"[count(preceding-sibling::*) = {int(nth) - 1}]"
        steps.append(step)
    return ".//" + "//".join(steps)


def select(tree: lxml.html.HtmlElement, css: str) -> list[lxml.html.HtmlElement]:
    return list(tree.xpath(xpath(css)))


def markup(el: lxml.html.HtmlElement) -> str:
    return str(lxml.html.tostring(el, encoding="unicode", with_tail=False))


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def texts(tree: lxml.html.HtmlElement, css: str) -> list[str]:
    return [el.text_content() for el in select(tree, css)]


def test_word_diff_exact() -> None:
    left, right = word_diff("the cat sat  down", "the dog sat down today")
    assert left == [DiffPart("the", False), DiffPart("cat", True), DiffPart("sat down", False)]
    assert right == [
        DiffPart("the", False),
        DiffPart("dog", True),
        DiffPart("sat down", False),
        DiffPart("today", True),
    ]
    assert word_diff("", "x") == ([], [DiffPart("x", True)])


def test_json_for_script_escapes_markup() -> None:
    assert str(json_for_script({"a": "</script>&"})) == '{"a": "\\u003c/script\\u003e\\u0026"}'


def test_one_system_no_reference_no_scores(store: Store) -> None:
    tree = parse(render_report(store))
    rows = select(tree, "#rows tr.row")
    assert len(rows) == 4
    assert tree.get_element_by_id("count").text_content() == "4"
    sources = ["con mèo ngồi", "xin chào", "Ảnh: BCA", "một hai ba bốn năm"]
    assert texts(tree, "tr.row td.src") == sources
    assert texts(tree, "tr.row td.mt") == [s.upper() for s in sources]
    assert select(tree, ".mt-b") == [] and select(tree, ".ref") == []
    assert "no reference" in tree.get_element_by_id("no-reference").text_content()
    assert [r.get("data-doc") for r in rows] == ["a", "a", "a", "b"]
    assert [r.get("data-bleu") for r in rows] == ["", "", "", ""]
    assert [r.get("data-score") for r in rows] == ["-0.5000"] * 4
    assert [r.get("data-flags") for r in rows] == ["", "", "photo-credit", ""]
    assert sorted(th.get("data-sort") for th in select(tree, "th[data-sort]")) == [
        "bleu", "chrf", "id", "score", "ter",
    ]  # fmt: skip
    assert [o.get("value") for o in select(tree, "#doc-filter option")] == ["", "a", "b"]
    assert [o.get("value") for o in select(tree, "#flag-filter option")] == [
        "", "-", "photo-credit",
    ]  # fmt: skip
    for hook in ("search", "min-score", "max-score", "score-metric"):
        assert tree.get_element_by_id(hook) is not None
    assert select(tree, "td.review") == []


def test_empty_store_renders(tmp_path: Path) -> None:
    with open_store(tmp_path / "empty.sqlite") as s:
        tree = parse(render_report(s))
    assert select(tree, "tr.row") == []
    assert tree.get_element_by_id("count").text_content() == "0"


def test_two_systems_side_by_side_with_diff(store: Store) -> None:
    run_system(store, SuffixTranslator(SIG2))
    tree = parse(render_report(store))  # default: latest (SIG2) as A, SIG as B
    assert tree.get_element_by_id("system-a").text_content() == str(SIG2)
    assert tree.get_element_by_id("system-b").text_content() == str(SIG)
    assert texts(tree, "tr.row td.mt")[0] == "CON MÈO NGỒI NOW"
    assert texts(tree, "tr.row td.mt-b")[0] == "CON MÈO NGỒI"
    first = select(tree, "tr.row td.mt")[0]
    assert markup(first) == ('<td class="mt">CON MÈO NGỒI <del class="diff">NOW</del></td>')
    tree = parse(render_report(store, systems=[str(SIG), str(SIG2)]))
    assert markup(select(tree, "tr.row td.mt-b")[0]) == (
        '<td class="mt-b">CON MÈO NGỒI <ins class="diff">NOW</ins></td>'
    )
    assert len(select(tree, "tr.row")) == 4
    tree = parse(render_report(store, systems=["latest"]))
    assert select(tree, ".mt-b") == []


def test_reference_scores_flags_and_diff(store: Store) -> None:
    attach_lines(store, ["CON CHÓ NGỒI", "XIN CHÀO", "", "MỘT HAI BA BỐN NĂM"], name="ref")
    html = render_report(store)  # scores computed for the report, not stored
    tree = parse(html)
    mt = select(tree, "tr.row td.mt")[0]
    ref = select(tree, "tr.row td.ref")[0]
    assert markup(mt) == ('<td class="mt">CON <del class="diff">MÈO</del> NGỒI</td>')
    assert markup(ref) == (
        '<td class="ref" data-alignment="1-1">CON <ins class="diff">CHÓ</ins> NGỒI</td>'
    )
    rows = select(tree, "tr.row")
    assert [r.get("data-bleu") for r in rows][1:] == ["100.00", "", "100.00"]
    assert [r.get("data-ter") for r in rows][1:] == ["0.00", "", "0.00"]
    assert "computed for this report" in tree.get_element_by_id("corpus-scores").text_content()
    assert store.db.execute("SELECT count(*) FROM scores").fetchone()[0] == 0

    score_store(store, str(SIG), "ref", n_bootstrap=1)
    check_store(store, str(SIG))
    tree = parse(render_report(store, reference="ref"))
    corpus = tree.get_element_by_id("corpus-scores").text_content()
    assert "computed for this report" not in corpus
    assert "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" in corpus
    assert [c.text_content() for c in select(tree, "table.corpus td:nth-child(2)")] == [
        "BLEU", "chrF2++", "TER",
    ]  # fmt: skip
    rows = select(tree, "tr.row")
    assert [r.get("data-flags") for r in rows] == [
        "check:vietnamese-left",
        "",
        "photo-credit check:vietnamese-left",
        "check:copy check:vietnamese-left",
    ]
    assert texts(tree, "tr.row td.flags")[2] == "photo-creditcheck:vietnamese-left"
    assert [o.get("value") for o in select(tree, "#flag-filter option")] == [
        "", "-", "check:copy", "check:vietnamese-left", "photo-credit",
    ]  # fmt: skip
    assert rows[1].get("data-bleu") == "100.00"


def test_untrusted_text_stays_text(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.sqlite") as s:
        s.add_documents([doc(EVIL_DOC, [XSS_SCRIPT, XSS_IMG])])
        run_system(s, FakeTranslator(SIG))
        attach_lines(s, [XSS_IMG, XSS_SCRIPT], name="r</script>")
        html = render_report(s)
    tree = parse(html)
    scripts = tree.xpath("//script")
    assert [(e.get("id"), e.get("type")) for e in scripts] == [
        ("report-config", "application/json"),
        ("report-js", None),
    ]
    assert tree.xpath("//*[@onerror]") == []
    assert tree.xpath("//img") == []
    assert html.count("</script>") == 2
    assert texts(tree, "tr.row td.src") == [XSS_SCRIPT, XSS_IMG]
    assert texts(tree, "tr.row td.mt") == [XSS_SCRIPT.upper(), XSS_IMG.upper()]
    assert texts(tree, "tr.row td.ref") == [XSS_IMG, XSS_SCRIPT]
    assert [r.get("data-doc") for r in select(tree, "tr.row")] == [EVIL_DOC, EVIL_DOC]
    config = json.loads(scripts[0].text)
    assert config["docs"] == [EVIL_DOC]
    assert config["reference"] == "r</script>"
    assert config["systems"] == [str(SIG)]
    assert [o.text_content() for o in select(tree, "#doc-filter option")] == ["all", EVIL_DOC]


def test_rows_show_the_latest_decision_read_only(store: Store) -> None:
    store.add_review("a", 1, 1, str(SIG), "accept")
    store.add_review("a", 1, 1, str(SIG), "reject")
    store.add_review("a", 1, 2, str(SIG), "edit", text="HELLO THERE")
    tree = parse(render_report(store))
    rows = select(tree, "tr.row")
    assert [r.get("data-decision") for r in rows] == ["reject", "edit", "", ""]
    assert texts(tree, "tr.row td.mt")[1] == "HELLO THEREMT: XIN CHÀO"
    assert rows[0].get("data-id") == str(store.segment_id("a", 1, 1))
    assert tree.xpath("//button | //textarea | //td[@class='review']") == []
    assert "connect-src" not in tree.xpath("//meta[@http-equiv]")[0].get("content")


def test_a_human_edit_is_shown_under_every_system(store: Store) -> None:
    store.add_review("a", 1, 1, str(SIG), "edit", text="The cat sits.", who="lan")
    store.add_review("a", 1, 2, str(SIG), "accept", who="lan")
    run_system(store, SuffixTranslator(SIG2))  # B's texts differ: " NOW" appended
    tree = parse(render_report(store, systems=[str(SIG2)]))
    first = select(tree, "tr.row td.mt")[0]
    assert markup(first) == (
        '<td class="mt edited">The cat sits.<span class="mt-replaced">MT: '
        "<s>CON MÈO NGỒI NOW</s></span></td>"
    )
    rows = select(tree, "tr.row")
    assert [r.get("data-decision") for r in rows] == ["edit", "", "", ""]  # accept: not B's text
    tree = parse(render_report(store, systems=[str(SIG)]))
    assert [r.get("data-decision") for r in select(tree, "tr.row")] == ["edit", "accept", "", ""]
    assert texts(tree, "tr.row td.mt .mt-replaced s")[0] == "CON MÈO NGỒI"


def test_system_errors(store: Store) -> None:
    with pytest.raises(ConfigError, match="at most two systems"):
        render_report(store, systems=["latest", "a", "b"])
    with pytest.raises(ConfigError, match="is not in"):
        render_report(store, systems=["nope"])
    with pytest.raises(ConfigError, match="given twice"):
        render_report(store, systems=[str(SIG), "latest"])
    with pytest.raises(DataError, match="the store has no references; attach one"):
        render_report(store, reference="missing")
    attach_lines(store, ["A", "B", "C", "D"], name="ref")
    with pytest.raises(ConfigError, match=r"--ref 'missing' is not in .*references: ref"):
        render_report(store, reference="missing")


def test_cli_writes_refuses_and_forces(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(store.path), "-o", str(out), "-q"]) == 0
    tree = parse(out.read_text(encoding="utf-8"))
    assert len(select(tree, "tr.row")) == 4
    assert main(["report", str(store.path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"output file {str(out)!r} already exists; pass --force" in err
    assert main(["report", str(store.path), "-o", str(out), "--force", "-q"]) == 0
    assert main(["report", str(store.path), "-o", "-", "--system", "latest"]) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("<!DOCTYPE html>")
    assert len(select(parse(stdout), "tr.row")) == 4
    assert main(["report", str(tmp_path / "none.sqlite"), "-o", "-"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_diff_html_escapes_every_run() -> None:
    parts = [DiffPart("<b>x</b>", True), DiffPart('&"y', False)]
    assert (
        str(diff_html(parts, "del")) == '<del class="diff">&lt;b&gt;x&lt;/b&gt;</del> &amp;&#34;y'
    )
    assert str(diff_html(None, "ins")) == ""


def test_same_store_same_bytes(store: Store) -> None:
    """No timestamp in the page: re-running `songngu run`/`report` rewrites an identical file."""
    assert render_report(store) == render_report(store)
