"""What trafilatura keeps of Vietnamese news pages, per option set; and what songngu keeps.

The pages are the four layouts of ``tests/test_html_news.py`` (VnExpress-, Tuổi Trẻ-,
Thanh Niên- and ministry-portal-like, written by code with their navigation, scripts,
comments, related-article boxes and footers). For each page and option set:

- ``H``: the headline is a paragraph of the text; ``L``: the lead paragraph is in the text;
- ``body``: body paragraphs kept, of those on the page (recall);
- ``junk``: menu items, related headlines, reader comments, footer lines found (precision);
- ``tbl``: cells of the data table in the ministry page's body kept (other pages: ``-``);
- ``ms``: mean time per page.

Option sets: trafilatura's defaults (comments and tables included); the options songngu
used before (no comments, no tables; default precision); ``favor_precision``;
``favor_recall``; ``include_formatting`` (markdown); ``include_tables``; ``with_metadata``
(a YAML header before the text); ``bare_extraction``; and songngu's ``extract_html_page``
(precision pass first, headline and lead put back). Metadata (title, canonical URL,
publication date from ``trafilatura.extract_metadata``) is checked against each page.

Measured (trafilatura 2.3.1; pages VnExpress / Tuổi Trẻ / Thanh Niên / ministry):

    option set          headline  lead        body      junk     data table (ministry)
    defaults            0/4       0/4 (*)     16/16     2/0/2/3  4/4 (*)
    songngu before      0/4       0/4         16/16     0/0/2/0  0/4
    favor_precision     0/4       0/4         16/16     0/0/0/0  0/4
    favor_recall        0/4       1/4         16/16     0/0/2/4  1/4
    include_formatting  0/4       0/4         16/16     0/0/2/0  0/4
    include_tables      0/4       0/4 (*)     16/16     0/0/2/3  4/4 (*)
    with_metadata       0/4 (**)  0/4 (**)    16/16     0/0/2/0  0/4
    bare_extraction     0/4       0/4         16/16     0/0/2/0  0/4
    songngu now         4/4       4/4         16/16     0/0/0/0  0/4

    (*) with tables on, the ministry page's layout table comes out as one ``| ... |`` row that
        holds the whole page (headline, lead, body and footer run together), not as paragraphs.
    (**) the title (and the meta description, when the page has one) only in the YAML header.

Junk is reader comments (VnExpress, defaults only: comments are on by default), the in-body
"Xem thêm" related box (Thanh Niên) and the footer / "Các tin khác" list (ministry).
trafilatura keeps only the article's body container, so the headline and the lead above it
are lost with every option (only ``favor_recall`` kept the ministry page's lead, with its
footer); ``favor_precision`` drops the in-body "Xem thêm" box of the Thanh Niên page at no
cost in recall. Hence songngu's choice: ``favor_precision`` first (default and recall passes
only when it finds nothing), tables off (a ministry layout table comes out as one ``| ... |``
row holding the whole page), and the headline (``<h1>``, or the element whose text is the
title) and the lead (a block between it and the body with a ``sapo``/``description``/
``summary``... class, or a prose sentence of 15+ words) put back in front.

    python benchmarks/html_extraction.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.readers import extract_html_page, html_metadata
from tests.test_html_news import GOV_TABLE_CELLS, PAGES, Page

_MARKUP = re.compile(r"[*_#|]+")
Extract = Callable[[str], str]


def _trafilatura(**options: object) -> Extract:
    import trafilatura

    def run(html: str) -> str:
        return trafilatura.extract(html, output_format="txt", **options) or ""  # type: ignore[arg-type]

    return run


def _bare(html: str) -> str:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, with_metadata=True
    )
    return (doc.text or "") if doc is not None else ""


def _songngu(html: str) -> str:
    return extract_html_page(html, "page.html").text


QUIET = {"include_comments": False, "include_tables": False, "deduplicate": False}
OPTION_SETS: dict[str, Extract] = {
    "defaults": _trafilatura(),
    "songngu before": _trafilatura(**QUIET),
    "favor_precision": _trafilatura(**QUIET, favor_precision=True),
    "favor_recall": _trafilatura(**QUIET, favor_recall=True),
    "include_formatting": _trafilatura(**QUIET, include_formatting=True),
    "include_tables": _trafilatura(**{**QUIET, "include_tables": True}),
    "with_metadata": _trafilatura(**QUIET, with_metadata=True),
    "bare_extraction": _bare,
    "songngu now": _songngu,
}


def _lines(text: str) -> list[str]:
    return [" ".join(_MARKUP.sub(" ", line).split()) for line in text.split("\n") if line.strip()]


def score(page: Page, text: str) -> dict[str, str]:
    """The row of one page and option set (see the module docstring)."""
    header = ""
    if text.startswith("---\n") and "\n---\n" in text[4:]:  # with_metadata's YAML header
        header, text = text[4:].split("\n---\n", 1)
    lines = _lines(text)
    flat = " ".join(lines)
    body = sum(1 for p in page.body if p in flat)
    junk = [j for j in page.junk if j in flat]
    tbl = "-" if page.name != "ministry" else f"{sum(c in flat for c in GOV_TABLE_CELLS)}/4"
    lead = sum(1 for line in lines if page.lead in line)
    return {
        "H": "H" if page.headline in lines else "-",
        "L": "L" if lead == 1 else ("L×2" if lead > 1 else "-"),
        "body": f"{body}/{len(page.body)}",
        "junk": str(len(junk)),
        "tbl": tbl,
        "junk_found": "; ".join(junk),
        "header": ", ".join(
            f"{what} in the header"
            for what, value in (("title", page.headline), ("lead", page.lead))
            if value in header
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per page (default 3)")
    args = parser.parse_args()
    title = f"{'option set':<19} {'page':<10} H  L   body junk tbl    ms  junk kept"
    print(title)
    print("-" * len(title))
    for name, extract in OPTION_SETS.items():
        for page in PAGES:
            text = extract(page.html)
            start = time.perf_counter()
            for _ in range(args.runs):
                extract(page.html)
            ms = (time.perf_counter() - start) / args.runs * 1e3
            row = score(page, text)
            print(
                f"{name:<19} {page.name:<10} {row['H']:<2} {row['L']:<3} {row['body']:<4} "
                f"{row['junk']:>4} {row['tbl']:<4} {ms:5.1f}  "
                + "; ".join(x for x in (row["junk_found"], row["header"]) if x)
            )
    print()
    print("metadata (trafilatura.extract_metadata): expected value found?")
    for page in PAGES:
        meta = html_metadata(page.html)
        checks = " ".join(
            f"{key}={'ok' if meta.get(key) == page.meta.get(key) else repr(meta.get(key))}"
            for key in ("title", "url", "date")
        )
        print(f"  {page.name:<10} {checks}")


if __name__ == "__main__":
    main()
