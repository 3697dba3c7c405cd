"""``songngu refs add``: attach English reference translations to a store."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import add_wait_option, writer_options
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK, ConfigError

HELP = "attach English reference translations (line-aligned or whole documents) to a store"

DESCRIPTION = """\
Attach English references to the segments of a store (OUT/corpus.sqlite).

--mode lines (default): one reference line per segment, in input order: documents in the
order they were given to `songngu run` (arguments in order, a directory in sorted path order),
then their segments in order; or of one document with --doc ID. Several REF files are read one
after the other. The line count must equal the segment count. The summary shows the first
three pairs, so a misalignment is visible at once. For a test set (one sentence per line),
run it with `songngu run --segment lines` so every line is exactly one segment.

--mode documents: one English document per source document, named after it (file stem =
document id), or a single file with --doc ID. Every non-blank line is a paragraph; it is split
into sentences and aligned to the source segments (1-1, 1-2, 2-1, 1-0, 0-1, and 1-3/3-1),
using the system's translations as a bridge (chrF), or by length alone (Gale-Church) when the
store has no translations. Alignment type and score are kept with every reference.

Adding a reference under a name that exists replaces it for the segments covered.
"""


EPILOG = """\
example (an English translation of one sentence of an article, aligned to its segments):
  songngu run examples/news/ -o out/
  echo 'Deputy Minister Luong Tam Quang said so at a conference on February 6.' > ref.en
  songngu refs add out/corpus.sqlite ref.en --mode documents --doc 000_abbbb2874d62dfae.txt
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "refs",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="refs_command", metavar="ACTION")
    actions.required = True
    a = actions.add_parser(
        "add",
        help="attach reference files",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    a.add_argument("refs", nargs="+", metavar="REF", help="English reference file(s), UTF-8")
    a.add_argument("--name", default="ref", help="name of this reference (default: %(default)s)")
    a.add_argument(
        "--mode",
        choices=["lines", "documents"],
        default="lines",
        help="'lines': one line per segment (default); 'documents': whole documents to align",
    )
    a.add_argument(
        "--doc", metavar="ID", help="attach to this document only (documents mode: one REF)"
    )
    a.add_argument(
        "--system",
        metavar="SIGNATURE|latest|none",
        default="latest",
        help="documents mode: whose translations bridge the alignment (default: latest; "
        "'none' = length-based Gale-Church alignment)",
    )
    a.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_wait_option(a)
    a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.references import (
        attach_documents,
        attach_lines,
        bridge_system,
        read_reference_file,
        reference_lines,
    )

    if not args.name.strip():
        raise ConfigError("--name must not be empty; e.g. --name ref")
    # Read the files before opening the store: a missing file is a usage error (exit 2).
    if args.mode == "lines":
        lines: list[str] = []
        for path in args.refs:
            lines.extend(reference_lines(read_reference_file(path)))
    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        if args.mode == "lines":
            results = [attach_lines(store, lines, name=args.name, doc=args.doc)]
        else:
            results = attach_documents(
                store,
                args.refs,
                name=args.name,
                signature=bridge_system(store, args.system),
                doc=args.doc,
            )
    if not args.quiet:
        for res in results:
            kinds = ", ".join(f"{k}: {v}" for k, v in res.beads.items())
            print(
                f"songngu: reference {res.name!r}: {res.segments} segments ({res.method}; {kinds})",
                file=sys.stderr,
            )
            for k, (src, ref) in enumerate(res.first, start=1):
                print(f"  {k}  {_short(src)}  ⇄  {_short(ref)}", file=sys.stderr)
            for text in res.unaligned:
                print(f"songngu: warning: no source segment for: {text[:120]}", file=sys.stderr)
    return EXIT_OK


def _short(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters (with an ellipsis) for a one-line summary."""
    return text if len(text) <= width else text[: width - 1] + "…"
