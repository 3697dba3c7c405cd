"""The whole job behind ``songngu run``: documents → store → translations → exports.

Resumable by construction: documents and segments are stored first, as they are read, in chunks
of about ``STORE_CHUNK`` segments (one transaction each; a ``--segment lines`` file of millions
of lines streams through in blocks), then the ``boilerplate`` flag is brought up to date over
the whole store (a paragraph repeated in enough stored documents, whatever run added them),
then the texts still missing a translation under the model's signature are streamed from the
store and translated in batches of ``commit_every`` texts, each batch committed in its own
transaction. A run killed at any moment
(``kill -9`` included) loses at most the batch in flight; the next run asks the store what is
still missing and sends exactly the batches the uninterrupted run would have sent (pending
texts are in (doc, para, sent) order), so both give the same corpus. Exports are regenerated
from the store every time, atomically, so they are always complete.

Test hook: the environment variable ``SONGNGU_TEST_SLOW_BATCH`` (seconds, e.g. ``0.2``) makes
the run sleep after each committed batch, so a test can reliably kill it mid-translation.
It has no other effect and is not meant for users.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from aligned.checks import check_store
from aligned.faults import crash_point
from aligned.output import make_output_dir
from aligned.store import (
    DEFAULT_WAIT,
    AddResult,
    BoilerplateChange,
    DocumentChange,
    OnWait,
    PendingText,
    Store,
    open_store,
    sqlite_errors,
)
from corpus.errors import ConfigError, ModelError, OutputPathError
from corpus.flags import DROP_BY_DEFAULT
from corpus.model import Document
from corpus.pipeline import LineStream
from translate.types import Hypothesis, Translator

STORE_NAME = "corpus.sqlite"
REPORT_NAME = "report.html"
DEFAULT_COMMIT_EVERY = 256  # ~4 s of CPU translation: at most that is redone after a kill
SLOW_BATCH_ENV = "SONGNGU_TEST_SLOW_BATCH"
#: Segments stored per transaction while documents stream in (a streamed document is one).
STORE_CHUNK = 50_000

# A chunk of pending texts and their hypotheses (same order), stored in one transaction.
Chunk = tuple[Sequence[PendingText], Sequence[Hypothesis]]


class ChunkTranslator(Protocol):
    """Where a run translates its pending texts (``songngu run --engine local|ray``): in this
    process (:class:`LocalChunks`) or on a Ray cluster (``aligned.distributed.RayChunks``).

    Not to be confused with ``translate.Engine``, the model pipeline itself: a chunk
    translator only decides where that pipeline runs and how its results come back.
    """

    def translate_chunks(
        self, pending: Iterable[PendingText], translator: Translator, commit_every: int
    ) -> Iterator[Chunk]:
        """Yield ``pending`` (an iterator streamed from the store) as translated chunks of at
        most ``commit_every`` texts, in any order, each text exactly once; ``translator`` is
        the loaded model (its signature is the one the run stores)."""
        ...


class LocalChunks:
    """``ChunkTranslator`` of ``--engine local``: this process, ``commit_every`` texts at a
    time, in order."""

    def translate_chunks(
        self, pending: Iterable[PendingText], translator: Translator, commit_every: int
    ) -> Iterator[Chunk]:
        it = iter(pending)
        while chunk := list(itertools.islice(it, commit_every)):
            yield chunk, translator.translate([p.text for p in chunk])


@dataclass(slots=True)
class RunResult:
    """What a run did; counts are over the whole store (exports cover the whole store)."""

    store: Path
    signature: str
    documents: int
    segments: int
    flagged: int  # segments with at least one flag
    left_out: int  # segments with a --drop flag: stored, flagged, not translated or exported
    translated: int  # segments translated by the model in this run
    cached: int  # segments whose translation was already stored or copied from the memory
    added: int = 0  # documents new to the store / changed / unchanged in this run
    changed: int = 0
    unchanged: int = 0
    changes: tuple[DocumentChange, ...] = ()  # per changed document: kept / added / removed
    flag_counts: dict[str, int] = field(default_factory=dict)
    check_counts: dict[str, int] = field(default_factory=dict)  # segments flagged per check
    exports: list[Path] = field(default_factory=list)
    exported_pairs: int = 0
    stripped_chars: int = 0  # XML-forbidden characters removed from the TMX
    seconds: float = 0.0
    boilerplate: BoilerplateChange | None = None  # flags changed by store-wide repeats


def store_documents(
    store: Store, docs: Iterable[Document | LineStream], *, chunk: int = STORE_CHUNK
) -> AddResult:
    """Store documents as they come, ``chunk`` segments per transaction (a
    :class:`~corpus.pipeline.LineStream` alone in its own); return what happened to each."""
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    changes: list[DocumentChange] = []

    def flush(batch: Sequence[Document | LineStream]) -> None:
        if batch:
            r = store.add_documents(batch)
            added.extend(r.added)
            changed.extend(r.changed)
            unchanged.extend(r.unchanged)
            changes.extend(r.changes)

    batch: list[Document | LineStream] = []
    size = 0
    for doc in docs:
        if isinstance(doc, LineStream):
            flush(batch)
            batch, size = [], 0
            flush([doc])
            continue
        batch.append(doc)
        size += len(doc.segments)
        if size >= chunk:
            flush(batch)
            batch, size = [], 0
    flush(batch)
    return AddResult(tuple(added), tuple(changed), tuple(unchanged), tuple(changes))


def run_corpus(
    docs: Iterable[Document | LineStream],
    out_dir: str | os.PathLike[str],
    load: Callable[[], Translator],
    *,
    drop: frozenset[str] = DROP_BY_DEFAULT,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    progress: bool = False,
    chunk_translator: ChunkTranslator | None = None,
    wait: float = DEFAULT_WAIT,
    on_wait: OnWait | None = None,
    report: bool = True,
    translate: bool = True,
) -> RunResult:
    """Store ``docs`` in ``out_dir/corpus.sqlite``, translate what is missing, write exports
    (and report.html unless ``report`` is False).

    The store's writer lock is held from before the documents are stored until the exports
    are written; another writer is waited for up to ``wait`` seconds (``on_wait(pid)`` is told
    once), then :class:`~corpus.errors.StoreBusyError` (exit 75).

    ``translate=False`` (``--no-translate``) stops after storing: no model is loaded, no
    export written; the result has an empty ``signature``.

    ``docs`` is consumed once, as it comes (a generator keeps memory bounded: documents are
    stored in chunks of :data:`STORE_CHUNK` segments, each its own transaction). Give them
    per document (``corpus.pipeline.iter_documents``): repeats across documents
    (``boilerplate``) are counted over the whole store here, including documents of earlier
    runs. ``load`` returns the translator; it is called after the documents are stored, so a
    missing model (``ModelError``) still leaves the segments in the store for the next run.
    Segments flagged with any of ``drop`` are stored but neither translated nor exported.
    ``chunk_translator`` says where the pending texts are translated (``aligned.distributed``'s
    ``RayChunks``: on Ray); by default, :class:`LocalChunks`: in this process.
    """
    if commit_every < 1:
        raise ConfigError(f"--commit-every must be at least 1, got {commit_every}")
    began = time.monotonic()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputPathError(
            f"cannot create directory {str(out)!r}: it is a file, not a directory; give a "
            f"directory with -o (it holds {STORE_NAME})"
        )
    if not out.exists() and out.suffix in (".sqlite", ".db", ".tmx", ".tsv", ".jsonl"):
        raise ConfigError(
            f"-o {str(out)!r} looks like a file name, but run writes a directory of files; "
            f"give a directory such as {str(out.parent / 'out')!r}"
        )
    make_output_dir(out)
    with (
        sqlite_errors(out / STORE_NAME),
        open_store(out / STORE_NAME, writer=True, wait=wait, on_wait=on_wait) as store,
    ):
        added = store_documents(store, docs)
        boilerplate = store.update_boilerplate()
        if not translate:
            stats = store.segment_stats(drop)
            result = RunResult(
                store=store.path,
                signature="",
                documents=store.document_count(),
                segments=stats.segments,
                flagged=stats.flagged,
                left_out=stats.dropped,
                translated=0,
                cached=0,
                added=len(added.added),
                changed=len(added.changed),
                unchanged=len(added.unchanged),
                changes=added.changes,
                flag_counts=stats.flag_counts,
                boilerplate=boilerplate,
            )
            result.seconds = time.monotonic() - began
            return result
        try:
            translator = load()
        except ModelError as exc:
            stats = store.segment_stats(drop)
            given = len(added.added) + len(added.changed) + len(added.unchanged)
            raise ModelError(
                f"{str(exc).rstrip('.')}. The {stats.segments} segments of {given} "
                f"documents are stored in {store.path}; re-run the same command when the "
                "model is available and it will translate them"
            ) from None
        sig = translator.signature
        signature = str(sig)
        store.use_system(signature, sig.as_dict())
        translated, cached = translate_pending(
            store,
            translator,
            drop=drop,
            commit_every=commit_every,
            progress=progress,
            chunk_translator=chunk_translator,
        )
        check_counts = check_store(store, signature)  # reference-free flags, into scores
        stats = store.segment_stats(drop)
        result = RunResult(
            store=store.path,
            signature=signature,
            documents=store.document_count(),
            segments=stats.segments,
            flagged=stats.flagged,
            left_out=stats.dropped,
            translated=translated,
            cached=cached,
            added=len(added.added),
            changed=len(added.changed),
            unchanged=len(added.unchanged),
            changes=added.changes,
            flag_counts=stats.flag_counts,
            check_counts=check_counts,
            boilerplate=boilerplate,
        )
        result.exports, result.exported_pairs, result.stripped_chars = write_exports(
            store, out, signature, drop=drop, report=report
        )
    result.seconds = time.monotonic() - began
    return result


def translate_pending(
    store: Store,
    translator: Translator,
    *,
    drop: frozenset[str] = DROP_BY_DEFAULT,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    progress: bool = False,
    chunk_translator: ChunkTranslator | None = None,
) -> tuple[int, int]:
    """Translate the segments still missing under the translator's signature.

    Returns (segments translated by the model, segments already stored or filled from the
    translation memory). Each chunk ``chunk_translator`` yields (default: :class:`LocalChunks`,
    ``commit_every`` texts each) is stored in one transaction.
    """
    signature = str(translator.signature)
    eligible = store.segment_stats(drop).kept
    store.fill_from_memory(signature, drop)
    total = store.pending_count(signature, drop)
    cached = eligible - total
    delay = _slow_batch_delay()
    via = chunk_translator if chunk_translator is not None else LocalChunks()
    bar = None
    if progress and total:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="seg", desc="translating", leave=False)
    translated = 0
    try:
        for chunk, hyps in (
            via.translate_chunks(store.pending(signature, drop), translator, commit_every)
            if total
            else ()
        ):
            crash_point("run.batch")
            written = store.add_translations(signature, list(zip(chunk, hyps, strict=True)))
            crash_point("run.committed")
            translated += written
            if bar is not None:
                bar.update(written)
            if delay:
                time.sleep(delay)
    finally:
        if bar is not None:
            bar.close()
    return translated, cached


def _slow_batch_delay() -> float:
    value = os.environ.get(SLOW_BATCH_ENV, "")
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        raise ConfigError(f"{SLOW_BATCH_ENV}={value!r} is not a number of seconds") from None


def write_exports(
    store: Store,
    out_dir: Path,
    signature: str,
    *,
    drop: frozenset[str] = DROP_BY_DEFAULT,
    report: bool = True,
) -> tuple[list[Path], int, int]:
    """(Re)write every format of ``aligned.formats.run_formats`` (corpus.tmx, .tsv, .vi/.en,
    .jsonl) and report.html of ``signature``.

    Each file is replaced atomically. Returns (paths, pairs per file, characters removed
    from the TMX because XML forbids them).
    """
    from aligned.formats import run_formats, write_path

    targets = [(fmt, out_dir / str(fmt.run_file)) for fmt in run_formats()]
    # Temp files of an earlier run killed while writing exports (open_output's naming).
    for name in [p.name for fmt, target in targets for p in fmt.files(target)] + [REPORT_NAME]:
        for stale in out_dir.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)
    paths: list[Path] = []
    pairs = 0
    stripped = 0
    for fmt, target in targets:
        stats = write_path(fmt, store.pairs(signature, drop=drop), target, force=True)
        paths += fmt.files(target)
        pairs = stats.pairs
        stripped += stats.stripped_chars
    from aligned.output import open_output
    from aligned.report import render_report

    if report:  # above 5,000 segments a bounded summary (aligned/report_bounded.py)
        target = out_dir / REPORT_NAME
        with open_output(target, force=True) as fh:
            fh.write(render_report(store, systems=[signature]))
        paths.append(target)
    return paths, pairs, stripped
