"""``songngu run``: documents in, a translated corpus directory out (store + every export)."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import (
    add_input_options,
    add_model_options,
    check_model_options,
    load_translator_from_args,
    model_options,
    pipeline_options,
    read_documents,
    warn,
)
from aligned.distributed import ENGINES, ModelSpec, chunk_translator
from aligned.formats import FORMATS, run_formats
from aligned.runner import DEFAULT_COMMIT_EVERY, REPORT_NAME, STORE_NAME, RunResult, run_corpus
from corpus.errors import EXIT_DATA, EXIT_OK, DataError
from corpus.pipeline import parse_flag_list, process_documents
from translate.types import Translator

HELP = "read, clean, segment, translate and export: the whole job, resumable"


def _outputs() -> str:
    """The files of OUT/, from the format registry (one line each)."""
    rows = [(STORE_NAME, "the store: documents, segments, translations (resumable)")]
    for fmt in run_formats():
        files = " + ".join(p.name for p in fmt.files(str(fmt.run_file)))
        rows.append((files, FORMATS[fmt.name].help))
    rows.append(
        (REPORT_NAME, "the HTML report of the translations (as `songngu report` writes it)")
    )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {text}" for name, text in rows)


DESCRIPTION = f"""\
Read Vietnamese documents, clean and segment them, translate every segment not yet translated
with this model and settings, and write OUT/:
{_outputs()}

Run it again into the same OUT/ to resume after an interruption or to add documents: only
what is missing is translated, and the exports are rewritten from the store. Segments flagged
with a --drop flag (default: the site-furniture flags) stay in the store, flagged, but are not
translated or exported. If the model is unavailable the segments are still stored (exit 69).
"""

EPILOG = """\
example (downloads opus-mt-vi-en once; --model DIR uses a local copy):
  songngu run examples/news/ -o out/
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(
        p,
        drop_default="default",
        drop_help="left out of translation and exports, still stored; default: 'default'",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT/",
        help="output directory (created; an existing one is resumed and its exports rewritten)",
    )
    add_model_options(p)
    p.add_argument(
        "--commit-every",
        type=int,
        default=DEFAULT_COMMIT_EVERY,
        metavar="N",
        help="texts translated per committed batch (default: %(default)s); at most one batch "
        "is lost when a run is killed",
    )
    p.add_argument(
        "--no-report",
        action="store_true",
        help="do not write report.html (an existing one is left as it was); `songngu report` "
        "or `songngu review` show the store later",
    )
    e = p.add_argument_group("engine")
    e.add_argument(
        "--engine",
        choices=ENGINES,
        default=ENGINES[0],
        help="'local': translate in this process (default); 'ray': Ray Data batch inference, "
        "one model per actor, on a local Ray instance or the cluster --address names. The "
        "store, resume and exports are the same either way",
    )
    e.add_argument(
        "--address",
        metavar="ADDR",
        help="with --engine ray: 'auto' (a node of a running cluster, after `ray start`) or "
        "ray://HEAD:10001; default: start Ray on this machine for this run",
    )
    e.add_argument(
        "--actors",
        type=int,
        metavar="N",
        help="with --engine ray: model replicas (default: one per GPU if the cluster has "
        "GPUs, else one per node); CPU actors share the cluster's CPUs equally",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    drop = parse_flag_list(args.drop)
    check_model_options(args)
    via = chunk_translator(
        args.engine, ModelSpec(**model_options(args)), address=args.address, actors=args.actors
    )
    options = pipeline_options(args)
    raws, failures = read_documents(args)
    if not raws:
        raise DataError(
            f"no document could be read from {' '.join(args.sources)}; nothing to run "
            "(see the errors above)"
        )
    docs = process_documents(raws, options)

    def load() -> Translator:
        return load_translator_from_args(args)

    result = run_corpus(
        docs,
        args.output,
        load,
        drop=drop,
        commit_every=args.commit_every,
        progress=not args.quiet and sys.stderr.isatty(),
        chunk_translator=via,
        report=not args.no_report,
    )
    if not args.quiet:
        print(summary(result, failures=failures), file=sys.stderr)
    if result.stripped_chars:
        warn(
            f"{result.stripped_chars} characters XML forbids were removed from corpus.tmx "
            "(the other exports keep them)",
            quiet=args.quiet,
        )
    return EXIT_DATA if failures else EXIT_OK


def summary(r: RunResult, *, failures: int = 0) -> str:
    """The one-screen report of a run."""
    flags = ", ".join(f"{k} {v}" for k, v in r.flag_counts.items()) or "none"
    lines = [
        f"songngu: run finished in {r.seconds:.1f} s: {r.store.parent}/",
        f"  documents   {r.documents} in the store ({r.added} new, {r.changed} changed, "
        f"{r.unchanged} unchanged)" + (f"; {failures} inputs failed" if failures else ""),
        f"  segments    {r.segments}, {r.flagged} flagged ({flags})",
        f"  left out    {r.left_out} segments with a --drop flag (stored, not translated)",
        f"  translated  {r.translated} now, {r.cached} skipped (already in the store)",
        f"  system      {r.signature}",
        f"  exports     {' '.join(p.name for p in r.exports)} ({r.exported_pairs} pairs each)",
    ]
    checks = ", ".join(
        f"{k} {v}" for k, v in sorted(r.check_counts.items()) if v and k != "segments"
    )
    lines.append(f"  checks      {checks or 'no segment flagged'} (details: songngu check --list)")
    return "\n".join(lines)
