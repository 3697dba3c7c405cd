"""The report and the review server in a real browser: Debian's Chromium, headless, via Playwright.

Why a browser: the page's filters, escaping and review controls are JavaScript and DOM; only a
browser shows that search filters, that hostile strings stay text (no dialog ever fires) and
that a click on "save edit" reaches the store. Chromium is ``/usr/bin/chromium`` (``make test``
installs it); Playwright's own browser downloads are never used. Everything is loopback or
``file://``, and every wait is bounded (≤ 15 s).

Screenshots go to ``$SONGNGU_SCREENSHOT_DIR`` when set, else to a pytest temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from aligned.report import render_report
from aligned.store import open_store
from tests.fakes import SENTENCES, SIG, XSS, build_translated_store

TIMEOUT_MS = 15_000  # every wait in the page (the browser fixture is in conftest.py)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 700})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """Messages of every alert/confirm/prompt the page opens (each is dismissed)."""
    seen: list[str] = []

    def record(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return seen


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("SONGNGU_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_report_counts_searches_and_keeps_hostile_text_as_text(
    page: Page, dialogs: list[str], tmp_path: Path, shots: Path
) -> None:
    store_path = tmp_path / "corpus.sqlite"
    build_translated_store(store_path)
    with open_store(store_path, create=False) as store:
        html = render_report(store)
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")

    page.goto(report.as_uri())
    rows = page.locator("#rows tr.row")
    expect(page.locator("#count")).to_have_text(str(len(SENTENCES)))
    assert rows.count() == len(SENTENCES)
    assert page.locator("#rows tr.row .src").all_inner_texts() == list(SENTENCES)
    assert page.locator("#rows tr.row .mt").all_inner_texts() == [s.upper() for s in SENTENCES]
    page.screenshot(path=str(shots / "report.png"), full_page=True)

    page.locator("#search").fill("mưa")
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#rows tr.row:visible")).to_have_count(1)
    expect(page.locator("#rows tr.row:visible .src")).to_have_text("Trời mưa.")
    page.screenshot(path=str(shots / "report-search.png"), full_page=True)

    page.locator("#search").fill("onerror")
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#rows tr.row:visible .src")).to_have_text(XSS[1])

    page.locator("#search").fill("")
    expect(page.locator("#count")).to_have_text(str(len(SENTENCES)))
    # The hostile strings are text nodes: no element they spell exists, no script ran.
    assert page.locator("#rows img").count() == 0
    assert page.locator("#rows script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_report_sorts_filters_by_flag_and_score_and_moves_with_j_k(
    page: Page, dialogs: list[str], tmp_path: Path
) -> None:
    """Sorting by a score, the flag and score-range filters and j/k, with real sentence scores."""
    from aligned.checks import check_store
    from aligned.references import attach_lines

    store_path = tmp_path / "corpus.sqlite"
    ids = build_translated_store(store_path)
    # The fake MT upper-cases: a reference equal to that gives sentence BLEU 100, a lower-case
    # one a low score; upper-cased Vietnamese keeps letters only Vietnamese uses (Ô, Đ, Ờ...)
    # -> 'check:vietnamese-left'; an upper-cased markup string counts as a copy of its source.
    refs = ["XIN CHÀO.", "I go to school.", "TRỜI MƯA.", "alert", "image"]
    with open_store(store_path, create=False) as store:
        attach_lines(store, refs)
        check_store(store, str(SIG))
        html = render_report(store)
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    page.goto(report.as_uri())
    expect(page.locator("#count")).to_have_text("5")
    bleu = {
        t: float(page.locator(f"#seg-{ids[t]}").get_attribute("data-bleu") or "nan")
        for t in SENTENCES
    }
    assert bleu["Xin chào."] == 100.0 and bleu["Trời mưa."] == 100.0
    assert all(bleu[t] < 50.0 for t in (*SENTENCES[3:], "Tôi đi học."))

    def order() -> list[str]:
        # textContent: innerText is empty for rows Chromium has not laid out yet
        # (content-visibility: auto), which happens right after a sort moves them.
        return page.locator("#rows tr.row .src").all_text_contents()

    page.locator("th[data-sort='bleu']").click()  # ascending
    assert [bleu[t] for t in order()] == sorted(bleu[t] for t in SENTENCES)
    page.locator("th[data-sort='bleu']").click()  # descending
    assert [bleu[t] for t in order()] == sorted((bleu[t] for t in SENTENCES), reverse=True)
    page.locator("th[data-sort='id']").click()
    assert order() == list(SENTENCES)

    page.locator("#flag-filter").select_option("check:vietnamese-left")  # Ô, Đ, Ọ, Ờ, Ư
    expect(page.locator("#count")).to_have_text("2")
    expect(page.locator("#rows tr.row:visible .src")).to_have_text(["Tôi đi học.", "Trời mưa."])
    page.locator("#flag-filter").select_option("-")  # no flag at all
    expect(page.locator("#count")).to_have_text("1")  # "<SCRIPT>ALERT(1)</SCRIPT>": not-english
    expect(page.locator("#rows tr.row:visible .src")).to_have_text(["Xin chào."])
    page.locator("#flag-filter").select_option("")
    page.locator("#score-metric").select_option("bleu")
    page.locator("#min-score").fill("50")
    expect(page.locator("#count")).to_have_text("2")
    expect(page.locator("#rows tr.row:visible .src")).to_have_text(["Xin chào.", "Trời mưa."])
    page.locator("#min-score").fill("")
    expect(page.locator("#count")).to_have_text("5")

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#rows tr.row.current .src")).to_have_text(SENTENCES[1])
    page.keyboard.press("k")
    expect(page.locator("#rows tr.row.current .src")).to_have_text(SENTENCES[0])
    assert dialogs == []
