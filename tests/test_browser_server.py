"""The review server (``aligned.server``) in a real browser: Debian's Chromium via Playwright.

What only a browser shows: that the keys review and edit, that an edit shows in place with the
machine text it replaced (after a reload too), that the A/B columns are labelled and stay
labelled when scrolled, that the layout fits 1024 px, that sorting and the status filter go
through the API, and that blind A/B hides the systems. Chromium is ``/usr/bin/chromium`` as in
``tests/test_browser.py``; every wait is bounded. Screenshots go to ``$SONGNGU_SCREENSHOT_DIR``
when set, else to a pytest temporary directory.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from aligned.store import open_store
from tests.fakes import (
    SIG,
    SIG2,
    TIMEOUT,
    XSS,
    SuffixTranslator,
    build_translated_store,
    make_document,
    serving_app,
)

TIMEOUT_MS = 15_000  # every wait in the page (the browser fixture is in conftest.py)
A, B = str(SIG), str(SIG2)
SOURCES = ["Xin chào.", "Tôi đi học.", "Trời mưa.", *XSS]


def new_page(browser: Browser, width: int = 1400, height: int = 800) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return pg


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser: Browser, dialogs: list[str]) -> Iterator[Page]:
    pg = new_page(browser)

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", record)
    try:
        yield pg
    finally:
        pg.context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("SONGNGU_SCREENSHOT_DIR")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def ab_store(path: Path, extra: int = 0) -> None:
    """Document "a" (5 sentences, and ``extra`` more), systems A (upper-case) and B (+ " NOW");
    A is the latest."""
    from aligned.runner import translate_pending

    build_translated_store(path, (*SOURCES, *(f"Câu thêm số {i}." for i in range(extra))))
    with open_store(path) as store:
        store.use_system(B)
        translate_pending(store, SuffixTranslator(SIG2), drop=frozenset())
        store.use_system(A)


def state_of(page: Page, n: int) -> str:
    return page.locator("#rows .row").nth(n).get_attribute("data-status") or ""


def test_keyboard_review_edit_in_place_and_progress(
    page: Page, dialogs: list[str], tmp_path: Path, shots: Path
) -> None:
    path = tmp_path / "corpus.sqlite"
    ab_store(path)
    with serving_app(path, who="lan") as server:
        page.goto(server.url)
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        expect(page.locator("#progress")).to_have_text("0 of 5 reviewed")
        expect(page.locator("#keys")).to_contain_text(
            "j/k next/previous row · a accept A · b accept B"
        )
        rows = page.locator("#rows .row")
        expect(rows).to_have_count(5)

        page.keyboard.press("j")
        expect(rows.nth(0)).to_have_class("row current")
        page.keyboard.press("a")  # accept A, move on
        expect(rows.nth(0)).to_have_attribute("data-status", "accepted")
        expect(rows.nth(0).locator(".state")).to_have_text("saved: accepted")
        expect(rows.nth(1)).to_have_class("row current")

        page.keyboard.press("e")
        area = rows.nth(1).locator("textarea.edit-text")
        expect(area).to_be_focused()
        expect(area).to_have_value("TÔI ĐI HỌC.")
        box = area.bounding_box()
        assert box is not None and box["height"] >= 100 and box["width"] >= 1000  # large editor
        area.fill("I go to school.")
        rows.nth(1).locator("select.category").select_option("fluency")
        rows.nth(1).locator("select.severity").select_option("minor")
        rows.nth(1).locator("input.comment").fill("tense")
        page.screenshot(path=str(shots / "server-editing.png"))
        area.press("Control+Enter")
        expect(rows.nth(1)).to_have_attribute("data-status", "edited")
        expect(rows.nth(1).locator(".edited")).to_have_text("I go to school.")
        expect(rows.nth(1).locator(".replaced del")).to_have_text("TÔI ĐI HỌC.")
        expect(rows.nth(2)).to_have_class("row current")

        page.keyboard.press("e")  # Esc cancels an edit: nothing saved
        rows.nth(2).locator("textarea").fill("never saved")
        page.keyboard.press("Escape")
        expect(rows.nth(2).locator(".editor")).to_have_count(0)
        page.keyboard.press("b")  # accept B's translation
        expect(rows.nth(2)).to_have_attribute("data-status", "accepted")
        expect(rows.nth(2).locator(".state")).to_have_text("saved: accepted (B)")
        page.keyboard.press("r")
        expect(rows.nth(3)).to_have_attribute("data-status", "rejected")
        expect(page.locator("#progress")).to_have_text("4 of 5 reviewed")
        page.keyboard.press("k")
        expect(rows.nth(3)).to_have_class("row current")
        page.screenshot(path=str(shots / "server-reviewed.png"))

        page.reload()  # the server renders the stored state
        expect(rows.nth(1).locator(".edited")).to_have_text("I go to school.")
        expect(rows.nth(1).locator(".replaced del")).to_have_text("TÔI ĐI HỌC.")
        expect(rows.nth(1).locator(".comment")).to_have_text("fluency minor tense")
        expect(rows.nth(2).locator(".state")).to_have_text("accepted (B)")
        expect(page.locator("#progress")).to_have_text("4 of 5 reviewed")

        page.locator("#status-filter").select_option("unreviewed")
        expect(page.locator("#count")).to_have_text("1")
        expect(page.locator("#rows .row .src")).to_have_text([XSS[1]])
        page.locator("#status-filter").select_option("edited")
        expect(page.locator("#rows .row .src")).to_have_text(["Tôi đi học."])
        # Hostile strings stay text: no element they spell exists, no script ran.
        assert page.locator("#rows img").count() == 0 and page.locator("#rows script").count() == 0
    assert dialogs == []
    with open_store(path, create=False) as store:
        got = store.db.execute(
            "SELECT signature, decision, text, judged, who, comment, category, severity "
            "FROM reviews ORDER BY id"
        ).fetchall()
    assert got == [
        (A, "accept", None, "XIN CHÀO.", "lan", None, None, None),
        (A, "edit", "I go to school.", "TÔI ĐI HỌC.", "lan", "tense", "fluency", "minor"),
        (B, "accept", None, "TRỜI MƯA. NOW", "lan", None, None, None),
        (A, "reject", None, XSS[0].upper(), "lan", None, None, None),
    ]


def test_ab_labels_sticky_headers_sort_search_and_pages_at_1024px(
    browser: Browser, dialogs: list[str], tmp_path: Path, shots: Path
) -> None:
    path = tmp_path / "corpus.sqlite"
    ab_store(path, extra=70)  # 75 rows: two pages of 50
    with open_store(path) as store:
        store.add_documents([make_document("b", ["Một câu rất rất rất rất rất dài ở đây."])])
    page = new_page(browser, 1024, 700)
    try:
        with serving_app(path) as server:
            page.goto(server.url)
            expect(page.locator("body")).to_have_attribute("data-ready", "1")
            head = page.locator("#columns")
            expect(head.locator(".c-a")).to_have_text("A: fake (beam:1)")
            expect(head.locator(".c-b")).to_have_text("B: fake (beam:4)")
            expect(page.locator("#legend")).to_contain_text("differs from the other system")
            expect(page.locator("#count")).to_have_text("76")
            expect(page.locator("#range")).to_have_text("1–50")
            # 1024 px: nothing wider than the window, the review buttons on screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 1024
            last_button = page.locator("#rows .row").first.locator("button.reject")
            box = last_button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1024
            page.screenshot(path=str(shots / "server-1024.png"))

            page.mouse.wheel(0, 3000)
            page.wait_for_timeout(200)
            top = head.bounding_box()
            assert top is not None and 0 <= top["y"] < 200  # the column names stay on screen
            page.screenshot(path=str(shots / "server-scrolled.png"))

            page.keyboard.press("n")
            expect(page.locator("#range")).to_have_text("51–76")
            page.locator("#sort").select_option("-length")
            expect(page.locator("#range")).to_have_text("1–50")
            expect(page.locator("#rows .row .src").first).to_have_text(
                "Một câu rất rất rất rất rất dài ở đây."
            )
            page.locator("#search").fill("mưa")
            expect(page.locator("#count")).to_have_text("1")
            expect(page.locator("#rows .row .src")).to_have_text(["Trời mưa."])
            # A is diffed against B (no reference): B's extra word is marked, labelled
            expect(page.locator("#rows .row .sys-b mark.chg")).to_have_text(["NOW"])
            page.locator("#search").fill("")
            page.locator("#sort").select_option("doc")
            expect(page.locator("#count")).to_have_text("76")
            # j past the last row of a page loads the next page
            page.locator("#search").blur()  # keys go to the page; no row is current yet
            for _ in range(51):
                page.keyboard.press("j")
            expect(page.locator("#range")).to_have_text("51–76")
            expect(page.locator("#rows .row.current .num")).to_have_text("51")
    finally:
        page.context.close()
    assert dialogs == []


def test_blind_preference_hides_names_and_stores_judgements(
    page: Page, dialogs: list[str], tmp_path: Path, shots: Path
) -> None:
    path = tmp_path / "corpus.sqlite"
    ab_store(path)
    with serving_app(path, who="mai") as server:
        page.goto(server.url + "blind")
        expect(page.locator("body")).to_have_attribute("data-ready", "1")
        expect(page.locator("#blind")).to_be_visible()
        html = page.content()
        assert A not in html and B not in html and "beam" not in html
        page.screenshot(path=str(shots / "server-blind.png"))
        for _ in range(5):
            left = page.locator("#left").inner_text()
            right = page.locator("#right").inner_text()
            source = page.locator("#blind-source").inner_text()
            assert {left, right} == {source.upper(), source.upper() + " NOW"}
            judged = page.locator("#judged").inner_text()
            page.keyboard.press("1" if left.endswith(" NOW") else "3")  # always prefer B
            expect(page.locator("#judged")).not_to_have_text(judged)
        expect(page.locator("#blind-info")).to_have_text(
            "every pair that differs has your judgement: thank you"
        )
        expect(page.locator("#judged")).to_have_text("5")
    with open_store(path, create=False) as store:
        stored = store.judgements()
    assert [j.winner for j in stored] == [B] * 5 and {j.who for j in stored} == {"mai"}
    assert dialogs == []


def test_first_page_is_served_without_javascript(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    ab_store(path)
    with serving_app(path) as server, urllib.request.urlopen(server.url, timeout=TIMEOUT) as resp:
        html = resp.read().decode("utf-8")
    assert html.count('<div class="row" data-id=') == 5
    assert "TRỜI MƯA. NOW" in html


def test_bounded_report_opens_and_says_how_to_review(
    page: Page, dialogs: list[str], tmp_path: Path, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aligned import report_bounded
    from aligned.report import render_report
    from tests.fakes import build_ab_store

    monkeypatch.setattr(report_bounded, "BOUNDED_ROWS", 3)
    path = tmp_path / "corpus.sqlite"
    build_ab_store(path)
    with open_store(path) as store:
        html = render_report(store)
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    page.goto(report.as_uri())
    expect(page.locator("#bounded")).to_contain_text("7 segments in 2 documents")
    expect(page.locator("#bounded pre")).to_have_text(f"songngu review {path}")
    expect(page.locator("#documents tbody tr")).to_have_count(2)
    expect(page.locator("#flagged tbody tr")).to_have_count(6)
    expect(page.locator("#worst tbody tr")).to_have_count(7)
    expect(page.locator("#flagged .check").first).to_be_visible()
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0
    page.screenshot(path=str(shots / "report-bounded.png"), full_page=True)
    assert dialogs == []
