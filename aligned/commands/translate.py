"""``songngu translate``: Vietnamese sentences in (one per line), English out, same order."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from aligned.output import open_output
from corpus.errors import EXIT_OK, ConfigError, DataError

HELP = "translate Vietnamese sentences (one per line) to English"

DESCRIPTION = """\
Translate Vietnamese to English with a MarianMT model (default Helsinki-NLP/opus-mt-vi-en).

Input: one sentence per line (UTF-8) from files or stdin. Output: one translation per line,
in the same order; empty input lines stay empty. --format jsonl writes one record per line
with the source, translation, score, token counts, split flag and the signature of every
setting that produced it. Inputs longer than the model's limit are split at clause
boundaries, translated in parts and rejoined (split=true in jsonl), never truncated.

The model is loaded from the Hugging Face cache, downloaded once if needed (not with
HF_HUB_OFFLINE=1), or read from a local directory given to --model.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "translate",
        help=HELP,
        description=DESCRIPTION,
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
    m = p.add_argument_group("model")
    m.add_argument(
        "--model",
        default="Helsinki-NLP/opus-mt-vi-en",
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
        choices=["transformers", "ct2"],
        default="transformers",
        help="'transformers' (PyTorch, default) or 'ct2' (CTranslate2, faster on CPU)",
    )
    m.add_argument(
        "--precision",
        metavar="P",
        help="transformers: float32 (exact; CPU default), float16 (CUDA default), bfloat16, "
        "int8 (CPU dynamic quantization); all but float32 may change outputs slightly. "
        "ct2: its compute types (int8, int8_float16, float16, bfloat16, float32)",
    )
    m.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda", "mps"],
        default="auto",
        help="where to run (default: auto = CUDA, else MPS, else CPU)",
    )
    m.add_argument(
        "--threads", type=int, metavar="N", help="CPU threads (default: the library's choice)"
    )
    d = p.add_argument_group("decoding")
    d.add_argument(
        "--beam",
        type=int,
        default=4,
        metavar="N",
        help="beam size (default: 4, as in opus-mt's generation_config.json; 1 = greedy, "
        "faster, slightly worse)",
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
        default=4096,
        metavar="N",
        help="padded source tokens per batch (default: %(default)s); lower it if memory runs "
        "out, raise it on a GPU",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or messages on stderr"
    )
    p.set_defaults(func=run)


def _read_lines(inputs: list[str], stdin: BinaryIO) -> Iterator[str]:
    for name in inputs:
        try:
            data = stdin.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read input {name!r}: {exc.strerror or exc}") from None
        label = "stdin" if name == "-" else repr(name)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DataError(
                f"input {label} is not valid UTF-8 (byte {exc.start}, line {line}); convert it "
                "first, e.g. `iconv -f cp1258 -t utf-8`, or run `songngu segment --encoding ENC`"
            ) from None
        if "\x00" in text:
            raise DataError(f"input {label} contains NUL bytes: it looks binary, not text")
        # Only \n (and \r\n) end lines: other Unicode separators stay inside the sentence.
        yield from text.replace("\r\n", "\n").split("\n")[: -1 if text.endswith("\n") else None]


def run(args: argparse.Namespace) -> int:
    lines = list(_read_lines(args.inputs, sys.stdin.buffer))
    for flag in ("beam", "batch_tokens", "threads", "max_length"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag.replace('_', '-')} must be at least 1, got {value}")
    from translate.engine import load_translator

    progress = not args.quiet and len(lines) >= 50 and sys.stderr.isatty()
    translator = load_translator(
        args.model,
        revision=args.revision,
        backend=args.backend,
        precision=args.precision,
        beam=args.beam,
        max_length=args.max_length,
        batch_tokens=args.batch_tokens,
        device=args.device,
        threads=args.threads,
        progress=progress,
    )
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
