"""``songngu systems``: add other systems' outputs to a store, list and name its systems."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

from aligned.commands._common import add_wait_option, print_first_pairs, writer_options
from aligned.store import Store, open_store, sqlite_errors
from aligned.textio import read_text, split_lines
from corpus.errors import (
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    DataError,
    describe_exit_codes,
)

HELP = "add a system's outputs from a file (for evaluation), list and name a store's systems"

DESCRIPTION = """\
A store's translations belong to systems. A run's system is named by its signature
(model|revision|beam|...); `systems add` stores another system's outputs, read from a plain
file, under a system with the signature `file:NAME` and the name NAME. Wherever a command
takes --system, a name works as well as a signature (or `latest`).

  songngu systems add STORE HYP.en --name NAME [--replace]
  songngu systems list STORE [--json]
  songngu systems rename STORE SYSTEM NEW_NAME

add: one hypothesis per line, line k for the k-th segment in input order (the documents in
the order they were given to `songngu run`, then their segments: what `refs add --mode lines`
uses). For a test set (one sentence per line), build the store with `songngu run TEST.vi
--segment lines`, so every line is exactly one segment. The line count must equal the segment
count (exit 65 naming both). Lines are stored as they are (an empty line is an empty
hypothesis, as sacrebleu scores it). The system becomes the latest. Adding under a name that
exists needs --replace (its translations are replaced; scores computed from the old ones are
stale, and `songngu score` recomputes them).

list: name, signature, translations and which system is the latest.
rename: give a system (signature, name or `latest`) a new name, e.g. a run's system.
"""

EXIT_CODES_HELP = describe_exit_codes(
    [EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DATA],
    {
        EXIT_USAGE: "usage error (unknown system, a name that exists without --replace)",
        EXIT_DATA: "data error (the file's line count differs from the segment count)",
    },
)

EPILOG = f"""\
{EXIT_CODES_HELP}
example (a test set, two systems' outputs and the reference, then scores):
  printf 'Con mèo ngồi trên thảm.\\nTrời mưa cả ngày.\\n' > test.vi
  printf 'The cat sat on the mat.\\nIt rained all day.\\n' > a.en
  printf 'A cat sits on the mat.\\nIt was raining all day.\\n' > b.en
  printf 'The cat sat on the mat.\\nIt was raining all day.\\n' > ref.en
  songngu run test.vi --segment lines -o out/
  songngu systems rename out/corpus.sqlite latest our-run
  songngu systems add out/corpus.sqlite a.en --name sys-a
  songngu systems add out/corpus.sqlite b.en --name sys-b
  songngu refs add out/corpus.sqlite ref.en
  songngu systems list out/corpus.sqlite
  songngu score out/corpus.sqlite --system sys-a --metrics bleu,chrf,ter --confidence 1
"""

#: Names that mean something else wherever --system is given.
RESERVED = frozenset({"latest", "none"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "systems",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="systems_command", metavar="ACTION")
    actions.required = True
    a = actions.add_parser(
        "add",
        help="store a system's outputs, one line per segment",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    a.add_argument("hyp", metavar="FILE", help="the system's outputs, one per line ('-' = stdin)")
    a.add_argument("--name", required=True, help="the system's name (signature: file:NAME)")
    a.add_argument(
        "--replace", action="store_true", help="replace the translations of a system of that name"
    )
    a.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_wait_option(a)
    a.set_defaults(func=run_add)
    ls = actions.add_parser(
        "list",
        help="list the systems: name, signature, translations, latest",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ls.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    ls.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    ls.set_defaults(func=run_list)
    rn = actions.add_parser(
        "rename",
        help="give a system a (new) name",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rn.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    rn.add_argument("system", metavar="SYSTEM", help="its signature, name or 'latest'")
    rn.add_argument("name", metavar="NEW_NAME", help="the new name")
    rn.add_argument("-q", "--quiet", action="store_true", help="no message on stderr")
    add_wait_option(rn)
    rn.set_defaults(func=run_rename)


def check_name(store: Store, name: str, *, allowed: str | None = None) -> None:
    """Refuse a name that is empty, reserved, looks like a signature, or that another system
    (not ``allowed``) has as its name or signature."""
    if not name.strip() or name != name.strip() or any(not c.isprintable() for c in name):
        raise ConfigError(
            f"system name {name!r}: give a non-empty name without surrounding blanks or control "
            "characters, e.g. --name opus-mt"
        )
    if name in RESERVED or "|" in name:
        raise ConfigError(
            f"system name {name!r} would be read as {'a keyword' if name in RESERVED else 'a '}"
            f"{'' if name in RESERVED else 'signature'} by --system; choose another, e.g. opus-mt"
        )
    owner = store.system_named(name)
    if owner is not None and owner != allowed:
        raise ConfigError(
            f"a system is already named {name!r} in {store.path} ({owner}); choose another name"
            + (", or give --replace to replace its translations" if allowed is None else "")
        )
    if name in store.systems() and name != allowed:
        raise ConfigError(
            f"{name!r} is the signature of another system in {store.path}; choose another name"
        )


def run_add(args: argparse.Namespace) -> int:
    # Read the file before opening the store: a missing file is a usage error (exit 2).
    text = read_text(args.hyp, what="hypotheses")
    lines = split_lines(text)
    signature = f"file:{args.name}"
    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        existing = store.system_named(args.name)
        if existing is not None and not args.replace:
            raise ConfigError(
                f"{store.path} already has a system named {args.name!r} ({existing}); give "
                "--replace to replace its translations, or another --name"
            )
        if existing is not None and existing != signature:
            raise ConfigError(
                f"the system named {args.name!r} in {store.path} is {existing!r}, not one "
                "added from a file; --replace only replaces file systems: choose another --name"
            )
        check_name(store, args.name, allowed=signature)
        if signature in store.systems() and existing is None and not args.replace:
            raise ConfigError(
                f"{store.path} already has the system {signature!r} (renamed since); give "
                "--replace to replace its translations, or another --name"
            )
        segs = store.segment_texts()
        if len(lines) != len(segs):
            raise DataError(
                f"{args.hyp} has {len(lines)} lines but {store.path} has {len(segs)} segments; "
                "hypotheses are line-aligned: one line per segment, in the order the documents "
                "and their lines were given to `songngu run` (for a test set, run it with "
                "--segment lines)"
            )
        fields: dict[str, object] = {
            "file": args.name,
            "path": args.hyp,
            "lines": len(lines),
            "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        }
        written = store.replace_system_translations(
            signature,
            args.name,
            fields,
            [(seg.id, seg.text, line) for seg, line in zip(segs, lines, strict=True)],
        )
    if not args.quiet:
        print(
            f"songngu: system {args.name!r} ({signature}): {written} translations from "
            f"{args.hyp}; now the latest",
            file=sys.stderr,
        )
        print_first_pairs(zip([s.text for s in segs[:3]], lines[:3], strict=True))
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        infos = store.system_infos()
    if args.json:
        print(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not infos:
        print(f"{args.store}: no systems yet (songngu run, songngu import or songngu systems add)")
        return EXIT_OK
    width = max(len("name"), *(len(i.name or "-") for i in infos))
    count = max(len("translations"), *(len(str(i.translations)) for i in infos))
    print(f"  {'name':<{width}}  {'translations':>{count}}  signature")
    for i in infos:
        mark = "*" if i.latest else " "
        print(f"{mark} {i.name or '-':<{width}}  {i.translations:>{count}}  {i.signature}")
    print("(* = latest, what --system latest means)")
    return EXIT_OK


def run_rename(args: argparse.Namespace) -> int:
    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        signature = store.resolve_system(args.system)
        check_name(store, args.name, allowed=signature)
        store.set_system_name(signature, args.name)
    if not args.quiet:
        print(f"songngu: system {signature!r} is now named {args.name!r}", file=sys.stderr)
    return EXIT_OK
