"""The ``songngu`` command line: a thin adapter over the library.

Each subcommand lives in ``aligned/commands/<name>.py`` with ``register(subparsers)`` and
``run(args) -> int``; heavy imports (torch, transformers) happen inside ``run`` only, so
``songngu --help`` stays fast and never loads the model stack. Errors from the library
(``corpus.errors``) become one-line messages and documented exit codes here, and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from aligned import __version__
from corpus.errors import EXIT_INTERRUPTED, SongnguError, describe_exit_codes

COMMANDS = [
    "segment",
    "translate",
    "run",
    "export",
    "import",
    "refs",
    "systems",
    "score",
    "compare",
    "check",
    "report",
    "review",
    "history",
]

EPILOG = f"""\
{describe_exit_codes()}
Data goes to stdout, progress and messages to stderr; '-' means stdin/stdout.

example (segment, translate and export the bundled news articles; see `songngu run -h`):
  songngu run examples/news/ -o out/
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="songngu",
        description="Turn Vietnamese documents into a clean, aligned Vietnamese-English corpus.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"songngu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        # "import" is a Python keyword: its module is import_.py.
        module = importlib.import_module(f"aligned.commands.{name.replace('import', 'import_')}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.ERROR if getattr(args, "quiet", False) else logging.INFO,
        format="songngu: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.func(args)
    except SongnguError as exc:
        print(f"songngu: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("songngu: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error.
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
