"""``songngu report``: a self-contained HTML review report of a store."""

from __future__ import annotations

import argparse
import sys

from aligned.output import check_output, open_output
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK

HELP = "write a self-contained HTML report: source | MT | other system | reference, scores"

DESCRIPTION = """\
Write one HTML file (no network needed: CSS and JavaScript inline) showing, per document and
paragraph, the Vietnamese source, system A's translation, system B's (when there is one) and the
reference (when there is one), with sentence scores, noise and check flags, word diffs, filters
(flag, document, score range), sorting by any score, a search box and j/k keyboard navigation.

  songngu report OUT/corpus.sqlite -o report.html
  songngu report OUT/corpus.sqlite --system SIG_A --system SIG_B --ref NAME -o - > r.html

Default systems: the latest and the one used before it. Scores come from `songngu score` and
`songngu check`; with a reference but no stored scores they are computed for the report
(without confidence intervals) and not stored.
"""


EPILOG = """\
example:
  songngu run examples/news/ -o out/
  songngu report out/corpus.sqlite -o report.html
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    p.add_argument(
        "-o", "--output", required=True, metavar="FILE|-", help="the HTML file, '-' for stdout"
    )
    p.add_argument(
        "--system",
        action="append",
        default=[],
        metavar="SIG|latest",
        help="system A, then B (at most two; default: latest and the one before it)",
    )
    p.add_argument("--ref", metavar="NAME", help="reference name (default: the only one, if any)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.report import render_report

    check_output(args.output, force=args.force)
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        html = render_report(store, systems=args.system, reference=args.ref)
    with open_output(args.output, force=args.force) as fh:
        fh.write(html)
    if not args.quiet and args.output != "-":
        print(f"songngu: wrote {args.output} ({len(html.encode()):,} bytes)", file=sys.stderr)
    return EXIT_OK
