"""``songngu run``: documents in, a translated corpus directory out (store + every export)."""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from aligned.commands._common import (
    DocumentReader,
    add_input_options,
    add_model_options,
    add_wait_option,
    check_model_options,
    drop_flags,
    load_translator_from_args,
    model_options,
    note,
    pipeline_options,
    warn,
    writer_options,
)
from aligned.distributed import ENGINES, ModelSpec, chunk_translator
from aligned.formats import FORMATS, run_formats
from aligned.runner import DEFAULT_COMMIT_EVERY, REPORT_NAME, STORE_NAME, RunResult, run_corpus
from aligned.store import BoilerplateChange
from corpus.errors import EXIT_DATA, EXIT_OK, DataError
from corpus.pipeline import iter_documents
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
translated or exported. If the model is unavailable the segments are still stored (exit 69);
--no-translate stores them without loading a model.

Documents are stored as they are read, so memory does not grow with the input (a file of a
million lines with --segment lines streams through). A paragraph repeated in enough documents
of the store (3, and a fifth of them) is flagged `boilerplate` in all of them, whatever run
added them; the summary says when a run changed such flags.

Documents keep their ids (the path under the argument it was found under, the JSONL id, or
--doc-id for stdin) and, while their text is the same, every sentence keeps its id, its
translations, references and review decisions: when a document changed, only new or changed
sentences are new segments, and the summary names each changed document with the sentences
kept / added / removed. Human work on removed sentences is kept in history (`songngu history`).
OUT/ itself is never read as input (`songngu run . -o out/` skips out/ with a note).
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
    add_wait_option(p)
    p.add_argument(
        "--no-translate",
        action="store_true",
        help="read, segment, flag and store only: no model is loaded and no export is "
        "written; run again without it to translate",
    )
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
    drop = drop_flags(args)
    check_model_options(args)
    lock = writer_options(args, Path(args.output) / STORE_NAME)
    via = chunk_translator(
        args.engine, ModelSpec(**model_options(args)), address=args.address, actors=args.actors
    )
    options = pipeline_options(args)
    # Never read what the run writes (OUT/ holds the store, the exports and the report).
    reader = DocumentReader(args, exclude=[args.output])
    raws = iter(reader)
    first = next(raws, None)
    if first is None:
        raise DataError(
            f"no document could be read from {' '.join(args.sources)}; nothing to run "
            "(see the errors above)"
        )
    # Documents stream from the reader to the store: none is held longer than it is stored.
    docs = iter_documents(itertools.chain([first], raws), options)

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
        wait=lock["wait"],
        on_wait=lock["on_wait"],
        report=not args.no_report,
        translate=not args.no_translate,
    )
    failures = reader.failures
    if not args.quiet:
        print(summary(result, failures=failures), file=sys.stderr)
    for line in history_notes(result):
        note(line, quiet=args.quiet)
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
    if not r.signature:  # --no-translate
        return "\n".join(
            [
                f"songngu: run finished in {r.seconds:.1f} s: {r.store.parent}/ (stored only: "
                "--no-translate)",
                f"  documents   {r.documents} in the store ({r.added} new, {r.changed} changed, "
                f"{r.unchanged} unchanged)" + (f"; {failures} inputs failed" if failures else ""),
                *changed_lines(r),
                f"  segments    {r.segments}, {r.flagged} flagged ({flags})",
                *boilerplate_lines(r.boilerplate),
                "  translate   run the same command without --no-translate",
            ]
        )
    lines = [
        f"songngu: run finished in {r.seconds:.1f} s: {r.store.parent}/",
        f"  documents   {r.documents} in the store ({r.added} new, {r.changed} changed, "
        f"{r.unchanged} unchanged)" + (f"; {failures} inputs failed" if failures else ""),
        *changed_lines(r),
        f"  segments    {r.segments}, {r.flagged} flagged ({flags})",
        *boilerplate_lines(r.boilerplate),
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


def boilerplate_lines(b: BoilerplateChange | None) -> list[str]:
    """What the store-wide repeat count changed: paragraphs newly flagged ``boilerplate`` and
    in how many documents, and the same for flags taken back (the store grew, so a paragraph's
    share fell under the threshold)."""
    if b is None:
        return []
    lines = []
    if b.flagged_segments:
        n = b.flagged_paragraphs
        repeats = (
            str(b.repeats_min)
            if b.repeats_min == b.repeats_max
            else f"{b.repeats_min} to {b.repeats_max}"
        )
        lines.append(
            f"  boilerplate {n} {'paragraph now repeats' if n == 1 else 'paragraphs now repeat'} "
            f"in {repeats} documents; flagged in {_docs(b.flagged_documents)}"
        )
    if b.unflagged_segments:
        n = b.unflagged_paragraphs
        lines.append(
            f"  boilerplate {n} {'paragraph repeats' if n == 1 else 'paragraphs repeat'} in "
            f"fewer than {b.threshold:g} of {b.documents} documents now; flag removed in "
            f"{_docs(b.unflagged_documents)}"
        )
    return lines


def _docs(n: int) -> str:
    return f"{n} document" if n == 1 else f"{n} documents"


MAX_CHANGED_LINES = 20  # changed documents named one per line; the rest are counted


def changed_lines(r: RunResult) -> list[str]:
    """One summary line per changed document: its sentences kept, added and removed."""
    lines = [
        f"  changed     {c.doc}: {c.kept} kept, {c.added} added, {c.removed} removed"
        for c in r.changes[:MAX_CHANGED_LINES]
    ]
    if len(r.changes) > MAX_CHANGED_LINES:
        lines.append(f"  changed     ... and {len(r.changes) - MAX_CHANGED_LINES} more documents")
    return lines


def history_notes(r: RunResult) -> list[str]:
    """Notes on human work whose sentences are gone (kept in history, never deleted)."""
    where = f"songngu history {r.store}"
    notes = []
    for c in r.changes:
        if c.orphaned_reviews:
            n = c.orphaned_reviews
            notes.append(
                f"{n} reviewed {'sentence is' if n == 1 else 'sentences are'} no longer in doc "
                f"{c.doc}; {'its' if n == 1 else 'their'} decisions are kept in history ({where})"
            )
        if c.orphaned_refs:
            n = c.orphaned_refs
            notes.append(
                f"{n} {'sentence' if n == 1 else 'sentences'} with references "
                f"{'is' if n == 1 else 'are'} no longer in doc {c.doc}; "
                f"{'its' if n == 1 else 'their'} references are kept in history ({where})"
            )
    return notes
