"""``songngu compare``: sacrebleu's paired significance test between two (or more) systems."""

from __future__ import annotations

import argparse
import json

from aligned.scoring import DEFAULT_METRICS
from aligned.textio import read_lines
from corpus.errors import (
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    DataError,
    describe_exit_codes,
)

HELP = "compare systems with sacrebleu's paired significance test"

DESCRIPTION = """\
Compare systems against one reference with sacrebleu's paired test: each system's scores,
its difference from the first system (the baseline) and the p-value, with sacrebleu's
signatures. --metrics as for `songngu score`: bleu, chrf (chrF2), chrf++ (chrF2++), ter;
default bleu,chrf++,ter. The numbers are those of
`sacrebleu REF -i A B -m bleu chrf ter --chrf-word-order 2 --paired-bs` (without
--chrf-word-order for chrf).

  songngu compare OUT/corpus.sqlite --system A --system B [--ref NAME]   (names or signatures)
  songngu compare --hyp A.en --hyp B.en --ref REF.en

Store mode compares the segments that have a translation under every system and a reference.
--method bs: paired bootstrap resampling (default, 1000 resamples); ar: approximate
randomization (10000 trials). Seeded with sacrebleu's 12345 ($SACREBLEU_SEED overrides).
A p-value below 0.05 means the difference is unlikely to be chance.

  songngu compare OUT/corpus.sqlite --human

--human summarises the blind A/B judgements made in `songngu review` (/blind) instead: per pair
of systems, each one's win rate (ties left out) with a 95% Wilson confidence interval and the
exact two-sided sign test p-value.
"""

EXIT_CODES_HELP = describe_exit_codes(
    [EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DATA],
    {
        EXIT_USAGE: "usage error (fewer than two systems, unknown --system/--ref)",
        EXIT_DATA: "data error (line counts differ, nothing to compare)",
    },
)

EPILOG = f"""\
{EXIT_CODES_HELP}
example (two systems' outputs against one reference, one segment per line):
  printf 'The cat sat on the mat.\\nIt rained all day.\\nWe left early.\\n' > a.en
  printf 'A cat sits on a mat.\\nRain all the day.\\nWe leave early.\\n' > b.en
  printf 'The cat sat on the mat.\\nIt was raining all day.\\nWe left early.\\n' > ref.en
  songngu compare --hyp a.en --hyp b.en --ref ref.en
  songngu compare --hyp a.en --hyp b.en --ref ref.en --metrics chrf,bleu --samples 100 --json
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "compare",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("store", nargs="?", metavar="STORE", help="a corpus store (OUT/corpus.sqlite)")
    p.add_argument(
        "--system",
        action="append",
        default=[],
        metavar="NAME|SIG",
        help="store mode: a system, by name or signature (or latest); repeat",
    )
    p.add_argument("--hyp", action="append", default=[], metavar="FILE", help="a hypotheses file")
    p.add_argument("--ref", metavar="NAME|FILE", help="reference set name (store) or file")
    p.add_argument("--method", choices=["bs", "ar"], default="bs", help="paired test (default bs)")
    p.add_argument(
        "--samples",
        type=int,
        default=0,
        metavar="N",
        help="resamples (bs) or trials (ar); default 0 = sacrebleu's 1000 / 10000",
    )
    p.add_argument(
        "--metrics",
        default=",".join(DEFAULT_METRICS),
        metavar="LIST",
        help="comma-separated: bleu, chrf (chrF2), chrf++ (chrF2++), ter (default: %(default)s)",
    )
    p.add_argument(
        "--human",
        action="store_true",
        help="store mode: summarise the blind A/B judgements (win rates, 95%% CI, sign test)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="= --format json"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=run)


def _store_systems(args: argparse.Namespace) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Each --system's (label, outputs) and the references: the units every system has; a
    named system is labelled by its name."""
    from aligned.scoring import aligned_texts, resolve_reference
    from aligned.store import open_store, sqlite_errors

    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        sigs = [store.resolve_system(s) for s in args.system]
        reference = resolve_reference(store, args.ref)
        ids, hyps, refs = aligned_texts(store, sigs, reference)
        names = {i.signature: i.name for i in store.system_infos()}
    if not ids:
        raise DataError(
            f"{args.store}: no segment has a translation under every --system and a reference "
            f"in {reference!r}"
        )
    if len(set(sigs)) < len(sigs):
        raise ConfigError(
            f"--system {' --system '.join(args.system)}: a system is given twice; name "
            "different systems"
        )
    labels = [names.get(sig) or sig for sig in sigs]
    return list(zip(labels, hyps, strict=True)), refs


def _human(args: argparse.Namespace) -> int:
    """``--human``: the judgements table summarised (see :mod:`aligned.human`)."""
    from aligned.human import oriented, summarise
    from aligned.store import open_store, sqlite_errors

    if args.store is None or args.hyp:
        raise ConfigError("--human reads a store's judgements: give STORE and no --hyp")
    with sqlite_errors(args.store), open_store(args.store, create=False) as store:
        sigs = [store.resolve_system(s) for s in args.system]
        recency = {s: i for i, s in enumerate(store.systems())}
        summaries = summarise(store.judgements(sigs))
    if not summaries:
        raise DataError(
            f"{args.store}: no blind judgements{' between these systems' if sigs else ''}; "
            "make some in `songngu review STORE` at /blind"
        )
    # A = the more recently used system of each pair (as in `songngu review`).
    summaries = [
        oriented(s, min((s.x, s.y), key=lambda n: recency.get(n, 1 << 30))) for s in summaries
    ]
    if args.format == "json":
        print(json.dumps([s.as_dict() for s in summaries], ensure_ascii=False, indent=1))
        return EXIT_OK
    for s in summaries:
        print(f"A: {s.x}\nB: {s.y}")
        print("\n".join(s.lines()))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from aligned.scoring import compare_systems, parse_metrics

    if args.human:
        return _human(args)
    metrics = parse_metrics(args.metrics)
    if args.samples < 0:
        raise ConfigError(f"--samples must be 0 (default) or more, got {args.samples}")
    if args.hyp:
        if args.store is not None or args.system or args.ref is None:
            raise ConfigError("files mode: give --hyp A --hyp B --ref FILE, and no STORE/--system")
        systems = [(h, read_lines(h, what="hypotheses")) for h in args.hyp]
        refs = read_lines(args.ref, what="reference")
    elif args.store is not None:
        systems, refs = _store_systems(args)
    else:
        raise ConfigError("nothing to compare: give a STORE with --system twice, or --hyp twice")
    if len(systems) < 2:
        raise ConfigError(
            f"compare needs at least two systems (--system/--hyp), got {len(systems)}"
        )
    result = compare_systems(
        systems, refs, method=args.method, n_samples=args.samples, metrics=metrics
    )
    if args.format == "json":
        out = result.as_dict()
        out["segments"] = len(refs)
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return EXIT_OK
    method = "paired bootstrap resampling" if args.method == "bs" else "approximate randomization"
    print(f"{method}, {result.n_samples} samples, {len(refs)} segments; baseline: {systems[0][0]}")
    for name, rows in result.results.items():
        print(f"{name}  ({result.signatures[name]})")
        base = rows[0].score
        for r in rows:
            ci = (
                f" (μ = {r.mean:.2f} ± {r.ci:.2f})"
                if r.mean is not None and r.ci is not None
                else ""
            )
            if r.p_value is None:
                print(f"  {r.score:7.2f}{ci}  baseline  {r.system}")
            else:
                print(
                    f"  {r.score:7.2f}{ci}  {r.score - base:+.2f} p = {r.p_value:.4f}  {r.system}"
                )
    return EXIT_OK
