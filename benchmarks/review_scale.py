"""Benchmark review at corpus scale: the review server and the report on a 1,000,000-pair store.

Builds the store the way a user would: a generated TSV (``vi en doc score flags``; 1,000
documents, Vietnamese-like sentences from a fixed vocabulary, 1 % flagged) imported with
``songngu import``. Then, in one run:

* ``songngu review STORE`` as a subprocess: seconds until it answers, and until its search
  index is built (in the background);
* API calls (median of ``--repeat``): the first page, a page at offset 900,000 (scaled to the
  store), a text search, a status filter (after 1,000 decisions), sorts (model score, length);
* ``GET /`` (the first page): size and time; in headless Chromium (Playwright, Debian's
  ``/usr/bin/chromium``): time until the page is shown and ready;
* ``songngu report STORE``: the (bounded) report.html, size and time;
* baseline, the same run: the old review page (every row in one page, as the first server
  rendered it: the full report, its :data:`~aligned.report_bounded.BOUNDED_ROWS` bound lifted)
  on a ``--baseline-pairs`` store, its size, render time and Chromium load time, with the ratio
  to the new first page.

    .venv/bin/python benchmarks/review_scale.py [--pairs 1000000] [--baseline-pairs 20000]
        [--workdir DIR] [--no-browser] [--markdown FILE]

Targets (issue 14): the server answers within 20 s of start; API calls ≤ 0.5 s (search
≤ 1.5 s); the first page ≤ 2 MB and shown in Chromium ≤ 2 s; report ≤ 25 MB in ≤ 120 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
VI = (  # noqa: SIM905 (one line of words reads better than a list)
    "của và các có được cho trong là những người này với không đã một năm khi đến từ ngày "
    "Việt Nam Hà Nội thành phố chính phủ bộ trưởng kinh tế phát triển doanh nghiệp đầu tư "
    "mưa nắng học sinh trường bệnh viện giá tăng giảm xuất khẩu nông sản cà phê gạo"
).split()
EN = (  # noqa: SIM905
    "of and the have been for in is those people this with not already one year when to "
    "from day Vietnam Hanoi city government minister economy growth business invest rain "
    "sun pupil school hospital price rise fall export farm produce coffee rice"
).split()
RARE = "Quảng Ngãi"  # in 1 of 5,000 sources: what a reviewer searches for


def songngu(*args: str) -> list[str]:
    exe = Path(sys.executable).parent / "songngu"
    return [str(exe), *args] if exe.is_file() else [sys.executable, "-m", "aligned", *args]


def write_tsv(path: Path, n: int, rng: random.Random) -> None:
    per_doc = max(1, n // 1000)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("vi\ten\tdoc\tscore\tflags\n")
        for i in range(n):
            k = rng.randint(6, 22)
            vi = " ".join(rng.choice(VI) for _ in range(k))
            if i % 5000 == 17:
                vi += " " + RARE
            en = " ".join(rng.choice(EN) for _ in range(k))
            flags = "boilerplate" if i % 100 == 3 else ""
            score = -rng.random()
            fh.write(
                f"{vi.capitalize()} {i}.\t{en.capitalize()} {i}.\tdoc{i // per_doc:05d}\t"
                f"{score!r}\t{flags}\n"
            )


def timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return resp.read()


def api(base: str, repeat: int, **params: Any) -> tuple[float, float, int]:
    """(first call s, median of the next ``repeat`` s, total) of GET /api/segments."""
    url = f"{base}api/segments?{urllib.parse.urlencode(params)}"
    first, body = timed(lambda: fetch(url))
    rest = [timed(lambda: fetch(url))[0] for _ in range(repeat)]
    return first, statistics.median(rest) if rest else first, int(json.loads(body)["total"])


def chromium_load(url: str, ready: str) -> float:
    """Seconds from navigation until ``ready`` (a CSS selector) is present, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(600_000)
            t = time.perf_counter()
            page.goto(url, wait_until="load")
            page.wait_for_selector(ready, state="attached")
            return time.perf_counter() - t
        finally:
            browser.close()


def baseline(workdir: Path, pairs: int, rng: random.Random, browser: bool) -> dict[str, Any]:
    """The old review page (every row) on a ``pairs`` store: size, render and load time."""
    from unittest import mock

    import aligned.report_bounded
    from aligned.report import render_report
    from aligned.store import open_store

    tsv = workdir / "baseline.tsv"
    store = workdir / "baseline.sqlite"
    write_tsv(tsv, pairs, rng)
    subprocess.run(songngu("import", str(tsv), "-o", str(store), "--force", "-q"), check=True)
    with open_store(store, create=False) as st:
        sig = st.resolve_system("latest")
        with mock.patch.object(aligned.report_bounded, "BOUNDED_ROWS", pairs):
            render_s, html = timed(lambda: render_report(st, systems=[sig]))
    page = workdir / "baseline.html"
    page.write_text(html, encoding="utf-8")
    out = {"pairs": pairs, "bytes": len(html.encode()), "render_s": render_s}
    if browser:
        out["chromium_s"] = chromium_load(page.as_uri(), "#rows tr.row")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--baseline-pairs", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = ap.parse_args()
    browser = not args.no_browser and Path(CHROMIUM).is_file()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="songngu-review-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(14)
    load_before = os.getloadavg()
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, value: str, target: str = "", ok: bool | None = None) -> None:
        mark = "" if ok is None else ("yes" if ok else "NO")
        rows.append((what, value, target, mark))
        print(f"{what:<48} {value:>14}  {target:<10} {mark}", flush=True)

    tsv = workdir / "pairs.tsv"
    store = workdir / "corpus.sqlite"
    if not store.exists():
        t, _ = timed(lambda: write_tsv(tsv, args.pairs, rng))
        row(f"generate TSV ({args.pairs:,} pairs)", f"{t:.1f} s")
        t, _ = timed(
            lambda: subprocess.run(songngu("import", str(tsv), "-o", str(store), "-q"), check=True)
        )
        row("songngu import", f"{t:.1f} s")
    else:
        row("store reused", str(store))
    row("store size", f"{store.stat().st_size / 1e6:.0f} MB")

    # -- the server -----------------------------------------------------------------------
    started = time.perf_counter()
    proc = subprocess.Popen(
        songngu("review", str(store), "--port", "0", "-q", "--who", "bench"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        stats = json.loads(fetch(base + "api/stats"))
        t = time.perf_counter() - started
        row("server: first answer after start", f"{t:.2f} s", "≤ 20 s", t <= 20)
        total = stats["total"]
        far = min(900_000, max(0, total - 100))
        state = json.loads(fetch(base + "api/stats"))["search_index"]["state"]
        if state == "building":  # the first start on this store: derived index in the making
            first, _, _ = api(base, 0, limit=50)
            row("during index build: API first page", f"{first:.3f} s")
            first, _, _ = api(base, 0, offset=far, limit=50)
            row(f"during index build: API page at offset {far:,}", f"{first:.3f} s")
            first, _, _ = api(base, 0, q=RARE, limit=50)
            row(f"during index build: API search '{RARE}' (scan)", f"{first:.2f} s")
            while json.loads(fetch(base + "api/stats"))["search_index"]["state"] == "building":
                time.sleep(1)
            row(
                "search index + review_index built (background, once per store)",
                f"{time.perf_counter() - started:.0f} s",
            )
        first, warm, n = api(base, args.repeat, limit=50)
        row("API first page (50 rows)", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        row("API first page, warm (median)", f"{warm:.3f} s", "≤ 0.5 s", warm <= 0.5)
        first, warm, _ = api(base, args.repeat, offset=far, limit=50)
        row(f"API page at offset {far:,}", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        row(f"API page at offset {far:,}, warm", f"{warm:.3f} s", "≤ 0.5 s", warm <= 0.5)
        first, warm, n = api(base, args.repeat, q=RARE, limit=50)
        row(f"API search '{RARE}' ({n:,} hits)", f"{first:.3f} s", "≤ 1.5 s", first <= 1.5)
        first, warm, n = api(base, args.repeat, q="người", limit=50)
        row(
            f"API search 'người' ({n:,} hits)",
            f"{first:.3f} s",
            "≤ 1.5 s",
            first <= 1.5,
        )
        # 1,000 decisions spread over the store, then the status filters
        html = fetch(base).decode("utf-8")
        token = html.split('"token": "', 1)[1].split('"', 1)[0]
        step = max(1, total // 1000)
        ids = []
        for off in range(0, total, step * 50)[:20]:
            got = json.loads(fetch(f"{base}api/segments?offset={off}&limit=50"))
            ids += [s["id"] for s in got["segments"]]
        t0 = time.perf_counter()
        for i, uid in enumerate(ids[:1000]):
            body = (
                {"decision": ("accept", "reject")[i % 2]}
                if i % 3
                else {"decision": "edit", "text": f"Edited {i}."}
            )
            fetch(
                f"{base}api/segments/{urllib.parse.quote(uid, safe='')}/decision",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "X-Songngu-Token": token},
            )
        per = (time.perf_counter() - t0) / max(1, len(ids[:1000]))
        row(f"POST decision (mean of {len(ids[:1000])})", f"{per * 1000:.1f} ms")
        first, warm, unrev = api(base, args.repeat, status="unreviewed", limit=50)
        row(f"API status=unreviewed ({unrev:,})", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, status="edited", limit=50)
        row(f"API status=edited ({n:,})", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        deep = max(0, min(far, unrev - 100))
        first, warm, _ = api(base, args.repeat, status="unreviewed", offset=deep, limit=50)
        row(f"API status=unreviewed at offset {deep:,}", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, flag="boilerplate", limit=50)
        row(f"API flag=boilerplate ({n:,})", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, sort="score", limit=50)
        row("API sort=score (model score, worst first)", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, sort="-score", offset=far, limit=50)
        row(f"API sort=-score at offset {far:,}", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, sort="-score", limit=50)
        row("API sort=-score (model score)", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, sort="length", limit=50)
        row("API sort=length", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        first, warm, n = api(base, args.repeat, sort="-score", doc="doc00500", limit=50)
        row("API sort=-score in one document", f"{first:.3f} s", "≤ 0.5 s", first <= 0.5)
        t, page_bytes = timed(lambda: fetch(base))
        row("GET / (first page) time", f"{t:.3f} s")
        row(
            "GET / (first page) size",
            f"{len(page_bytes) / 1e3:.0f} kB",
            "≤ 2 MB",
            len(page_bytes) <= 2e6,
        )
        if browser:
            t = chromium_load(base, "body[data-ready='1'] #rows .row")
            row("Chromium: first page shown and ready", f"{t:.2f} s", "≤ 2 s", t <= 2)
    finally:
        proc.terminate()
        proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()

    report = workdir / "report.html"
    t, _ = timed(
        lambda: subprocess.run(
            songngu("report", str(store), "-o", str(report), "--force", "-q"), check=True
        )
    )
    size = report.stat().st_size
    row("songngu report (bounded) time", f"{t:.1f} s", "≤ 120 s", t <= 120)
    row("songngu report (bounded) size", f"{size / 1e6:.2f} MB", "≤ 25 MB", size <= 25e6)

    base_info = baseline(workdir, args.baseline_pairs, rng, browser)
    per_row = base_info["bytes"] / base_info["pairs"]
    row(
        f"baseline: old page, {base_info['pairs']:,} rows, size",
        f"{base_info['bytes'] / 1e6:.1f} MB",
    )
    row("baseline: old page render", f"{base_info['render_s']:.1f} s")
    if "chromium_s" in base_info:
        row("baseline: old page in Chromium", f"{base_info['chromium_s']:.2f} s")
    row(f"baseline: old page extrapolated to {total:,} rows", f"{per_row * total / 1e9:.2f} GB")
    row(
        "ratio: old page at that size / new first page",
        f"{per_row * total / len(page_bytes):,.0f}×",
    )
    load_after = os.getloadavg()
    note = (
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
        f"({os.cpu_count()} CPUs, shared with other jobs)"
    )
    print(note)
    if args.markdown:
        lines = ["| measure | value | target | met |", "| --- | --- | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        args.markdown.write_text("\n".join(lines) + f"\n\n{note}\n", encoding="utf-8")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
