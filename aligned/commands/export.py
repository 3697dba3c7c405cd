"""``songngu export``: a corpus store out in any writable format of ``aligned.formats``."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import warn
from aligned.formats import format_names, formats_help
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK
from corpus.flags import drop_help
from corpus.pipeline import parse_flag_list

HELP = "write a store's aligned pairs as " + ", ".join(format_names(writable=True))

DESCRIPTION = """\
Export the translated segments of a store (OUT/corpus.sqlite from `songngu run` or
`songngu import`) under one system (translation signature), in (doc, para, sent) order.

Review decisions are carried: an edited translation replaces the machine one, a rejected pair
is left out, and --reviewed-only keeps accepted and edited pairs only. Segments without a
translation under the chosen system are left out.
"""


EPILOG = """\
example:
  songngu run examples/news/ -o out/
  songngu export out/corpus.sqlite --format tsv -o pairs.tsv
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    names = format_names(writable=True)
    p.add_argument(
        "--format",
        choices=names,
        required=True,
        help=f"output format: {formats_help(names)}. Moses writes PREFIX.vi and PREFIX.en",
    )
    p.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE|PREFIX|DIR/|-",
        help="output file, '-' for stdout (default), or for moses the path prefix; a "
        "directory (existing, or ending in '/') gets the file named as `songngu run` names "
        "it: DIR/corpus.tsv, DIR/corpus.vi + DIR/corpus.en, ...",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument(
        "--drop",
        metavar="FLAGS",
        default="default",
        help="comma-separated flags whose segments are left out (default: 'default'). "
        f"{drop_help()}",
    )
    p.add_argument(
        "--system",
        default="latest",
        metavar="SIGNATURE|latest",
        help="which system's translations to export (default: latest = the most recently "
        "run or imported)",
    )
    p.add_argument(
        "--reviewed-only",
        action="store_true",
        help="only pairs a reviewer accepted or edited",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.formats import get_format, write_path

    drop = parse_flag_list(args.drop)
    fmt = get_format(args.format)
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        signature = store.resolve_system(args.system)
        pairs = store.pairs(signature, drop=drop, reviewed_only=args.reviewed_only)
        stats = write_path(fmt, pairs, args.output, force=args.force)
    if stats.stripped_chars:
        warn(
            f"{stats.stripped_chars} characters XML forbids were removed from the TMX",
            quiet=args.quiet,
        )
    if not args.quiet:
        print(
            f"songngu: exported {stats.pairs} pairs of system {signature} as {fmt.name}",
            file=sys.stderr,
        )
    return EXIT_OK
