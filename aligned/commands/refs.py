"""``songngu refs``: attach English reference translations to a store, list and remove them."""

from __future__ import annotations

import argparse
import json
import sys

from aligned.commands._common import add_wait_option, print_first_pairs, writer_options
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK, ConfigError, DataError

HELP = "attach, list and remove English reference translations of a store's segments"

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


LIST_DESCRIPTION = """\
list: each reference's name, the segments it gives a text, its units by alignment type
(1-1, 2-1, 1-0...) and when it was last added.

remove: references are human work, so removing one is explicit and recoverable: every row is
first copied into the store's history (kind 'ref', reason 'removed by refs remove'; see
`songngu history`), then deleted, with the scores computed against it (deleted, not left
stale: they would describe a reference that is gone). `songngu refs restore STORE NAME` puts
the latest removal of NAME back on the segments that still exist.
"""

MANAGE_EPILOG = """\
example (attach, list, remove and restore a line-aligned reference):
  printf 'Con mèo ngồi trên thảm.\\nTrời mưa cả ngày.\\n' > test.vi
  printf 'The cat sat on the mat.\\nIt was raining all day.\\n' > ref.en
  songngu run test.vi --segment lines -o out/
  songngu refs add out/corpus.sqlite ref.en --name human
  songngu refs list out/corpus.sqlite
  songngu refs remove out/corpus.sqlite human
  songngu refs restore out/corpus.sqlite human
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
        metavar="NAME|SIGNATURE|latest|none",
        default="latest",
        help="documents mode: whose translations bridge the alignment (default: latest; "
        "'none' = length-based Gale-Church alignment)",
    )
    a.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_wait_option(a)
    a.set_defaults(func=run)
    ls = actions.add_parser(
        "list",
        help="list the references: name, segments covered, alignment counts",
        description=LIST_DESCRIPTION,
        epilog=MANAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ls.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    ls.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    ls.set_defaults(func=run_list)
    rm = actions.add_parser(
        "remove",
        help="remove a reference (kept in the history; `refs restore` puts it back)",
        description=LIST_DESCRIPTION,
        epilog=MANAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rm.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    rm.add_argument("name", metavar="NAME", help="the reference's name (see `refs list`)")
    rm.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_wait_option(rm)
    rm.set_defaults(func=run_remove)
    rs = actions.add_parser(
        "restore",
        help="put back a reference that `refs remove` removed",
        description=LIST_DESCRIPTION,
        epilog=MANAGE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rs.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    rs.add_argument("name", metavar="NAME", help="the removed reference's name")
    rs.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_wait_option(rs)
    rs.set_defaults(func=run_restore)


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
            print_first_pairs(res.first)
            for text in res.unaligned:
                print(f"songngu: warning: no source segment for: {text[:120]}", file=sys.stderr)
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        infos = store.reference_infos()
        segments = store.counts()["segments"]
    if args.json:
        print(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not infos:
        print(f"{args.store}: no references (attach one with `songngu refs add STORE REF`)")
        return EXIT_OK
    width = max(len("name"), *(len(i.name) for i in infos))
    print(f"{'name':<{width}}  {'segments':>15}  alignments")
    for i in infos:
        kinds = ", ".join(f"{k}: {v}" for k, v in i.alignments.items())
        covered = f"{i.segments}/{segments}"
        print(f"{i.name:<{width}}  {covered:>15}  {kinds}  (added {i.created})")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        names = store.reference_names()
        if args.name not in names:
            raise ConfigError(
                f"reference {args.name!r} is not in {args.store} (references: "
                f"{', '.join(names) or 'none'}); see `songngu refs list {args.store}`"
            )
        removed = store.remove_reference(args.name)
    if not args.quiet:
        print(
            f"songngu: removed reference {args.name!r}: {removed.rows} rows, kept in the "
            f"store's history (songngu history {args.store}); put it back with "
            f"`songngu refs restore {args.store} {args.name}`",
            file=sys.stderr,
        )
        print(
            f"songngu: deleted {removed.scores} scores computed against {args.name!r}",
            file=sys.stderr,
        )
    return EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        if args.name in store.reference_names():
            raise ConfigError(
                f"reference {args.name!r} is in {args.store} now; restore puts back a removed "
                "reference whose name is free (remove the present one first with "
                "`songngu refs remove`)"
            )
        restored, missing = store.restore_reference(args.name)
        if not restored:
            removed = store.removed_reference_names()
            raise DataError(
                f"no removed reference {args.name!r} to restore in {args.store}"
                + (
                    f" (its segments are gone: {missing} rows)"
                    if missing
                    else f" (removed references: {', '.join(removed) or 'none'})"
                )
            )
    if not args.quiet:
        gone = f"; {missing} rows left in history (their segments are gone)" if missing else ""
        print(
            f"songngu: restored reference {args.name!r}: {restored} rows{gone}; score again "
            "with `songngu score`",
            file=sys.stderr,
        )
    return EXIT_OK
