"""``songngu export``: a corpus store out in any writable format of ``aligned.formats``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator

from aligned.commands._common import warn
from aligned.filters import FilterOptions, build_pipeline, describe_removed, parse_drop
from aligned.filters import drop_help as checks_drop_help
from aligned.formats import format_names, formats_help
from aligned.pairs import AlignedPair
from aligned.splits import parse_splits, plan_splits, split_targets, write_splits
from aligned.store import open_store, sqlite_errors
from corpus.errors import EXIT_OK
from corpus.flags import drop_help

HELP = "write a store's aligned pairs as " + ", ".join(format_names(writable=True))

DESCRIPTION = """\
Export the translated segments of a store (OUT/corpus.sqlite from `songngu run` or
`songngu import`) under one system (translation signature), in (doc, para, sent) order.

Review decisions are carried: an edited translation replaces the machine one, a rejected pair
is left out, and --reviewed-only keeps accepted and edited pairs only. Segments without a
translation under the chosen system are left out.
"""


EPILOG = """\
example (the last command writes a training corpus: filtered, deduplicated, split by document):
  songngu run examples/news/ -o out/
  songngu export out/corpus.sqlite --format tsv -o pairs.tsv
  songngu export out/corpus.sqlite --format jsonl -o corpus.jsonl --drop default,numbers \\
      --max-chars 500 --max-ratio 3 --dedup --split train=0.98,dev=0.01,test=0.01 --seed 1
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", metavar="STORE", help="the corpus store, e.g. OUT/corpus.sqlite")
    names = format_names(writable=True)
    p.add_argument(
        "--format",
        choices=names,
        required=True,
        help=f"output format: {formats_help(names)}. Moses writes PREFIX.vi and PREFIX.en",
    )
    p.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE|PREFIX|DIR/|-",
        help="output file, '-' for stdout (default), or for moses the path prefix; a "
        "directory (existing, or ending in '/') gets the file named as `songngu run` names "
        "it: DIR/corpus.tsv, DIR/corpus.vi + DIR/corpus.en, ...",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    add_filter_options(p)
    p.add_argument(
        "--system",
        default="latest",
        metavar="NAME|SIGNATURE|latest",
        help="which system's translations to export (default: latest = the most recently "
        "run or imported)",
    )
    p.add_argument(
        "--reviewed-only",
        action="store_true",
        help="only pairs a reviewer accepted or edited",
    )
    add_split_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=run)


# -- filters and splits (issue 15) ---------------------------------------------------------------


def add_filter_options(p: argparse.ArgumentParser) -> None:
    """--drop, --min-chars, --max-chars, --max-ratio, --dedup (aligned/filters.py)."""
    g = p.add_argument_group(
        "filters (applied in this order, before --split; stderr says how many each removed)"
    )
    g.add_argument(
        "--drop",
        metavar="NAMES",
        default="default",
        help="comma-separated noise flags and checks whose pairs are left out (default: "
        f"'default'). Noise {drop_help()}. Also {checks_drop_help()}; 'check:NAME' names one "
        "explicitly. A check flag does not drop a pair a reviewer accepted or edited",
    )
    g.add_argument(
        "--min-chars",
        type=int,
        metavar="N",
        help="leave out pairs with a side (source or translation) shorter than N characters",
    )
    g.add_argument(
        "--max-chars",
        type=int,
        metavar="N",
        help="leave out pairs with a side longer than N characters (e.g. 500)",
    )
    g.add_argument(
        "--max-ratio",
        type=float,
        metavar="R",
        help="leave out pairs whose longer side has more than R times the characters of the "
        "shorter (an empty side counts as infinite; e.g. 3)",
    )
    g.add_argument(
        "--dedup",
        action="store_true",
        help="leave out a pair whose source repeats an earlier kept pair's (compared after NFC, "
        "casefolding and collapsing whitespace); the first in export order is kept",
    )


def add_split_options(p: argparse.ArgumentParser) -> None:
    """--split, --seed (aligned/splits.py)."""
    g = p.add_argument_group("splits by document")
    g.add_argument(
        "--split",
        metavar="NAME=SHARE,...",
        help="write one file per split, the split name before the suffix (-o corpus.jsonl: "
        "corpus.train.jsonl, corpus.dev.jsonl...; moses -o corpus: corpus.train.vi/.en...), "
        "e.g. train=0.98,dev=0.01,test=0.01. Shares are of pairs after the filters; whole "
        "documents are assigned, so no document is in two splits",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the document order for --split (default 0); the same seed and corpus "
        "give the same splits on any machine",
    )


def _filter_options(args: argparse.Namespace) -> FilterOptions:
    return FilterOptions(
        drop=parse_drop(args.drop),
        min_chars=args.min_chars,
        max_chars=args.max_chars,
        max_ratio=args.max_ratio,
        dedup=args.dedup,
    )


def _summary(count: int, signature: str, fmt_name: str, removed: Counter[str]) -> str:
    line = f"songngu: exported {count} pairs of system {signature} as {fmt_name}"
    if details := describe_removed(removed):
        line += f"; removed: {details}"
    return line


def run(args: argparse.Namespace) -> int:
    from aligned.formats import get_format, write_path

    options = _filter_options(args)
    splits = parse_splits(args.split) if args.split else None
    fmt = get_format(args.format)
    removed: Counter[str] = Counter()
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        signature = store.resolve_system(args.system)
        pipeline = build_pipeline(options, store, signature)
        for name in pipeline.checks_without_flags:
            warn(
                f"no check flag is stored for system {signature}, so --drop {name} removes "
                f"nothing; run `songngu check {args.store}` first (`songngu run` does)",
                quiet=args.quiet,
            )

        def filtered(counter: Counter[str] | None = None) -> Iterator[AlignedPair]:
            pairs = store.pairs(signature, drop=frozenset(), reviewed_only=args.reviewed_only)
            return pipeline.filter(pairs, counter)

        if splits is None:
            stats = write_path(fmt, filtered(removed), args.output, force=args.force)
            count, stripped = stats.pairs, stats.stripped_chars
        else:
            split_targets(fmt, splits, args.output, force=args.force)  # refuse before counting
            plan = plan_splits(filtered(removed), splits, args.seed)
            written = write_splits(fmt, plan, filtered, args.output, force=args.force)
            count = sum(w.pairs for w in written)
            stripped = sum(w.stripped_chars for w in written)
    if stripped:
        warn(f"{stripped} characters XML forbids were removed from the TMX", quiet=args.quiet)
    if not args.quiet:
        print(_summary(count, signature, fmt.name, removed), file=sys.stderr)
        if splits is not None:
            for w in written:
                files = " + ".join(str(f) for f in w.files)
                print(
                    f"songngu:   {w.name}: {w.pairs} pairs from {w.documents} "
                    f"document{'' if w.documents == 1 else 's'} -> {files}",
                    file=sys.stderr,
                )
    if splits is not None:
        n_docs = len(plan.assignment)
        for name in plan.empty:
            warn(
                f"split {name!r} has no document (the filtered export has {n_docs} documents "
                f"for {len(splits)} splits); its file is empty",
                quiet=args.quiet,
            )
    return EXIT_OK
