"""``songngu score``: BLEU, chrF++ and TER by sacrebleu, of a store's system or of plain files."""

from __future__ import annotations

import argparse
import json
import sys

from aligned.commands._common import add_wait_option, writer_options
from aligned.textio import read_lines
from corpus.errors import (
    EXIT_BUSY,
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_GATE,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    describe_exit_codes,
)

HELP = "score translations against references with sacrebleu (BLEU, chrF++, TER)"

DESCRIPTION = """\
Score one system's translations against a reference, at corpus level, with sacrebleu: BLEU,
chrF++ (chrF with word bigrams) and TER, each with its sacrebleu signature and a bootstrap 95%
confidence interval. The numbers are exactly those of sacrebleu's CLI
(`sacrebleu REF -i HYP -m bleu chrf ter --chrf-word-order 2 --confidence`).

  songngu score OUT/corpus.sqlite [--system SIG|latest] [--ref NAME]
  songngu score --hyp HYP.en --ref REF.en        (plain files, one segment per line; '-' = stdin)

Store mode scores the segments that have both a translation and a reference, and stores the
corpus scores (segment NULL, signature and interval in `details`) and sentence BLEU, chrF++
and TER per segment in the store's `scores` table, replacing earlier ones.

The bootstrap uses sacrebleu's fixed seed 12345 ($SACREBLEU_SEED overrides it), so intervals
are reproducible; the signature records it (bs:1000|seed:12345).
"""

EXIT_CODES_HELP = describe_exit_codes(
    [EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_GATE, EXIT_DATA, EXIT_BUSY],
    {
        EXIT_OK: "success, every gate passed",
        EXIT_USAGE: "usage error (bad option or gate, unknown --system/--ref)",
        EXIT_GATE: "scores computed and printed, but a --fail-under/--fail-over gate was missed",
        EXIT_DATA: "data error (line counts differ, empty input, nothing to score)",
    },
)

EPILOG = f"""\
quality gates (for CI pipelines):
  --fail-under bleu=20 --fail-under chrf=45   fail if BLEU < 20 or chrF++ < 45
  --fail-over ter=70                          fail if TER > 70 (lower TER is better)

{EXIT_CODES_HELP}
example (two files, one segment per line; a store works the same after `songngu refs add`):
  printf 'The cat sat on the mat.\\nIt rained all day.\\n' > hyp.en
  printf 'The cat sat on the mat.\\nIt was raining all day.\\n' > ref.en
  songngu score --hyp hyp.en --ref ref.en --fail-under chrf=40
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "score",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", nargs="?", metavar="STORE", help="a corpus store (OUT/corpus.sqlite)")
    p.add_argument("--hyp", metavar="FILE", help="hypotheses file, one per line ('-' = stdin)")
    p.add_argument(
        "--ref",
        metavar="NAME|FILE",
        help="store mode: the reference set's name (default: the only one); file mode: the "
        "reference file, line-aligned with --hyp",
    )
    p.add_argument(
        "--system",
        default="latest",
        metavar="SIGNATURE|latest",
        help="store mode: whose translations (default: latest)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--confidence",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for the 95%% confidence intervals (default: 1000, as "
        "sacrebleu; 1 = no intervals)",
    )
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="exit 3 if METRIC (bleu, chrf, ter) scores below VALUE; repeatable",
    )
    p.add_argument(
        "--fail-over",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="exit 3 if METRIC scores above VALUE (for TER); repeatable",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    add_wait_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.scoring import corpus_scores, failed_gates, parse_gate

    gates = [parse_gate(g, over=False) for g in args.fail_under]
    gates += [parse_gate(g, over=True) for g in args.fail_over]
    if args.confidence < 1:
        raise ConfigError(
            f"--confidence must be at least 1 (1 = no intervals), got {args.confidence}"
        )
    payload: dict[str, object] = {}
    if args.hyp is not None:
        if args.store is not None or args.ref is None:
            raise ConfigError(
                "give either a STORE or --hyp FILE --ref FILE (files mode needs both, no store)"
            )
        hyps = read_lines(args.hyp, what="hypotheses")
        refs = read_lines(args.ref, what="reference")
        scores = corpus_scores(
            hyps, refs, n_bootstrap=args.confidence, hyp_name=args.hyp, ref_name=args.ref
        )
        payload = {"hypotheses": args.hyp, "reference": args.ref, "segments": len(hyps)}
    elif args.store is not None:
        from aligned.scoring import resolve_reference, score_store
        from aligned.store import open_store, sqlite_errors

        with (
            sqlite_errors(args.store),
            open_store(args.store, create=False, **writer_options(args, args.store)) as store,
        ):
            signature = store.resolve_system(args.system)
            reference = resolve_reference(store, args.ref)
            result = score_store(store, signature, reference, n_bootstrap=args.confidence)
        scores = result.scores
        payload = {"system": signature, "reference": reference, "segments": result.segments}
    else:
        raise ConfigError("nothing to score: give a STORE, or --hyp FILE --ref FILE")
    missed = failed_gates(scores, gates)
    if args.format == "json":
        payload["scores"] = [s.as_dict() for s in scores]
        payload["gates_failed"] = missed
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        for key, value in payload.items():
            print(f"{key}: {value}")
        for s in scores:
            print(s.text())
    for message in missed:
        if not args.quiet:
            print(f"songngu: gate failed: {message}", file=sys.stderr)
    return EXIT_GATE if missed else EXIT_OK
