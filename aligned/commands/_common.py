"""Options shared by subcommands that read documents (segment now, run later)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from corpus.clean import CleanOptions
from corpus.pipeline import PipelineOptions


def add_input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument(
        "sources",
        nargs="*",
        default=["-"],
        metavar="PATH",
        help="files, directories, globs or '-' for stdin (default: stdin); "
        ".txt, .html/.htm and .jsonl ({'id','text'} per line) are read",
    )
    g.add_argument(
        "--encoding",
        metavar="ENC",
        help="decode input with this encoding instead of UTF-8/auto-detection (e.g. cp1258)",
    )
    g.add_argument(
        "--input-format",
        choices=["auto", "txt", "html", "jsonl"],
        default="auto",
        help="format of stdin (files are recognised by extension); default: sniffed",
    )
    g.add_argument(
        "--paragraphs",
        choices=["line", "blank"],
        default="line",
        help="'line': every non-blank line is a paragraph (scraped news; default); "
        "'blank': paragraphs are separated by blank lines (hard-wrapped text)",
    )
    c = p.add_argument_group("cleaning (every step is on by default)")
    c.add_argument("--no-nfc", action="store_true", help="do not apply Unicode NFC")
    c.add_argument(
        "--tone-style",
        choices=["old", "new", "keep"],
        default="old",
        help="Vietnamese tone-mark placement: 'old' (hòa, thúy; default, what news text and "
        "the OPUS training data mostly use), 'new' (hoà, thuý) or 'keep'",
    )
    c.add_argument(
        "--no-lookalikes", action="store_true", help="keep Ð/ð (U+00D0/U+00F0) instead of Đ/đ"
    )
    c.add_argument(
        "--no-spaces",
        action="store_true",
        help="keep no-break and odd spaces, tabs and runs of spaces as they are",
    )
    c.add_argument(
        "--no-invisibles",
        action="store_true",
        help="keep zero-width characters, soft hyphens and control characters",
    )
    c.add_argument(
        "--no-missing-space",
        action="store_true",
        help="do not insert the missing space after sentence punctuation ('gái.Dựa')",
    )
    p.add_argument(
        "--drop",
        metavar="FLAGS",
        default="none",
        help="comma-separated noise flags whose segments are left out (e.g. "
        "'widget,dateline'); 'default' = the site-furniture flags; default: keep all, flagged",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no warnings or progress on stderr")


def pipeline_options(args: argparse.Namespace) -> PipelineOptions:
    clean = CleanOptions(
        nfc=not args.no_nfc,
        lookalikes=not args.no_lookalikes,
        spaces=not args.no_spaces,
        invisibles=not args.no_invisibles,
        tone_style=args.tone_style,
        missing_space=not args.no_missing_space,
    )
    return PipelineOptions(clean=clean, paragraphs=args.paragraphs)


def warn(message: str, *, quiet: bool, stream: TextIO | None = None) -> None:
    if not quiet:
        print(f"songngu: warning: {message}", file=stream or sys.stderr)
