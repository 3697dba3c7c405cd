"""``songngu review``: serve the store for review on this machine (aligned/server), saving
decisions; or apply decisions made elsewhere (``--apply FILE``: JSONL or a CAT tool's XLIFF)."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import add_wait_option
from corpus.errors import EXIT_OK

HELP = "review translations in the browser (accept, edit, reject), or apply a decisions file"

DESCRIPTION = """\
Serve the store for review on a local web server and print its URL. The page pages, filters,
sorts and searches in the store (a 1,000,000-segment store opens in seconds), shows system A
(--system) beside system B (--compare) and the reference, and is driven by the keyboard:
j/k move, a accept A, b accept B, r reject, e edit, Ctrl+Enter save, Esc cancel. /blind shows
two systems' translations unnamed in random order for a preference (`songngu compare STORE
--human` sums them up). The JSON API (GET /api/segments, POST /api/segments/ID/decision) is
in the README.

Every decision is saved in the store at once (with the reviewer's name, the time, the text it
judged, an optional comment and MQM category/severity), survives a restart, and is carried
into exports: an edit replaces the target, TMX marks reviewed pairs with x-reviewed, and
`songngu export --reviewed-only` keeps accepted and edited pairs only; rejected pairs are left
out.

A human edit is a translation in its own right: exports prefer it over any system's machine
text (whichever system is latest), and the page and report show it with the machine text it
replaced. An accept or reject holds for the exact text it judged: another system's different
output of the same sentence is unreviewed.

--apply FILE applies decisions made elsewhere, exactly as the server saves them. FILE is
JSONL ('-' = stdin), one object per line:
  {"id": "<exported id>", "decision": "accept" | "edit" | "reject",
   "text": "<edited English; edit only>", "who": "<reviewer>"}
The id is a pair's `id` in any export (TMX tuid, TSV/JSONL id). Each decision judges the text
in effect under --system: the segment's human edit if it has one, else that system's machine
text. An unknown id or a bad line is a data error (exit 65) naming the line, and then nothing
is applied.

The server listens on 127.0.0.1 only. Another address needs --host (and prints a warning):
whoever reaches it can read the corpus. Stop it with Ctrl-C.
"""


EPILOG = """\
example (decisions made elsewhere, one JSON object per line; ids from any export):
  songngu run examples/news/ -o out/
  echo '{"id": "000_abbbb2874d62dfae.txt#480f89bb6d", "decision": "accept"}' > d.jsonl
  echo '{"id": "000_abbbb2874d62dfae.txt#61304a3c55", "decision": "reject"}' >> d.jsonl
  songngu review out/corpus.sqlite --apply d.jsonl --who lan

example (open the URL it prints; Ctrl-C stops the server, decisions are saved):
  songngu run examples/news/ -o out/
  songngu review out/corpus.sqlite --port 0
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "review",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    add_wait_option(p)  # --apply writes the store
    p.add_argument(
        "--port",
        type=int,
        default=8765,
        metavar="N",
        help="TCP port (default: %(default)s; 0 = any free port)",
    )
    p.add_argument(
        "--host",
        default=None,
        metavar="H",
        help="address to listen on (default: 127.0.0.1); anything but loopback is reachable "
        "by others and prints a warning",
    )
    p.add_argument(
        "--system",
        default="latest",
        metavar="NAME|SIGNATURE|latest",
        help="system A, the translations reviewed (default: latest)",
    )
    p.add_argument(
        "--compare",
        default=None,
        metavar="SIGNATURE|none",
        help="system B, shown beside A (default: the system used before A, if any)",
    )
    p.add_argument("--ref", metavar="NAME", help="reference shown (default: the only one, if any)")
    p.add_argument(
        "--who",
        metavar="NAME",
        help="reviewer name stored with each decision (default: the OS user name)",
    )
    p.add_argument(
        "--apply",
        metavar="FILE",
        help="apply the decisions in FILE instead of serving, all or none: JSONL ('-' = stdin), "
        "or an XLIFF file (.xlf/.xliff) exported by songngu and post-edited in a CAT tool (a "
        "changed target is an edit, a confirmed unchanged one an accept)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no request log or summary on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.apply is not None:
        return apply(args)
    return serve(args)


def apply(args: argparse.Namespace) -> int:
    """``--apply FILE``: every decision in FILE, in one transaction, or none."""
    from aligned.commands._common import writer_options
    from aligned.decisions import (
        apply_decisions,
        is_xliff,
        read_decisions,
        xliff_file_decisions,
    )
    from aligned.server.policy import default_who
    from aligned.store import open_store, sqlite_errors
    from aligned.textio import read_text
    from corpus.errors import DataError

    name = "stdin" if args.apply == "-" else args.apply
    try:
        who = args.who or default_who()
        if is_xliff(args.apply):
            decisions = xliff_file_decisions(args.apply, who=who)
        else:
            text = read_text(args.apply, what="decisions")
            decisions = read_decisions(text, name, who=who)
        with (
            sqlite_errors(args.store),
            open_store(args.store, create=False, **writer_options(args, args.store)) as store,
        ):
            applied = apply_decisions(store, decisions, args.system)
    except DataError as exc:
        raise DataError(f"{exc}; nothing was applied") from None
    if not args.quiet:
        print(f"songngu: {applied.summary(args.store)}", file=sys.stderr)
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """Serve the review page until Ctrl-C."""
    from aligned.commands._common import warn
    from aligned.server.app import ReviewServer
    from aligned.server.policy import bind_policy
    from aligned.store import sqlite_errors
    from corpus.errors import ConfigError

    host = args.host if args.host is not None else "127.0.0.1"
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be 0..65535, got {args.port}")
    warning = bind_policy(host, explicit=args.host is not None)
    if warning:
        warn(warning, quiet=False)
    try:
        with sqlite_errors(args.store):
            server = ReviewServer(
                args.store,
                host=host,
                port=args.port,
                system=args.system,
                compare=args.compare,
                reference=args.ref,
                who=args.who,
                log=not args.quiet,
            )
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{args.port}: {exc.strerror or exc}; choose another "
            "--port (0 = any free port)"
        ) from None
    print(f"songngu: reviewing system {server.signature} as {server.who!r}", file=sys.stderr)
    if server.compare:
        print(f"songngu: system B (compared): {server.compare}", file=sys.stderr)
    print(server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("songngu: review server stopped; decisions are saved", file=sys.stderr)
    finally:
        server.server_close()
    return EXIT_OK
