"""``songngu history``: the human work kept for sentences that are no longer in their document."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from aligned.output import open_output
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK

HELP = "list review decisions and references kept for sentences that were removed"

DESCRIPTION = """\
When a document changes and one of its sentences is gone, songngu never deletes the human work
on it: the review decisions (accept, edit, reject), the references and the A/B judgements of
that sentence are copied into the store's history first, and the run's summary says so. This
command prints that history, one JSON object per line (oldest first):

  {"doc": ..., "uid": <the sentence's exported id>, "source": <its Vietnamese text>,
   "kind": "review" | "ref" | "judgement",
   "reason": "segment-removed" | "removed by refs remove", "at": <UTC time>,
   "payload": <the stored row: decision, edited text, who, judged text / reference text ...>}
"""

EPILOG = """\
example (all of it, or one document's):
  songngu run examples/news/ -o out/
  songngu history out/corpus.sqlite
  songngu history out/corpus.sqlite --doc 000_abbbb2874d62dfae.txt -o history.jsonl
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "history",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    p.add_argument("--doc", metavar="ID", help="only this document's history")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file or '-'")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        entries = store.history(args.doc)
    with open_output(args.output, force=args.force) as out:
        for entry in entries:
            out.write(json.dumps(entry.as_dict(), ensure_ascii=False) + "\n")
    if not args.quiet:
        kinds = Counter(e.kind for e in entries)
        shown = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "nothing"
        where = f" of document {args.doc!r}" if args.doc else ""
        print(f"songngu: history{where}: {shown}", file=sys.stderr)
    return EXIT_OK
