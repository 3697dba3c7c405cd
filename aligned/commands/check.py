"""``songngu check``: reference-free checks of a system's translations, stored as flags."""

from __future__ import annotations

import argparse
import json

from corpus.errors import EXIT_OK

HELP = "flag suspicious translations without a reference (empty, copied, numbers, loops...)"

DESCRIPTION = """\
Run the reference-free checks on every translation of one system, store the flags in the
store's `scores` table (metric 'check:NAME', replacing earlier ones) and print how many
segments each check flagged. `songngu run` does the same after translating.

checks:
  empty            the output is empty
  copy             the output is the source, or ≥ 90% of its words are the source's
  vietnamese-left  Vietnamese letters (đ, ư, ơ, ạ, ả, ấ...) left in the English
  numbers          a number, date, percentage or amount of the source is not in the output
                   (1,5 = 1.5; 68.500.000 = 68,500,000 = 68.5 million; 18/4 = April 18)
  length-ratio     output/source length outside the range of real systems' outputs
  repetition       an n-gram repeated 3+ times in a row, or a punctuation run, not in the source
  split            the input was too long for the model and translated in parts
  brackets         brackets or double quotes unbalanced in the output but not in the source

A flag is a hint for review, not a verdict; the share of real OPUS-MT outputs each check flags
is measured by benchmarks/checks.py.
"""

EPILOG = """\
exit codes:
  0   success (also when segments are flagged)
  1   error
  2   usage error (unknown --system)
  65  data error (damaged store, no translations)

example:
  songngu run examples/news/ -o out/
  songngu check out/corpus.sqlite --list
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="a corpus store (OUT/corpus.sqlite)")
    p.add_argument("--system", default="latest", metavar="SIGNATURE|latest", help="default: latest")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument("--list", action="store_true", help="also list the flagged segments")
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.checks import check_store, stored_flags
    from aligned.store import open_store, sqlite_errors

    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        signature = store.resolve_system(args.system)
        counts = check_store(store.db, signature)
        flags = stored_flags(store.db, signature) if args.list else []
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
