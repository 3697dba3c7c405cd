"""``songngu check``: reference-free checks of a system's translations, stored as flags."""

from __future__ import annotations

import argparse
import json
import textwrap

from aligned.checks import CHECKS
from aligned.commands._common import add_wait_option, writer_options
from corpus.errors import EXIT_OK

HELP = "flag suspicious translations without a reference (empty, copied, numbers, loops...)"

DESCRIPTION_HEAD = """\
Run the reference-free checks on every translation of one system, store the flags in the
store's `scores` table (metric 'check:NAME', replacing earlier ones) and print how many
segments each check flagged. `songngu run` does the same after translating.
"""

DESCRIPTION_TAIL = """\
A flag is a hint for review, not a verdict; the share of real OPUS-MT outputs each check flags
is measured by benchmarks/checks.py.
"""


def describe_checks(width: int = 100) -> str:
    """The ``checks:`` block of the help, one entry per registered check (from the registry)."""
    from aligned.checks import REGISTRY

    lines = ["checks:"]
    for check in REGISTRY.values():
        lines += textwrap.wrap(
            check.help,
            width,
            initial_indent=f"  {check.name:16} ",
            subsequent_indent=" " * 19,
        )
    return "\n".join(lines) + "\n"


EPILOG = """\
exit codes:
  0   success (also when segments are flagged)
  1   error
  2   usage error (unknown --system)
  65  data error (damaged store, no translations)
  75  the store is in use by another songngu process (see --wait); nothing was written

example:
  songngu run examples/news/ -o out/
  songngu check out/corpus.sqlite --list
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=f"{DESCRIPTION_HEAD}\n{describe_checks()}\n{DESCRIPTION_TAIL}",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="a corpus store (OUT/corpus.sqlite)")
    p.add_argument(
        "--system", default="latest", metavar="NAME|SIGNATURE|latest", help="default: latest"
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument("--list", action="store_true", help="also list the flagged segments")
    p.add_argument(
        "--checks",
        nargs="+",
        choices=CHECKS,
        default=list(CHECKS),
        metavar="NAME",
        help="run (and replace the stored flags of) only these checks; default: all "
        f"({', '.join(CHECKS)})",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    add_wait_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.checks import check_store, stored_flags
    from aligned.store import open_store, sqlite_errors

    with (
        sqlite_errors(args.store),
        open_store(args.store, create=False, **writer_options(args, args.store)) as store,
    ):
        signature = store.resolve_system(args.system)
        counts = check_store(store, signature, args.checks)
        flags = stored_flags(store, signature, args.checks) if args.list else []
    segments = counts.pop("segments")
    if args.format == "json":
        out: dict[str, object] = {"system": signature, "segments": segments, "counts": counts}
        if args.list:
            out["flagged"] = [
                {
                    "id": f"{f.doc}:{f.para}:{f.sent}",
                    "check": f.name,
                    "value": f.value,
                    "detail": f.detail,
                    "vi": f.source,
                    "en": f.target,
                }
                for f in flags
            ]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"system: {signature}")
    print(f"segments checked: {segments}")
    for name, n in counts.items():
        print(f"{name:16} {n}")
    for f in flags:
        print(f"{f.doc}:{f.para}:{f.sent}\t{f.name}={f.value:g}\t{f.detail}")
        print(f"  vi: {f.source}\n  en: {f.target}")
    return EXIT_OK
