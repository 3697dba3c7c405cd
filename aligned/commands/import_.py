"""``songngu import``: build a corpus store from a TMX, TSV or JSONL file."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from aligned.formats import format_names
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK, ConfigError, OutputExistsError

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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.formats import format_for_path, get_format, read_path

    if args.format:
        fmt = get_format(args.format)
    elif args.input == "-":
        raise ConfigError(
            f"reading stdin needs --format ({', '.join(format_names(readable=True))})"
        )
    else:
        fmt = format_for_path(args.input)
        if not fmt.can_read:
            raise ConfigError(
                f"import reads {', '.join(format_names(readable=True))}, not {fmt.name} "
                f"({args.input!r}); pass --format if the suffix is misleading"
            )
    target = Path(args.output)
    name = "stdin" if args.input == "-" else args.input
    if args.append:
        with sqlite_errors(target), open_store(target) as store:
            docs, pairs = store.import_pairs(read_path(fmt, args.input), name=name)
    else:
        if target.exists() and not args.force:
            raise OutputExistsError(
                f"store {str(target)!r} already exists; pass --force to replace it, --append "
                "to add to it, or choose another path with -o"
            )
        # Build beside the target and rename, so a malformed file leaves the old store intact.
        tmp = target.with_name(f".{target.name}.import-tmp")
        _remove_store(tmp)
        try:
            with sqlite_errors(target), open_store(tmp) as store:
                docs, pairs = store.import_pairs(read_path(fmt, args.input), name=name)
            _remove_store(target)
            os.replace(tmp, target)
        finally:
            _remove_store(tmp)
    if not args.quiet:
        print(
            f"songngu: imported {pairs} pairs in {docs} documents from {name} into {target}",
            file=sys.stderr,
        )
    return EXIT_OK


def _remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
