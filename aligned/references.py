"""Reference translations in the store: attach them (line-aligned or whole documents), read them.

How references sit in the ``refs`` table (one row per source segment and reference name,
``UNIQUE(segment, name)``; the schema belongs to :mod:`aligned.store`):

* ``1-1``: the reference sentence of that segment.
* ``1-2``: one segment, two reference sentences: ``text`` is both, joined by a space.
* ``2-1``: two segments, one reference sentence: the first segment's row holds the sentence
  with alignment ``2-1``; the second segment's row has alignment ``2-1:cont`` and empty text.
* ``1-3`` and ``3-1`` likewise (``3-1:cont`` on the second and third segment): a reference
  line often holds two or three sentences.
* ``1-0``: a segment without any reference sentence: a row with alignment ``1-0`` and empty
  text, so "aligned, nothing there" differs from "never aligned".
* ``0-1``: a reference sentence with no source segment cannot be stored (a row needs a segment);
  it is counted and reported by :func:`attach_documents`, and left out.

``align_score`` is the bead's score (chrF/100 of the MT bridge, or the Gale–Church probability
without MT); NULL for line-aligned references. A re-run with the same name replaces that name's
rows for the segments it covers, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from aligned.align import align, split_sentences
from aligned.store import ReferenceRow, SegmentText, Store
from aligned.textio import split_lines
from corpus.errors import ConfigError, DataError

DEFAULT_NAME = "ref"
CONTINUATION = ":cont"  # suffix: "2-1:cont" (and "3-1:cont") rows continue the group above


@dataclass(frozen=True, slots=True)
class ReferenceGroup:
    """One aligned unit: the source segment ids it covers (2 for ``2-1``), its text, type, score."""

    segments: tuple[int, ...]
    text: str
    alignment: str
    score: float | None


@dataclass(frozen=True, slots=True)
class AttachResult:
    """What an attach did: segments given a reference, bead counts by type, left-out sentences."""

    name: str
    segments: int
    beads: dict[str, int]
    unaligned: tuple[str, ...] = ()
    method: str = "lines"
    # line mode: the first (source, reference) pairs, so a misalignment is visible at once
    first: tuple[tuple[str, str], ...] = ()


# -- reading (the API scores use) ---------------------------------------------------------------


def reference_names(store: Store) -> list[str]:
    """Names of the references in the store, sorted."""
    return store.reference_names()


def _resolve_name(store: Store, name: str | None) -> str:
    names = reference_names(store)
    if name is None:
        if not names:
            raise DataError(
                f"{store.path}: the store has no references; attach one with "
                "`songngu refs add STORE REF`"
            )
        if len(names) > 1:
            raise ConfigError(
                f"{store.path} has several references ({', '.join(names)}); choose one by name"
            )
        return names[0]
    if name not in names:
        listed = ", ".join(names) or "none"
        raise ConfigError(f"reference {name!r} is not in {store.path} (references: {listed})")
    return name


def reference_groups(store: Store, name: str | None = None) -> list[ReferenceGroup]:
    """Every aligned unit of reference ``name`` in (doc, para, sent) order, ``1-0`` ones included.

    A ``2-1`` group lists both segment ids; score it against the two segments' outputs joined.
    ``name=None`` means the only reference in the store (an error if there are several).
    """
    ref = _resolve_name(store, name)
    groups: list[ReferenceGroup] = []
    for row in store.reference_rows(ref):
        if row.alignment.endswith(CONTINUATION) and groups:
            last = groups[-1]
            groups[-1] = ReferenceGroup(
                (*last.segments, row.segment), last.text, last.alignment, last.score
            )
            continue
        groups.append(ReferenceGroup((row.segment,), row.text, row.alignment, row.score))
    return groups


def references(store: Store, name: str | None = None) -> dict[int, str]:
    """Segment id → reference text, for every segment whose pair has reference text.

    ``1-1`` and ``1-2`` rows give the text of that segment's pair. A ``2-1`` pair is keyed by
    its first segment only, with the whole reference sentence (which also covers the next
    segment, absent from the dict); ``1-0`` segments are absent. For exact ``2-1`` scoring use
    :func:`reference_groups`. ``name=None``: the only reference in the store.
    """
    return {g.segments[0]: g.text for g in reference_groups(store, name) if g.alignment != "1-0"}


# -- reading reference files ---------------------------------------------------------------------


def read_reference_file(path: str | Path) -> str:
    """The UTF-8 text of a reference file; DataError if it is binary, undecodable or empty."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"reference file {str(p)!r} does not exist; check the path")
    data = p.read_bytes()
    if b"\x00" in data[:8192]:
        raise DataError(f"{p}: a binary file, not a reference text; give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{p}: not UTF-8 (byte {exc.start}); convert it, e.g. `iconv -f ENC -t UTF-8`"
        ) from None
    if not text.strip():
        raise DataError(f"{p}: the reference file is empty; give a file with the English text")
    return text


# -- writing -------------------------------------------------------------------------------------


def _segment_rows(store: Store, doc: str | None) -> list[SegmentText]:
    """The segments in (doc, para, sent) order, all or of one document (which must exist)."""
    rows = store.segment_texts(doc)
    if doc is not None and not rows:
        known = store.document_ids(limit=10)
        raise ConfigError(
            f"--doc {doc!r} is not a document of {store.path} (documents: "
            f"{', '.join(known) or 'none'})"
        )
    return rows


def _check_name(name: str) -> None:
    if not name.strip():
        raise ConfigError("--name must not be empty; e.g. --name ref")


def attach_lines(
    store: Store, lines: Sequence[str], *, name: str = DEFAULT_NAME, doc: str | None = None
) -> AttachResult:
    """Attach line ``k`` of ``lines`` to the ``k``-th segment in input order.

    Input order: documents in the order they were first given to ``run`` (arguments in order,
    a directory in sorted path order), then paragraph and sentence; what ``songngu export
    --format moses --drop none`` writes. ``doc`` limits it to one document. Empty lines give no
    reference. Mismatched counts are a DataError naming both. The result's ``first`` holds
    the first three (source, reference) pairs, for the user to see that they match.
    """
    _check_name(name)
    segs = _segment_rows(store, doc)
    if len(lines) != len(segs):
        where = f"document {doc!r}" if doc is not None else "the store"
        raise DataError(
            f"the reference has {len(lines)} lines but {where} has {len(segs)} segments; a "
            "line-aligned reference needs one line per segment, in the order the documents "
            "and their lines were given to `songngu run` (or use --mode documents for "
            "unaligned text)"
        )
    rows = [
        ReferenceRow(seg.id, " ".join(line.split()), "1-1", None)
        for seg, line in zip(segs, lines, strict=True)
        if line.strip()
    ]
    store.replace_references(name, [s.id for s in segs], rows)
    first = tuple(
        (seg.text, " ".join(line.split()))
        for seg, line in zip(segs[:3], lines[:3], strict=True)  # equal counts: checked above
    )
    return AttachResult(name, len(rows), {"1-1": len(rows)}, first=first)


def _mt_for(store: Store, signature: str, doc: str, ids: Sequence[int]) -> list[str | None]:
    """System ``signature``'s translation of each segment of ``doc`` (None where it has none)."""
    found = store.translation_texts(signature, doc)
    return [found.get(s) for s in ids]


def reference_lines(text: str) -> list[str]:
    """Lines of a line-aligned reference: split at ``\n`` only (``str.splitlines`` would also
    split at U+2028, form feeds and the like and shift every later line), ``\r`` removed."""
    return split_lines(text)


def bridge_system(store: Store, system: str) -> str | None:
    """The system whose translations bridge document alignment (``refs add --system``):
    ``none`` -> None (length-based Gale-Church); ``latest`` -> the latest system, or None while
    the store has none; any other value -> that signature (ConfigError if unknown)."""
    if system == "none" or (system == "latest" and not store.systems()):
        return None
    return store.resolve_system(system)


def reference_sentences(text: str) -> list[str]:
    """English sentences of a reference document: every non-blank line is a paragraph (as in
    ``songngu segment``'s default), split with :func:`aligned.align.split_sentences`; a title
    without an end mark stays one sentence."""
    return [s for line in reference_lines(text) for s in split_sentences(line)]


def attach_document(
    store: Store,
    doc: str,
    text: str,
    *,
    name: str = DEFAULT_NAME,
    signature: str | None = None,
) -> AttachResult:
    """Split the English ``text`` into sentences and align them to document ``doc``'s segments.

    With ``signature`` (a system in the store), its translations are the bridge (chrF DP);
    without, the length-based Gale–Church model. Rows as in the module docstring.
    """
    _check_name(name)
    segs = _segment_rows(store, doc)
    sentences = reference_sentences(text)
    if not sentences:
        raise DataError(f"reference for document {doc!r} has no text; give the English document")
    ids = [s.id for s in segs]
    mt = _mt_for(store, signature, doc, ids) if signature is not None else None
    beads = align([s.text for s in segs], sentences, mt)
    rows: list[ReferenceRow] = []
    counts: dict[str, int] = {}
    unaligned: list[str] = []
    for bead in beads:
        counts[bead.kind] = counts.get(bead.kind, 0) + 1
        ref_text = " ".join(sentences[j] for j in bead.ref)
        if not bead.src:
            unaligned.append(ref_text)
            continue
        first, *rest = (ids[i] for i in bead.src)
        rows.append(ReferenceRow(first, ref_text, bead.kind, round(bead.score, 6)))
        rows.extend(ReferenceRow(seg, "", bead.kind + CONTINUATION, None) for seg in rest)
    store.replace_references(name, ids, rows)
    given = sum(1 for r in rows if r.text)
    method = "mt-chrf" if signature is not None else "gale-church"
    return AttachResult(name, given, dict(sorted(counts.items())), tuple(unaligned), method)


def attach_documents(
    store: Store,
    files: Sequence[str | Path],
    *,
    name: str = DEFAULT_NAME,
    signature: str | None = None,
    doc: str | None = None,
) -> list[AttachResult]:
    """Attach whole reference documents, or ``doc`` for one file.

    A file's document is the one whose id is the file's stem, or whose id without its suffix
    is (``b.en`` → ``b.txt`` or ``news/b.html``); an ambiguous stem is an error.
    """
    if doc is not None and len(files) != 1:
        raise ConfigError(f"--doc {doc!r} takes exactly one reference file, got {len(files)}")
    known = store.document_ids()
    plan: list[tuple[str, str]] = []
    for f in files:
        doc_id = doc if doc is not None else _document_for_file(f, known, store)
        if doc_id not in known:
            raise ConfigError(
                f"{f}: no document {doc_id!r} in {store.path}; name the file after the document "
                "id or pass --doc ID"
            )
        plan.append((doc_id, read_reference_file(f)))
    return [attach_document(store, d, t, name=name, signature=signature) for d, t in plan]


def _document_for_file(path: str | Path, known: Sequence[str], store: Store) -> str:
    """The document a reference file is named after (see :func:`attach_documents`)."""
    stem = Path(path).stem
    if stem in known:
        return stem
    matches = [d for d in known if PurePosixPath(d).name.rsplit(".", 1)[0] == stem]
    if len(matches) > 1:
        raise ConfigError(
            f"{path}: its name matches several documents in {store.path} "
            f"({', '.join(matches[:5])}); pass --doc ID"
        )
    return matches[0] if matches else stem


__all__ = [
    "AttachResult",
    "ReferenceGroup",
    "attach_document",
    "attach_documents",
    "attach_lines",
    "read_reference_file",
    "reference_groups",
    "reference_names",
    "references",
]
