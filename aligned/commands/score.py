"""``songngu score``: BLEU, chrF, chrF++ and TER by sacrebleu, of a store's system or of files."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aligned.commands._common import add_wait_option, writer_options
from aligned.scoring import DEFAULT_METRICS
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

if TYPE_CHECKING:
    from aligned.scoring import DocumentScores

HELP = "score translations against references with sacrebleu (BLEU, chrF, chrF++, TER)"

DESCRIPTION = """\
Score one system's translations against a reference, at corpus level, with sacrebleu, each
metric with its sacrebleu signature and a bootstrap 95% confidence interval. --metrics picks
them (comma-separated, in the order printed): bleu (BLEU), chrf (chrF, word order 0, reported
as chrF2: the OPUS-MT leaderboard's and WMT's headline), chrf++ (chrF with word bigrams,
chrF2++) and ter (TER); default: bleu,chrf++,ter. The numbers are exactly those of sacrebleu's
CLI: `sacrebleu REF -i HYP -m bleu chrf ter --confidence` for bleu,chrf,ter, and
`--chrf-word-order 2` for chrf++.

  songngu score OUT/corpus.sqlite [--system NAME|SIG|latest] [--ref NAME] [--by document]
  songngu score --hyp HYP.en --ref REF.en        (plain files, one segment per line; '-' = stdin)

Store mode scores the segments that have both a translation and a reference, and stores the
corpus scores (segment NULL, signature and interval in `details`) and the sentence scores of
each metric per segment in the store's `scores` table, replacing earlier ones of those metrics.
--by document adds one row per document (its id, the number of scored segments, each metric:
sacrebleu's corpus score of that document's lines alone, no interval); those rows are
printed, not stored.

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
quality gates (for CI pipelines; a gated metric missing from --metrics is computed too):
  --fail-under bleu=20 --fail-under chrf++=45   fail if BLEU < 20 or chrF++ < 45
  --fail-under chrf=45                          fail if chrF (word order 0) < 45
  --fail-over ter=70                            fail if TER > 70 (lower TER is better)

{EXIT_CODES_HELP}
example (two files, one segment per line; a store works the same after `songngu refs add`):
  printf 'The cat sat on the mat.\\nIt rained all day.\\n' > hyp.en
  printf 'The cat sat on the mat.\\nIt was raining all day.\\n' > ref.en
  songngu score --hyp hyp.en --ref ref.en --fail-under chrf++=40
  songngu score --hyp hyp.en --ref ref.en --metrics bleu,chrf --confidence 1 --json
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
        metavar="NAME|SIGNATURE|latest",
        help="store mode: whose translations, by name or signature (default: latest)",
    )
    p.add_argument(
        "--metrics",
        default=",".join(DEFAULT_METRICS),
        metavar="LIST",
        help="comma-separated: bleu, chrf (chrF2), chrf++ (chrF2++), ter (default: %(default)s)",
    )
    p.add_argument(
        "--by",
        choices=["document"],
        help="store mode: also one row of scores per document",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="= --format json"
    )
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
        help="exit 3 if METRIC (bleu, chrf, chrf++, ter) scores below VALUE; repeatable",
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
    from aligned.scoring import corpus_scores, failed_gates, parse_gate, parse_metrics, with_gated

    gates = [parse_gate(g, over=False) for g in args.fail_under]
    gates += [parse_gate(g, over=True) for g in args.fail_over]
    metrics = with_gated(parse_metrics(args.metrics), gates)
    if args.confidence < 1:
        raise ConfigError(
            f"--confidence must be at least 1 (1 = no intervals), got {args.confidence}"
        )
    payload: dict[str, object] = {}
    documents: list[DocumentScores] | None = None
    if args.hyp is not None:
        if args.store is not None or args.ref is None:
            raise ConfigError(
                "give either a STORE or --hyp FILE --ref FILE (files mode needs both, no store)"
            )
        if args.by is not None:
            raise ConfigError(
                "--by document needs a STORE (plain files have no documents); add the files "
                "with `songngu systems add` and `songngu refs add`"
            )
        hyps = read_lines(args.hyp, what="hypotheses")
        refs = read_lines(args.ref, what="reference")
        scores = corpus_scores(
            hyps,
            refs,
            n_bootstrap=args.confidence,
            hyp_name=args.hyp,
            ref_name=args.ref,
            metrics=metrics,
        )
        payload = {"hypotheses": args.hyp, "reference": args.ref, "segments": len(hyps)}
    elif args.store is not None:
        from aligned.scoring import document_scores, resolve_reference, score_store
        from aligned.store import open_store, sqlite_errors

        with (
            sqlite_errors(args.store),
            open_store(args.store, create=False, **writer_options(args, args.store)) as store,
        ):
            signature = store.resolve_system(args.system)
            reference = resolve_reference(store, args.ref)
            result = score_store(
                store, signature, reference, n_bootstrap=args.confidence, metrics=metrics
            )
            if args.by == "document":
                documents = document_scores(store, signature, reference, metrics=metrics)
            names = {i.signature: i.name for i in store.system_infos()}
        scores = result.scores
        payload = {
            "system": signature,
            "name": names.get(signature),
            "reference": reference,
            "segments": result.segments,
        }
    else:
        raise ConfigError("nothing to score: give a STORE, or --hyp FILE --ref FILE")
    missed = failed_gates(scores, gates)
    if args.format == "json":
        payload["scores"] = [s.as_dict() for s in scores]
        if documents is not None:
            payload["documents"] = [d.as_dict() for d in documents]
        payload["gates_failed"] = missed
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    else:
        for key, value in payload.items():
            if value is not None:
                print(f"{key}: {value}")
        for s in scores:
            print(s.text())
        if documents is not None:
            print(document_table(documents, [s.name for s in scores]))
    for message in missed:
        if not args.quiet:
            print(f"songngu: gate failed: {message}", file=sys.stderr)
    return EXIT_GATE if missed else EXIT_OK


def document_table(documents: Sequence[DocumentScores], names: Sequence[str]) -> str:
    """``--by document`` as a table: document id, segments, one column per metric."""
    width = max(len("document"), *(len(d.doc) for d in documents))
    head = f"{'document':<{width}}  {'segments':>8}" + "".join(f"  {n:>7}" for n in names)
    rows = [
        f"{d.doc:<{width}}  {d.segments:>8}" + "".join(f"  {s.score:7.2f}" for s in d.scores)
        for d in documents
    ]
    return "\n".join([head, *rows])
