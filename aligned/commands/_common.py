"""Options shared by subcommands: documents in and cleaning (segment, run), the model (run)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO

from corpus.clean import CleanOptions
from corpus.errors import ConfigError
from corpus.flags import drop_help as flag_names_help
from corpus.model import RawDocument
from corpus.pipeline import PipelineOptions
from corpus.readers import ReadFailure, read_sources
from translate.defaults import DEFAULT_BACKEND, DEFAULT_BEAM, DEFAULT_DEVICE, DEFAULT_MODEL
from translate.registry import (
    BACKENDS,
    all_devices,
    backend_help,
    batch_tokens_help,
    precision_help,
)
from translate.types import Translator


def add_input_options(
    p: argparse.ArgumentParser,
    *,
    drop_default: str = "none",
    drop_help: str = "default: keep all, flagged",
) -> None:
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
        default=drop_default,
        help="comma-separated noise flags whose segments are left out (e.g. "
        f"'widget,dateline'); {drop_help}. {flag_names_help()}",
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


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The model and decoding options of ``songngu translate``, for ``run`` (same names)."""
    m = p.add_argument_group("model")
    m.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        metavar="ID|DIR",
        help="Hugging Face hub id or local model directory (default: %(default)s)",
    )
    m.add_argument(
        "--revision",
        metavar="REV",
        help="hub branch, tag or commit to use (default: main); pin a commit for reproducible "
        "output. Not for local directories",
    )
    m.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default=DEFAULT_BACKEND,
        help=backend_help(),
    )
    m.add_argument("--precision", metavar="P", help=precision_help())
    m.add_argument(
        "--device",
        choices=all_devices(),
        default=DEFAULT_DEVICE,
        help="where to run (default: auto = CUDA, else MPS, else CPU)",
    )
    m.add_argument(
        "--threads", type=int, metavar="N", help="CPU threads (default: the library's choice)"
    )
    d = p.add_argument_group("decoding")
    d.add_argument(
        "--beam",
        type=int,
        default=DEFAULT_BEAM,
        metavar="N",
        help="beam size (default: %(default)s, as in opus-mt's generation_config.json; "
        "1 = greedy, faster, slightly worse)",
    )
    d.add_argument(
        "--max-length",
        type=int,
        metavar="N",
        help="tokens per model input and output, EOS included (default and maximum: the "
        "model's positions, 512 for opus-mt); longer inputs are split",
    )
    d.add_argument(
        "--batch-tokens",
        type=int,
        metavar="N",
        help="padded source tokens handed to the model per call; sentences are sorted by "
        f"length first (default: {batch_tokens_help()}; ct2 on CPU splits a call into one "
        "equal sub-batch per core); lower it if memory runs out",
    )


def check_model_options(args: argparse.Namespace) -> None:
    """Refuse numeric model options below 1 before the (slow) model load."""
    for name in ("beam", "batch_tokens", "threads", "max_length"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, got {value}")


def read_documents(args: argparse.Namespace) -> tuple[list[RawDocument], int]:
    """Read every source; report unreadable ones on stderr and go on (caller exits 65)."""
    fmt = None if args.input_format == "auto" else args.input_format
    raws: list[RawDocument] = []
    failures = 0
    for item in read_sources(args.sources, encoding=args.encoding, stdin=sys.stdin.buffer, fmt=fmt):
        if isinstance(item, ReadFailure):
            failures += 1
            print(f"songngu: error: {item.error}", file=sys.stderr)
            continue
        for w in item.warnings:
            warn(w, quiet=args.quiet)
        raws.append(item)
    return raws, failures


MODEL_OPTIONS = (
    "model",
    "revision",
    "backend",
    "precision",
    "beam",
    "max_length",
    "batch_tokens",
    "device",
    "threads",
)


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    """The model options as ``translate.engine.load_translator`` keywords."""
    return {name: getattr(args, name) for name in MODEL_OPTIONS}


def load_translator_from_args(args: argparse.Namespace, *, progress: bool = False) -> Translator:
    """The model the model options name (imports the model stack only now)."""
    from translate.engine import load_translator

    return load_translator(**model_options(args), progress=progress)


# -- one writer at a time (the store's writer lock) --------------------------------------------


def add_wait_option(p: argparse.ArgumentParser) -> None:
    """``--wait SECONDS``, for every command that writes a store."""
    from aligned.store.lock import DEFAULT_WAIT

    p.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help="if another songngu process is writing the store, wait this long for it "
        "(default: %(default)g), then exit 75 (0 = do not wait)",
    )


def writer_options(args: argparse.Namespace, store: str | os.PathLike[str]) -> dict[str, Any]:
    """``open_store`` keywords for a command that writes ``store``: hold its writer lock,
    waiting ``--wait`` seconds for another writer and saying once on stderr whom it waits for
    (not with ``-q``). A namespace built without ``--wait`` gets the default."""
    from aligned.store.lock import DEFAULT_WAIT

    wait: float = getattr(args, "wait", DEFAULT_WAIT)
    if not wait >= 0:  # also NaN
        raise ConfigError(f"--wait must be a number of seconds, 0 or more, got {wait}")
    quiet = bool(getattr(args, "quiet", False))

    def on_wait(pid: int | None) -> None:
        if not quiet:
            who = f"PID {pid}" if pid is not None else "another process"
            print(
                f"songngu: waiting for {who}, which is writing {os.fspath(store)} "
                f"(up to {wait:g} s; --wait SECONDS)",
                file=sys.stderr,
                flush=True,
            )

    return {"writer": True, "wait": wait, "on_wait": on_wait}
