"""Benchmark ``songngu report``: render time and HTML size for a generated store.

Builds a store of N segments (default 10,000: 100 documents of 20 paragraphs × 5 sentences),
two systems (the second changes about one word in five, so every row has a word diff), a
line-aligned reference, stored sentence and corpus scores (``score_store``) and check flags
(``check_store``); then times :func:`aligned.report.render_report` (best of ``--repeat``), and
prints the HTML size. Baseline, measured the same way in the same process: the bare SQL read of
the rows the report joins, so the ratio is what templating and diffs cost on top of the read.

    .venv/bin/python benchmarks/report.py [--segments 10000] [--repeat 3] [--keep out.html]
        [--browser]

``--browser`` also opens the page in Debian's Chromium (headless, via Playwright) and times
what a reviewer waits for: load until the rows are counted, a search, clearing it, and a sort.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aligned.checks import check_store
from aligned.references import attach_lines
from aligned.report import render_report
from aligned.scoring import score_store
from aligned.store import PendingText, Store, open_store
from corpus.model import Document, Segment
from translate.types import Hypothesis, Signature

_VI_TEXT = (
    "của và các có được cho trong là những người này với không đã một năm khi đến từ ngày "
    "Việt Nam Hà Nội thành phố chính phủ bộ trưởng kinh tế phát triển doanh nghiệp đầu tư "
    "<tin> & “an toàn” 2024 15%"
)
_EN_TEXT = (
    "of and the have been for in is those people this with not already one year when to "
    "from day Vietnam Hanoi city government minister economy growth business invest "
    "<news> & “safe” 2024 15%"
)
VI = _VI_TEXT.split()
EN = _EN_TEXT.split()
T = TypeVar("T")
SIG_A = Signature("bench-a", "local:0", "fake", "float32", 1, 256, "0.1.0")
SIG_B = Signature("bench-b", "local:0", "fake", "float32", 4, 256, "0.1.0")


def build(path: Path, n: int, rng: random.Random) -> None:
    docs: list[Document] = []
    per_doc = 100
    for d in range((n + per_doc - 1) // per_doc):
        text, segments = "", []
        for k in range(min(per_doc, n - d * per_doc)):
            para, sent = k // 5 + 1, k % 5 + 1
            words = " ".join(rng.choice(VI) for _ in range(rng.randint(8, 30)))
            sentence = words[0].upper() + words[1:] + "."
            start = len(text)
            text += sentence + ("\n" if sent == 5 else " ")
            flags = ("caption",) if rng.random() < 0.02 else ()
            segments.append(
                Segment(f"doc{d:04d}", para, sent, start, start + len(sentence), sentence, flags)
            )
        docs.append(Document(f"doc{d:04d}", f"doc{d:04d}.txt", text, segments))
    with open_store(path) as store:
        store.add_documents(docs)
        pending = [PendingText(s.text, (s.id,)) for s in store.segment_texts()]
        refs: list[str] = []
        outs_a: list[tuple[PendingText, Hypothesis]] = []
        outs_b: list[tuple[PendingText, Hypothesis]] = []
        for item in pending:
            ref = [rng.choice(EN) for _ in range(len(item.text.split()))]
            a = [w if rng.random() < 0.7 else rng.choice(EN) for w in ref]
            b = [w if rng.random() < 0.8 else rng.choice(EN) for w in a]
            refs.append(" ".join(ref))
            outs_a.append((item, Hypothesis(" ".join(a), -0.4, len(a), len(a), SIG_A)))
            outs_b.append((item, Hypothesis(" ".join(b), -0.5, len(b), len(b), SIG_B)))
        store.use_system(str(SIG_B))
        store.add_translations(str(SIG_B), outs_b)
        store.use_system(str(SIG_A))
        store.add_translations(str(SIG_A), outs_a)
        attach_lines(store, refs, name="ref")
        for sig in (SIG_A, SIG_B):
            score_store(store, str(sig), "ref", n_bootstrap=1)
            check_store(store, str(sig))


def bare_read(store: Store) -> int:
    """The baseline: the report's rows read with one bare SQL join (the floor any page can
    reach), measured in the same run as the real renderers."""
    rows = store.db.execute(
        "SELECT s.id, s.text, a.text, b.text, r.text FROM segments s "
        "LEFT JOIN translations a ON a.segment = s.id AND a.signature = ? "
        "LEFT JOIN translations b ON b.segment = s.id AND b.signature = ? "
        "LEFT JOIN refs r ON r.segment = s.id AND r.name = 'ref' ORDER BY s.doc, s.para, s.sent",
        (str(SIG_A), str(SIG_B)),
    ).fetchall()
    return len(rows)


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times = []
    result = fn()  # warm-up (imports, template compilation)
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="FILE", help="also write the HTML here")
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        began = time.perf_counter()
        build(path, args.segments, random.Random(1))
        print(
            f"store: {args.segments:,} segments, 2 systems, reference, scores, checks "
            f"(built in {time.perf_counter() - began:.1f} s)"
        )
        with open_store(path, create=False) as store:
            base, n = best(lambda: bare_read(store), args.repeat)
            secs, html = best(lambda: render_report(store), args.repeat)
    rows = html.count('<tr class="row')
    size = len(html.encode("utf-8"))
    print(f"baseline (bare SQL read of {n:,} rows): {base * 1000:.0f} ms")
    print(
        f"render_report: {secs:.2f} s ({args.segments / secs:,.0f} segments/s, "
        f"{secs / base:.0f}x the bare read)"
    )
    print(f"HTML: {size / 1e6:.2f} MB ({size / args.segments:,.0f} bytes/segment), {rows:,} rows")
    if args.keep:
        Path(args.keep).write_text(html, encoding="utf-8")
        print(f"written to {args.keep}")
    if args.browser:
        browser_times(html, args.segments)


def browser_times(html: str, n: int) -> None:
    """Seconds a reviewer waits in headless Chromium for a page of ``n`` rows."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_file = Path(tmp) / "report.html"
        page_file.write_text(html, encoding="utf-8")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(120_000)

        def timed(label: str, action: Callable[[], object], count: str) -> None:
            t0 = time.perf_counter()
            action()
            page.wait_for_function(
                "c => document.getElementById('count').textContent === c", arg=count
            )
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(0)))")
            print(f"browser {label}: {time.perf_counter() - t0:.2f} s")

        timed("load", lambda: page.goto(page_file.as_uri()), str(n))
        first = page.locator("#rows tr.row .src").first.inner_text()
        visible = page.evaluate(
            "q => Array.from(document.querySelectorAll('#rows tr.row'))"
            ".filter(r => r.textContent.toLowerCase().includes(q)).length",
            first.lower(),
        )
        timed("search", lambda: page.locator("#search").fill(first), str(visible))
        timed("clear search", lambda: page.locator("#search").fill(""), str(n))
        timed("sort by BLEU", lambda: page.locator("th[data-sort='bleu']").click(), str(n))
        browser.close()


if __name__ == "__main__":
    main()
