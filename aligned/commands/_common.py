"""Options shared by subcommands: documents in and cleaning (segment, run), the model (run)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from corpus.clean import CleanOptions
from corpus.errors import ConfigError
from corpus.flags import drop_help as flag_names_help
from corpus.model import RawDocument
from corpus.pipeline import PipelineOptions, parse_flag_list
from corpus.readers import ReadFailure, Skipped, read_sources
from translate.defaults import (
    DEFAULT_BACKEND,
    DEFAULT_BEAM,
    DEFAULT_DEVICE,
    DEFAULT_MAX_LENGTH_FACTOR,
    DEFAULT_MODEL,
)
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
    """The input, cleaning and segmentation options of ``segment`` and ``run``.

    ``drop_default`` is the ``--drop`` default with ``--segment sentences``; with
    ``--segment lines`` it is always ``none`` (see :func:`drop_flags`).
    """
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
    add_decode_option(g)
    g.add_argument(
        "--paragraphs",
        choices=["line", "blank"],
        default="line",
        help="'line': every non-blank line is a paragraph (scraped news; default); "
        "'blank': paragraphs are separated by blank lines (hard-wrapped text)",
    )
    g.add_argument(
        "--segment",
        choices=["sentences", "lines"],
        default="sentences",
        help="'sentences': split paragraphs into sentences (default); 'lines': every non-empty "
        "line is exactly one segment, never split, and --drop defaults to 'none' so no line is "
        "left out (test sets such as FLORES, one sentence per line)",
    )
    g.add_argument(
        "--doc-id",
        metavar="NAME",
        help="the document id of stdin ('-'); default: 'stdin-' + 12 hex digits of a hash of "
        "its bytes, so the same input is the same document and different inputs are different "
        "documents",
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
        default=None,
        help="comma-separated noise flags whose segments are left out (e.g. "
        f"'widget,dateline'); {drop_help}; with --segment lines: 'none'. {flag_names_help()}",
    )
    p.set_defaults(drop_default=drop_default)
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
    return PipelineOptions(clean=clean, paragraphs=args.paragraphs, segment=args.segment)


def drop_flags(args: argparse.Namespace) -> frozenset[str]:
    """The ``--drop`` flags: as given, else ``none`` with ``--segment lines`` (a test set's
    lines are never left out), else the command's default."""
    if args.drop is not None:
        return parse_flag_list(args.drop)
    return parse_flag_list("none" if args.segment == "lines" else args.drop_default)


def warn(message: str, *, quiet: bool, stream: TextIO | None = None) -> None:
    if not quiet:
        print(f"songngu: warning: {message}", file=stream or sys.stderr)


def note(message: str, *, quiet: bool, stream: TextIO | None = None) -> None:
    """An information line (``songngu: note: ...``) on stderr, unless ``--quiet``."""
    if not quiet:
        print(f"songngu: note: {message}", file=stream or sys.stderr)


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
        "--max-length-factor",
        type=float,
        default=DEFAULT_MAX_LENGTH_FACTOR,
        metavar="F",
        help="a translation stops after F x its source tokens (default: %(default)g, as "
        "Marian's --max-length-factor), so a model that loops does not run to --max-length; "
        "part of the signature",
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
    factor = getattr(args, "max_length_factor", DEFAULT_MAX_LENGTH_FACTOR)
    if not (factor > 0 and factor < float("inf")):
        raise ConfigError(
            f"--max-length-factor must be a positive number, got {factor:g}; the default is "
            f"{DEFAULT_MAX_LENGTH_FACTOR:g}"
        )


def read_documents(
    args: argparse.Namespace, *, exclude: Iterable[str] = ()
) -> tuple[list[RawDocument], int]:
    """Read every source; report unreadable ones on stderr and go on (caller exits 65).

    Paths in ``exclude`` (the command's own outputs) are never read; each one met is named in
    a note line.
    """
    reader = DocumentReader(args, exclude=exclude)
    raws = list(reader)
    return raws, reader.failures


class DocumentReader:
    """:func:`read_documents` as a stream (``run`` stores documents as they are read): iterate
    it once for the documents; ``failures`` counts the unreadable ones met so far."""

    def __init__(self, args: argparse.Namespace, *, exclude: Iterable[str] = ()) -> None:
        self.args = args
        self.exclude = list(exclude)
        self.failures = 0

    def __iter__(self) -> Iterator[RawDocument]:
        args = self.args
        fmt = None if args.input_format == "auto" else args.input_format

        def skipped(item: Skipped) -> None:
            note(item.message, quiet=args.quiet)

        for item in read_sources(
            args.sources,
            encoding=args.encoding,
            stdin=sys.stdin.buffer,
            fmt=fmt,
            decode_errors=args.decode_errors,
            doc_id=args.doc_id,
            exclude=self.exclude,
            on_skip=skipped,
        ):
            if isinstance(item, ReadFailure):
                self.failures += 1
                print(f"songngu: error: {item.error}", file=sys.stderr)
                continue
            for w in item.warnings:
                warn(w, quiet=args.quiet)
            yield item


MODEL_OPTIONS = (
    "model",
    "revision",
    "backend",
    "precision",
    "beam",
    "max_length",
    "max_length_factor",
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


def add_decode_option(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """``--decode-errors strict|replace``: what a few undecodable bytes in an input do (issue
    15). Its value goes to ``read_sources(decode_errors=args.decode_errors)``."""
    from corpus.readers import DECODE_ERRORS

    group.add_argument(
        "--decode-errors",
        choices=list(DECODE_ERRORS),
        default="strict",
        help="'strict': a file that cannot be decoded is an error (default); 'replace': a file "
        "that is UTF-8 apart from a few bad bytes is kept, each bad byte becomes U+FFFD, a "
        "warning says how many and the segments holding one are flagged decode-error",
    )


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


def print_first_pairs(pairs: Iterable[tuple[str, str]], *, width: int = 60) -> None:
    """``  1  <source>  ⇄  <target>`` lines on stderr, each side cut to ``width`` characters:
    the first pairs of a line-aligned file, so that a misalignment is visible at once."""

    def short(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    for k, (left, right) in enumerate(pairs, start=1):
        print(f"  {k}  {short(left)}  ⇄  {short(right)}", file=sys.stderr)
