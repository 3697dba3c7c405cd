"""Importing aligned pairs (TMX, TSV, JSONL) into a store: positions, systems, atomic replace.

Why a library module: ``songngu import`` is one caller; tests, benchmarks and other tools
import files the same way, and the rules below must be the same for all of them.

Rules (:func:`import_pairs`):

* a pair without both texts (a unit without one of the chosen languages, or with empty text)
  is skipped and counted, never imported half-empty; a file of which no pair has both is a
  DataError naming the languages it holds and the flags that choose them;
* pairs are grouped by document, the pair's ``doc`` or else ``doc`` (``import --doc``) or else
  the file stem; a document already in the store is an error (import into a new store, or
  replace it with ``force``, or give another ``--doc`` to ``--append``);
* languages are data: a document records its source language tag (``documents.lang``, the
  first pair's), each translation its target tag and the pair's extra data (``lang``,
  ``extra``), so an export writes the tags the file had;
* a pair without a position (para or sent 0) gets para 1 and the next sentence number its
  document does not use; the same position twice must have the same source text (one segment);
* targets become translations under the pair's signature, or ``import:<file name>``; one
  segment cannot have two translations under one system; pairs marked reviewed get an
  'accept' review by ``import:<file name>``;
* a pair whose id is a store uid of its document (``doc#hex``, what songngu's exports write)
  gives its segment that uid, if no other segment has it, so a corpus exported and imported
  again keeps its ids; positions still come from the pair's doc/para/sent;
* the system of the file's first pair becomes "latest" (what export picks by default);
* everything happens in one store transaction: a malformed file leaves the store as it was.

:func:`import_file` adds the file handling: the format from the suffix, and for a new or
replaced store a build beside the target that is renamed over it only when complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aligned.formats import Format, format_for_path, format_names, get_format, read_path
from aligned.formats.langs import ReadStats
from aligned.output import make_output_dir
from aligned.pairs import AlignedPair
from aligned.store import (
    DEFAULT_WAIT,
    ImportedSegment,
    ImportedTranslation,
    OnWait,
    Store,
    open_store,
    sqlite_errors,
    writer_lock,
)
from corpus.errors import ConfigError, DataError, OutputExistsError


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the store written, the input's name, documents and pairs added,
    and what the reader saw besides (pairs skipped for want of a side, other languages)."""

    store: Path
    source: str
    documents: int
    pairs: int
    skipped: int = 0  # units without both texts (a language missing, or empty text)
    stats: ReadStats | None = None
    source_lang: str = "vi"
    target_lang: str = "en"

    def summary(self) -> str:
        """The lines ``songngu import`` prints."""
        lines = [
            f"songngu: imported {self.pairs} pairs in {self.documents} documents from "
            f"{self.source} into {self.store}"
        ]
        langs = f"{self.source_lang} and {self.target_lang}"
        if self.skipped:
            lines.append(
                f"songngu: skipped {self.skipped} units without both {langs} texts (a language "
                "missing or an empty text)"
            )
        if self.stats is not None and self.stats.other_texts:
            lines.append(
                f"songngu: kept {self.stats.other_texts} texts in other languages as extra data "
                "(lang:TAG; the languages: "
                f"{self.stats.language_list()})"
            )
        if self.stats is not None and self.stats.reversed:
            lines.append(
                f"songngu: {self.stats.reversed} units were translated from the target language "
                'originally; kept as extra "direction"'
            )
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PlannedPair:
    """A pair placed in its document: the position it gets and the system it is stored under."""

    para: int
    sent: int
    pair: AlignedPair
    signature: str

    def texts(self) -> tuple[str, str, float | None]:
        """(source, target, score) of the pair."""
        return self.pair.source, self.pair.target, self.pair.score


def import_format(path: str, name: str | None = None, **options: Any) -> Format:
    """The format to read ``path`` with: ``name`` if given, else from its suffix; ``options``
    (``source_lang``, ``target_lang``, TSV ``read_columns``) go to it."""
    if name:
        fmt = get_format(name, **options)
        if not fmt.can_read:
            raise ConfigError(f"import cannot read {fmt.name}; choose another --format")
        return fmt
    readable = ", ".join(format_names(readable=True))
    if path == "-":
        raise ConfigError(f"reading stdin needs --format ({readable})")
    fmt = format_for_path(path, **options)
    if not fmt.can_read:
        raise ConfigError(
            f"import reads {readable}, not {fmt.name} ({path!r}); "
            "pass --format if the suffix is misleading"
        )
    return fmt


def default_doc(name: str) -> str:
    """The document id of pairs a file gives none: its stem (``.gz`` left out too)."""
    path = Path(name)
    if path.suffix.lower() == ".gz":
        path = path.with_suffix("")
    return path.stem or "import"


def group_by_document(
    pairs: Iterable[AlignedPair], name: str, doc: str | None = None
) -> dict[str, list[AlignedPair]]:
    """Pairs by document id (the pair's, else ``doc``, else the stem of file ``name``), in
    file order."""
    stem = doc or default_doc(name)
    docs: dict[str, list[AlignedPair]] = {}
    for pair in pairs:
        docs.setdefault(pair.doc or stem, []).append(pair)
    return docs


def has_both(pair: AlignedPair) -> bool:
    """Whether a pair has both texts (else import skips it)."""
    return bool(pair.source.strip()) and bool(pair.target.strip())


def check_languages(stats: ReadStats, fmt: Format, name: str, imported: int, skipped: int) -> None:
    """DataError when a file held units but none in the chosen pair of languages (a file whose
    units are all empty just imports nothing, and the summary says so)."""
    if imported or not skipped or not stats.missing:
        return
    raise DataError(
        f"{name}: no unit has both a {fmt.source_lang!r} and a {fmt.target_lang!r} text; "
        f"the file holds {stats.language_list()}; choose its languages with --source-lang "
        "TAG --target-lang TAG (a bare tag such as 'en' matches every region)"
    )


def plan_document(doc_id: str, pairs: Sequence[AlignedPair], name: str) -> list[PlannedPair]:
    """Positions and systems for one document's pairs (rules: module docstring).

    DataError for one position with two source texts, or two translations of one segment
    under one system.
    """
    default_sig = f"import:{Path(name).name}"
    taken = {(p.para, p.sent) for p in pairs if p.para and p.sent}
    next_sent = 0
    sources: dict[tuple[int, int], str] = {}
    translated: set[tuple[int, int, str]] = set()
    planned = []
    for pair in pairs:
        if pair.para and pair.sent:
            pos = (pair.para, pair.sent)
        else:
            next_sent += 1
            while (1, next_sent) in taken:
                next_sent += 1
            pos = (1, next_sent)
        if sources.setdefault(pos, pair.source) != pair.source:
            raise DataError(
                f"{name}: segment {doc_id}:{pos[0]}:{pos[1]} occurs twice with "
                "different source texts; fix the ids in the file"
            )
        sig = pair.signature or default_sig
        if (*pos, sig) in translated:
            raise DataError(
                f"{name}: segment {doc_id}:{pos[0]}:{pos[1]} has two translations "
                f"under system {sig!r}; keep one"
            )
        translated.add((*pos, sig))
        planned.append(PlannedPair(pos[0], pos[1], pair, sig))
    return planned


def import_pairs(
    store: Store,
    pairs: Iterable[AlignedPair],
    *,
    name: str,
    doc: str | None = None,
    skipped: list[int] | None = None,
) -> tuple[int, int]:
    """Add pairs read from file ``name`` to an open store, in one transaction.

    Returns (documents, pairs) added; pairs without both texts are left out and counted in
    ``skipped[0]`` when given. Rules: module docstring.
    """
    dropped = 0

    def complete(items: Iterable[AlignedPair]) -> Iterable[AlignedPair]:
        nonlocal dropped
        for pair in items:
            if has_both(pair):
                yield pair
            else:
                dropped += 1

    docs = group_by_document(complete(pairs), name, doc)
    if skipped is not None:
        skipped[:] = [dropped]
    used_sigs: list[str] = []
    total = 0
    with store.transaction():
        for doc_id, doc_pairs in docs.items():
            if store.has_document(doc_id):
                raise DataError(
                    f"{name}: document {doc_id!r} is already in {store.path}; import into a "
                    "new store, or pass --force to replace the store"
                )
            planned = plan_document(doc_id, doc_pairs, name)
            for p in planned:
                if p.signature not in used_sigs:
                    used_sigs.append(p.signature)
                    store.use_system(p.signature)
            segments: dict[tuple[int, int], ImportedSegment] = {}
            for p in planned:
                pair = p.pair
                segments.setdefault(
                    (p.para, p.sent),
                    ImportedSegment(
                        p.para, p.sent, pair.start, pair.end, pair.source, pair.flags, pair.uid
                    ),
                )
            new_ids = store.add_imported_document(doc_id, name, list(segments.values()))
            ids = dict(zip(segments, new_ids, strict=True))
            doc_lang = doc_pairs[0].source_lang
            store.set_document_lang(doc_id, doc_lang)
            store.add_imported_translations(
                [
                    ImportedTranslation(
                        ids[p.para, p.sent],
                        p.signature,
                        *p.texts(),
                        lang=p.pair.target_lang,
                        extra=p.pair.extra,
                        source_lang=None if p.pair.source_lang == doc_lang else p.pair.source_lang,
                    )
                    for p in planned
                ]
            )
            store.accept_segments(
                [(ids[p.para, p.sent], p.signature) for p in planned if p.pair.reviewed],
                who=f"import:{Path(name).name}",
            )
            total += len(planned)
        if used_sigs:
            store.use_system(used_sigs[0])
    return len(docs), total


def import_file(
    path: str,
    store_path: str | os.PathLike[str],
    *,
    fmt: Format | None = None,
    force: bool = False,
    append: bool = False,
    wait: float = DEFAULT_WAIT,
    on_wait: OnWait | None = None,
    doc: str | None = None,
) -> ImportResult:
    """Import file ``path`` ('-' = stdin; ``fmt`` None = from its suffix) into a store.

    ``append``: add to the store at ``store_path`` (created if missing). Otherwise the store
    must not exist unless ``force``; the new store is built beside it (``.NAME.import-tmp``)
    and renamed over it when complete, so a malformed file leaves the old store intact.
    The target's writer lock is held throughout (``wait``/``on_wait``: see
    :func:`aligned.store.open_store`).
    ``doc``: the document id of pairs the file gives none (default: the file's stem).
    """
    if append and force:
        raise ConfigError("--force and --append exclude each other; pass one")
    fmt = fmt or import_format(path)
    target = Path(store_path)
    name = "stdin" if path == "-" else path
    skipped = [0]

    def add(store: Store) -> tuple[int, int]:
        with store.transaction():
            docs, pairs = import_pairs(
                store, read_path(fmt, path), name=name, doc=doc, skipped=skipped
            )
            check_languages(fmt.read_stats, fmt, name, pairs, skipped[0])
        return docs, pairs

    def result(docs: int, pairs: int) -> ImportResult:
        return ImportResult(
            target, name, docs, pairs, skipped[0], fmt.read_stats, fmt.source_lang, fmt.target_lang
        )

    if not append and target.exists() and not force:
        raise OutputExistsError(
            f"store {str(target)!r} already exists; pass --force to replace it, --append "
            "to add to it, or choose another path with -o"
        )
    make_output_dir(target.parent)
    with sqlite_errors(target), writer_lock(target, wait=wait, on_wait=on_wait):
        if append:
            with open_store(target) as store:
                docs, pairs = add(store)
            return result(docs, pairs)
        tmp = target.with_name(f".{target.name}.import-tmp")
        remove_store(tmp)
        try:
            with open_store(tmp) as store:
                docs, pairs = add(store)
            remove_store(target)
            os.replace(tmp, target)
        finally:
            remove_store(tmp)
    return result(docs, pairs)


def remove_store(path: str | os.PathLike[str]) -> None:
    """Delete a store file and its WAL and shared-memory files, those that exist."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{os.fspath(path)}{suffix}")
