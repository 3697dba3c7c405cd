"""``songngu review``: serve the store for review on this machine (aligned/server)."""

from __future__ import annotations

import argparse
import sys

from corpus.errors import EXIT_OK

HELP = "review translations in the browser: accept, edit or reject, saved in the store"

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

The server listens on 127.0.0.1 only. Another address needs --host (and prints a warning):
whoever reaches it can read the corpus. Stop it with Ctrl-C.
"""


EPILOG = """\
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
        metavar="SIGNATURE|latest",
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
    p.add_argument("-q", "--quiet", action="store_true", help="no request log on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.commands._common import warn
    from aligned.review import bind_policy
    from aligned.server.app import ReviewServer
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
