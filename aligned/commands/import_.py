"""``songngu import``: build a corpus store from a TMX, TSV or JSONL file."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import add_wait_option, writer_options
from aligned.formats import format_names
from corpus.errors import EXIT_OK

HELP = "build a corpus store from a " + ", ".join(format_names(readable=True)) + " file"

DESCRIPTION = """\
Read aligned pairs (our own exports, or another tool's TMX) into a store that `songngu export`
(and the quality and review tools as they arrive) work on.

Pairs without doc/para/sent get doc = the file's stem, para 1 and sent = their running number.
Their targets become translations under the pair's signature, or 'import:<file name>' when
the file does not say; pairs marked reviewed get an 'accept' review. Export -> import ->
export gives the same file for everything the format holds.
"""


EPILOG = """\
example (a TMX written by `songngu run`, or by another tool, into a new store):
  songngu run examples/news/ -o out/
  songngu import out/corpus.tmx -o imported.sqlite
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="FILE", help="the file to import ('-' for stdin)")
    p.add_argument(
        "--format",
        choices=format_names(readable=True),
        help="input format (default: from the file's suffix)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="STORE",
        help="the store to build, e.g. corpus.sqlite",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--force", action="store_true", help="replace an existing store")
    g.add_argument(
        "--append", action="store_true", help="add to an existing store (new documents only)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    add_wait_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.importing import import_file, import_format

    fmt = import_format(args.input, args.format)
    lock = writer_options(args, args.output)
    result = import_file(
        args.input,
        args.output,
        fmt=fmt,
        force=args.force,
        append=args.append,
        wait=lock["wait"],
        on_wait=lock["on_wait"],
    )
    if not args.quiet:
        print(
            f"songngu: imported {result.pairs} pairs in {result.documents} documents from "
            f"{result.source} into {result.store}",
            file=sys.stderr,
        )
    return EXIT_OK
