"""``songngu translate``: Vietnamese sentences in (one per line), English out, same order."""

from __future__ import annotations

import argparse
import json
import sys

from aligned.commands._common import (
    add_model_options,
    check_model_options,
    load_translator_from_args,
)
from aligned.output import check_output, open_output
from aligned.textio import read_lines
from corpus.errors import EXIT_OK
from translate.defaults import DEFAULT_MODEL

HELP = "translate Vietnamese sentences (one per line) to English"

DESCRIPTION = f"""\
Translate Vietnamese to English with a MarianMT model (default {DEFAULT_MODEL}).

Input: one sentence per line (UTF-8) from files or stdin. Output: one translation per line,
in the same order; empty input lines stay empty. --format jsonl writes one record per line
with the source, translation, score, token counts, split flag and the signature of every
setting that produced it. Inputs longer than the model's limit are split at clause
boundaries, translated in parts and rejoined (split=true in jsonl), never truncated.

The model is loaded from the Hugging Face cache, downloaded once if needed (not with
HF_HUB_OFFLINE=1), or read from a local directory given to --model.
"""


EPILOG = """\
example (the sentences of the bundled news, then their translations, line by line):
  songngu segment examples/news/ -o news.vi
  songngu translate news.vi -o news.en
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "translate",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help="UTF-8 text files, one sentence per line, or '-' for stdin (default: stdin)",
    )
    p.add_argument(
        "--format",
        choices=["text", "jsonl"],
        default="text",
        help="'text': one translation per line (default); 'jsonl': one JSON record per line "
        "with source, text, score, src_tokens, tgt_tokens, split, parts, notes, signature",
    )
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file or '-'")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    add_model_options(p)
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or messages on stderr"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_model_options(args)
    check_output(args.output, force=args.force)  # before the slow part, not after it
    lines = [line for path in args.inputs for line in read_lines(path)]
    progress = not args.quiet and len(lines) >= 50 and sys.stderr.isatty()
    translator = load_translator_from_args(args, progress=progress)
    hyps = translator.translate(lines)
    with open_output(args.output, force=args.force) as out:
        for source, hyp in zip(lines, hyps, strict=True):
            if args.format == "jsonl":
                record = {"source": source, **hyp.as_dict()}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(hyp.text.replace("\n", " ") + "\n")
    if not args.quiet:
        split = sum(h.split for h in hyps)
        print(
            f"songngu: translated {len(lines)} lines with {translator.signature}"
            + (f"; {split} long lines split" if split else ""),
            file=sys.stderr,
        )
    return EXIT_OK
