"""``songngu segment``: documents in, one sentence per line (or JSONL records) out."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from aligned.commands._common import (
    add_input_options,
    drop_flags,
    pipeline_options,
    read_documents,
)
from aligned.output import open_output
from corpus.errors import EXIT_DATA, EXIT_OK
from corpus.pipeline import keep_segments, process_documents

HELP = "clean and sentence-segment Vietnamese documents"

DESCRIPTION = """\
Read Vietnamese documents, clean them and split them into sentences.

Text output has one sentence per line. JSONL output has one record per segment:
  doc, para, sent (1-based), start, end (character offsets into the original decoded
  text, so doc_text[start:end] is where the segment came from), text, flags.
Noise (headings, datelines, captions, widgets, ...) is flagged, never silently dropped;
--drop leaves flagged segments out.

--segment lines: every non-empty line is exactly one segment (one-sentence-per-line input such
as a test set); nothing is split and, unless --drop says otherwise, nothing is left out.
"""


EPILOG = """\
example (one JSON record per sentence, with its offsets and noise flags):
  songngu segment examples/news/ --format jsonl -o sentences.jsonl
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "segment",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(p)
    p.add_argument(
        "--format", choices=["text", "jsonl"], default="text", help="output format (default: text)"
    )
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file or '-'")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    drop = drop_flags(args)
    options = pipeline_options(args)
    # Never read the file being written (`segment . -o sentences.txt` run twice).
    raws, failures = read_documents(args, exclude=[] if args.output == "-" else [args.output])
    docs = process_documents(raws, options)
    written = 0
    flagged: Counter[str] = Counter()
    with open_output(args.output, force=args.force) as out:
        for doc in docs:
            for seg in doc.segments:
                flagged.update(seg.flags)
            for seg in keep_segments(doc.segments, drop):
                if args.format == "jsonl":
                    out.write(json.dumps(seg.as_dict(), ensure_ascii=False) + "\n")
                else:
                    out.write(seg.text + "\n")
                written += 1
    if not args.quiet:
        total = sum(len(d.segments) for d in docs)
        flags = ", ".join(f"{k} {v}" for k, v in sorted(flagged.items())) or "none"
        print(
            f"songngu: {len(docs)} documents, {total} segments, {written} written; "
            f"flags: {flags}" + (f"; {failures} inputs failed" if failures else ""),
            file=sys.stderr,
        )
    return EXIT_DATA if failures else EXIT_OK
