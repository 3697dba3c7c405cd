"""Tables ``boilerplate_paras`` and ``boilerplate_counts``: paragraph repeats over the whole store.

Why: the ``boilerplate`` flag marks a paragraph repeated across documents (a site's footer). A
batch sees only its own documents, so five articles added in five runs never showed their shared
footer as a repeat; counted over every stored document, the footer is flagged as soon as it
repeats enough, in every document that has it, earlier ones included.

``boilerplate_paras`` holds one row per paragraph of every document: (doc, para, key), key the
first 8 bytes of the BLAKE2b hash of ``corpus.flags.paragraph_key`` (NFC, whitespace, case and
digits folded) as a signed 64-bit integer; ``boilerplate_counts`` holds, per key, the number of
documents having it. Both are kept up to date as documents are added or changed, in the same
transaction. They are part of the schema since v3 (v2 code made them on first use; the 2 → 3
migration fills them from ``segments`` where a store lacks them). The rule (how many documents
make a repeat) is ``corpus.flags.boilerplate_threshold``; :meth:`Boilerplate.update_boilerplate`
applies it to the stored flags of every segment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from aligned.store.core import StoreCore, flags_str, flags_tuple
from corpus.flags import boilerplate_threshold, paragraph_key, paragraph_keys, with_flag

FLAG = "boilerplate"


def paragraph_hash(texts: Iterable[str]) -> int | None:
    """The stored key of a paragraph (its segment texts), None for an empty paragraph."""
    return key_hash(paragraph_key(list(texts)))


def key_hash(key: str) -> int | None:
    """A ``paragraph_key`` as the stored 64-bit key (None for an empty one)."""
    if not key:
        return None
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def paragraph_rows(doc: str, segments: Iterable[tuple[int, str]]) -> Iterator[tuple[str, int, int]]:
    """``(doc, para, key)`` rows of a document's segments given as (para, text) in order.

    The keys are made for all paragraphs at once (``corpus.flags.paragraph_keys``: one
    casefold and one digit-folding pass over the joined block): per paragraph they cost more
    than storing the row.
    """
    numbers: list[int] = []
    groups: list[list[str]] = []
    for number, text in segments:
        if numbers and numbers[-1] == number:
            groups[-1].append(text)
        else:
            numbers.append(number)
            groups.append([text])
    for number, key in zip(numbers, paragraph_keys(groups), strict=True):
        if (hashed := key_hash(key)) is not None:
            yield doc, number, hashed


@dataclass(frozen=True, slots=True)
class BoilerplateChange:
    """What :meth:`Boilerplate.update_boilerplate` changed in the stored flags.

    ``flagged_paragraphs``: distinct paragraphs (keys) whose segments got the flag, each
    occurring in between ``repeats_min`` and ``repeats_max`` documents; ``flagged_documents``:
    documents with at least one segment newly flagged; ``flagged_segments``: segments newly
    flagged. The ``unflagged_*`` counts are the same for segments that lost the flag (their
    paragraph no longer reaches the threshold, e.g. its share fell as the store grew).
    """

    documents: int  # documents in the store
    threshold: float  # documents a paragraph needed
    flagged_paragraphs: int = 0
    repeats_min: int = 0
    repeats_max: int = 0
    flagged_documents: int = 0
    flagged_segments: int = 0
    unflagged_paragraphs: int = 0
    unflagged_documents: int = 0
    unflagged_segments: int = 0


class Boilerplate(StoreCore):
    """Paragraph counts over the whole store and the ``boilerplate`` flag they give."""

    def _index_paragraphs(self, doc: str, segments: Iterable[tuple[int, str]]) -> None:
        """Add the paragraphs of ``doc`` (its segments as (para, text), in order) to the
        counts; the caller has removed any earlier ones (:meth:`_unindex_paragraphs`)."""
        self._add_paragraph_rows(doc, segments)
        self._count_paragraphs(doc)

    def _add_paragraph_rows(self, doc: str, segments: Iterable[tuple[int, str]]) -> None:
        """Index paragraphs of ``doc`` (whole paragraphs: a block of a stream ends at a line);
        :meth:`_count_paragraphs` counts the document once all are in."""
        self.db.executemany(
            "INSERT INTO boilerplate_paras (doc, para, key) VALUES (?, ?, ?)",
            paragraph_rows(doc, segments),
        )

    def _count_paragraphs(self, doc: str) -> None:
        """Count ``doc`` once for each distinct paragraph key it has."""
        self.db.execute(
            # GROUP BY hands the keys over in order, so the counts' B-trees grow at one end
            # (DISTINCT gave them in hash order: 1M keys 6.4 s, now 1.0 s).
            "INSERT INTO boilerplate_counts (key, docs) "
            "SELECT key, 1 FROM boilerplate_paras WHERE doc = ? GROUP BY key "
            "ON CONFLICT (key) DO UPDATE SET docs = docs + 1",
            (doc,),
        )

    def _unindex_paragraphs(self, doc: str) -> None:
        """Remove the paragraphs of ``doc`` from the counts (before it is re-indexed)."""
        self.db.execute(
            "UPDATE boilerplate_counts SET docs = docs - 1 WHERE key IN "
            "(SELECT key FROM boilerplate_paras WHERE doc = ?)",
            (doc,),
        )
        self.db.execute("DELETE FROM boilerplate_counts WHERE docs <= 0")
        self.db.execute("DELETE FROM boilerplate_paras WHERE doc = ?", (doc,))

    def paragraph_repeats(self, doc: str, para: int) -> int:
        """In how many stored documents paragraph ``doc:para`` occurs (0: not indexed)."""
        row = self.db.execute(
            "SELECT c.docs FROM boilerplate_paras p JOIN boilerplate_counts c ON c.key = p.key "
            "WHERE p.doc = ? AND p.para = ?",
            (doc, para),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def update_boilerplate(self, *, min_docs: int = 3, min_share: float = 0.2) -> BoilerplateChange:
        """Make the ``boilerplate`` flag of every stored segment follow the store-wide rule.

        A segment has the flag exactly when its paragraph occurs in at least
        ``corpus.flags.boilerplate_threshold(documents in the store)`` documents: what one
        batch of all the stored documents would give. Runs in one transaction; returns what
        changed.
        """
        with self.transaction():
            documents = int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])
            needed = boilerplate_threshold(documents, min_docs=min_docs, min_share=min_share)
            # Integer comparison: a count reaches a fractional threshold at its ceiling.
            at_least = int(-(-needed // 1))
            # CROSS JOIN keeps this order (from the few repeated keys to their segments):
            # left to itself SQLite's planner reads every segment of the store (1M: 0.8 s).
            # Taking the flag back reads the flagged ones through the partial index
            # segments_boilerplate, whose condition the query repeats.
            gain = self.db.execute(
                "SELECT s.id, s.doc, s.flags, p.key, c.docs FROM boilerplate_counts c "
                "CROSS JOIN boilerplate_paras p ON p.key = c.key "
                "CROSS JOIN segments s ON s.doc = p.doc AND s.para = p.para "
                "WHERE c.docs >= ? AND instr(',' || s.flags || ',', ',boilerplate,') = 0",
                (at_least,),
            ).fetchall()
            lose = self.db.execute(
                "SELECT s.id, s.doc, s.flags, p.key FROM segments s "
                "LEFT JOIN boilerplate_paras p ON p.doc = s.doc AND p.para = s.para "
                "LEFT JOIN boilerplate_counts c ON c.key = p.key "
                "WHERE instr(',' || s.flags || ',', ',boilerplate,') > 0 "
                "AND coalesce(c.docs, 0) < ?",
                (at_least,),
            ).fetchall()
            self.db.executemany(
                "UPDATE segments SET flags = ? WHERE id = ?",
                [(flags_str(with_flag(flags_tuple(f), FLAG)), i) for i, _, f, _, _ in gain]
                + [
                    (flags_str(with_flag(flags_tuple(f), FLAG, present=False)), i)
                    for i, _, f, _ in lose
                ],
            )
        repeats = [int(r[4]) for r in gain]
        return BoilerplateChange(
            documents=documents,
            threshold=needed,
            flagged_paragraphs=len({r[3] for r in gain}),
            repeats_min=min(repeats, default=0),
            repeats_max=max(repeats, default=0),
            flagged_documents=len({r[1] for r in gain}),
            flagged_segments=len(gain),
            unflagged_paragraphs=len({r[3] for r in lose}),
            unflagged_documents=len({r[1] for r in lose}),
            unflagged_segments=len(lose),
        )
