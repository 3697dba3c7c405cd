"""Importing aligned pairs (TMX, TSV, JSONL) into a store: positions, systems, atomic replace.

Why a library module: ``songngu import`` is one caller; tests, benchmarks and other tools
import files the same way, and the rules below must be the same for all of them.

Rules (:func:`import_pairs`):

* pairs are grouped by document, the pair's ``doc`` or else the file stem; a document already
  in the store is an error (import into a new store, or replace it with ``force``);
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

from aligned.formats import Format, format_for_path, format_names, get_format, read_path
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
    """What an import did: the store written, the input's name, documents and pairs added."""

    store: Path
    source: str
    documents: int
    pairs: int


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


def import_format(path: str, name: str | None = None) -> Format:
    """The format to read ``path`` with: ``name`` if given, else from its suffix."""
    if name:
        return get_format(name)
    readable = ", ".join(format_names(readable=True))
    if path == "-":
        raise ConfigError(f"reading stdin needs --format ({readable})")
    fmt = format_for_path(path)
    if not fmt.can_read:
        raise ConfigError(
            f"import reads {readable}, not {fmt.name} ({path!r}); "
            "pass --format if the suffix is misleading"
        )
    return fmt


def group_by_document(pairs: Iterable[AlignedPair], name: str) -> dict[str, list[AlignedPair]]:
    """Pairs by document id (the pair's, else the stem of file ``name``), in file order."""
    stem = Path(name).stem or "import"
    docs: dict[str, list[AlignedPair]] = {}
    for pair in pairs:
        docs.setdefault(pair.doc or stem, []).append(pair)
    return docs


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


def import_pairs(store: Store, pairs: Iterable[AlignedPair], *, name: str) -> tuple[int, int]:
    """Add pairs read from file ``name`` to an open store, in one transaction.

    Returns (documents, pairs) added. Rules: module docstring.
    """
    docs = group_by_document(pairs, name)
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
            store.add_imported_translations(
                [ImportedTranslation(ids[p.para, p.sent], p.signature, *p.texts()) for p in planned]
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
) -> ImportResult:
    """Import file ``path`` ('-' = stdin; ``fmt`` None = from its suffix) into a store.

    ``append``: add to the store at ``store_path`` (created if missing). Otherwise the store
    must not exist unless ``force``; the new store is built beside it (``.NAME.import-tmp``)
    and renamed over it when complete, so a malformed file leaves the old store intact.
    The target's writer lock is held throughout (``wait``/``on_wait``: see
    :func:`aligned.store.open_store`).
    """
    if append and force:
        raise ConfigError("--force and --append exclude each other; pass one")
    fmt = fmt or import_format(path)
    target = Path(store_path)
    name = "stdin" if path == "-" else path
    if not append and target.exists() and not force:
        raise OutputExistsError(
            f"store {str(target)!r} already exists; pass --force to replace it, --append "
            "to add to it, or choose another path with -o"
        )
    make_output_dir(target.parent)
    with sqlite_errors(target), writer_lock(target, wait=wait, on_wait=on_wait):
        if append:
            with open_store(target) as store:
                docs, pairs = import_pairs(store, read_path(fmt, path), name=name)
            return ImportResult(target, name, docs, pairs)
        tmp = target.with_name(f".{target.name}.import-tmp")
        remove_store(tmp)
        try:
            with open_store(tmp) as store:
                docs, pairs = import_pairs(store, read_path(fmt, path), name=name)
            remove_store(target)
            os.replace(tmp, target)
        finally:
            remove_store(tmp)
    return ImportResult(target, name, docs, pairs)


def remove_store(path: str | os.PathLike[str]) -> None:
    """Delete a store file and its WAL and shared-memory files, those that exist."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{os.fspath(path)}{suffix}")
