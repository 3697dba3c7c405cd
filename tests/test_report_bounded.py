"""The bounded report of a large store: summary, flagged and worst rows, and `run --no-report`.

The threshold is lowered to 3 segments so the known store (tests/fakes.py ``build_ab_store``,
7 segments) counts as large.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aligned import report_bounded
from aligned.report import render_report
from aligned.store import open_store
from tests.fakes import DOC_B, SIG, SIG2, XSS, build_ab_store, build_translated_store

A, B = str(SIG), str(SIG2)


class Cells(HTMLParser):
    """The text of each ``<tr>`` of the table with id ``table``."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table, self.depth, self.rows = table, 0, []  # type: ignore[var-annotated]
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def table(html: str, name: str) -> list[list[str]]:
    parser = Cells(name)
    parser.feed(html)
    return [[c.strip() for c in row] for row in parser.rows]


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_bounded, "BOUNDED_ROWS", 3)


def test_large_store_gets_the_bounded_summary(tmp_path: Path, small_threshold: None) -> None:
    path = tmp_path / "corpus.sqlite"
    build_ab_store(path)
    with open_store(path) as store:
        store.add_judgement(1, A, B, "right", who="x")
        store.add_judgement(2, B, A, "left", who="x")
        store.add_judgement(3, A, B, "equal", who="x")
        html = render_report(store)
    assert "<script" not in html
    assert "7 segments in 2 documents</b>: above 3 segments this report holds the summary" in html
    assert f"<pre>songngu review {path}</pre>" in html
    assert re.search(r'id="system-a">' + re.escape(A), html)
    assert "3 blind judgements: 0 for A, 2 for B, 1 equal" in html
    flags = table(html, "flag-counts")
    assert flags[0] == ["on", "flag", "segments"]
    assert ["source", "boilerplate", "1"] in flags
    assert ["A", "check:numbers", "1"] in flags and ["B", "check:vietnamese-left", "4"] in flags
    docs = table(html, "documents")
    assert [row[:4] for row in docs] == [
        ["document", "segments", "flagged", "translated"],
        ["a", "5", "0", "5"],
        ["0b", "2", "1", "2"],
    ]
    assert docs[1][4] == "-0.500" and docs[2][4] == ""  # model score: fake -0.5, table none
    corpus = table(html, "corpus-scores")
    metrics = [["BLEU"], ["chrF2++"], ["TER"]]
    assert [r[:2] for r in corpus] == [["A", *m] for m in metrics] + [["B", *m] for m in metrics]
    assert "Flagged rows: 6 of 6</h2>" in html
    assert html.count("<tr data-id=") == 6 + 7  # flagged rows, then the worst-scored (all 7)
    assert "Worst-scored rows by sentence chrF++: 7" in html
    worst = html[html.index('id="worst"') :]
    order = re.findall(r'<td lang="vi">([^<]*)', worst)
    # chrF of A ascending, no score last: the XSS rows (0), DOC_B[0], Tôi đi học., ...
    assert order[:2] == [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
    ]
    assert order[-1] == DOC_B[1]
    assert XSS[0] not in html


def test_small_store_keeps_the_full_report(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    with open_store(path) as store:
        html = render_report(store)
    assert 'id="bounded"' not in html and 'id="rows"' in html


def test_bounded_report_without_reference_sorts_by_model_score(
    tmp_path: Path, small_threshold: None
) -> None:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    with open_store(path) as store:
        html = render_report(store)
    assert 'id="no-reference"' in html and "Worst-scored rows by model score: 5" in html
    assert "none yet (`songngu review STORE`, page /blind)" in html


def test_run_no_report_skips_report_html(tmp_path: Path) -> None:
    from aligned.cli import build_parser
    from aligned.runner import REPORT_NAME, run_corpus
    from tests.fakes import FakeTranslator, make_document

    docs = [make_document("a", ["Xin chào.", "Trời mưa."])]
    result = run_corpus(docs, tmp_path / "out", lambda: FakeTranslator(SIG), report=False)
    assert REPORT_NAME not in {p.name for p in result.exports}
    assert not (tmp_path / "out" / REPORT_NAME).exists()
    assert (tmp_path / "out" / "corpus.tsv").is_file()
    run_corpus(docs, tmp_path / "out", lambda: FakeTranslator(SIG))
    assert (tmp_path / "out" / REPORT_NAME).is_file()
    args = build_parser().parse_args(["run", "x.txt", "-o", "out", "--no-report"])
    assert args.no_report is True
