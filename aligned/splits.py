"""Train/dev/test splits by document: no document in two splits, reproducible with a seed.

Why by document: sentences of one article share names, topics and phrasing, so a test set that
holds sentences of training documents overstates quality. Why these rules:

- **Proportions are by pairs** (what a dev or test set is sized in), counted after the export's
  filters; documents are the unit that moves. Documents are taken in a seeded order (BLAKE2b of
  the seed and the document id, so the same on every machine and Python, whatever
  ``PYTHONHASHSEED``) and each goes to the split whose distance to its target (share × pairs)
  shrinks most by taking it (ties: the split least full relative to its target). A document
  larger than a small split's target therefore goes to a larger split, and each split ends
  within about one document of its target.
- **Small corpora:** when the documents left are just enough to give each still-empty split one,
  they go to those splits (in the order given), so every split gets a document when there are
  at least as many documents as splits, even when every document is larger than a split's
  target; a split left without one is reported (and its file written empty).
- The assignment depends only on the seed, the document ids and their pair counts; adding a
  document may move others (a hash threshold per document would not, but cannot keep a 1 %
  split non-empty on a small corpus or near its share on a corpus of a few large documents).

Writing takes one counting pass over the pairs and then one pass per split (each file written
atomically by :func:`aligned.formats.write_path`), so memory holds one count per document, not
the pairs; together the files hold exactly the unsplit export, each in its input order.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aligned.formats import Format, PairedFormat, write_path
from aligned.pairs import AlignedPair
from corpus.errors import ConfigError, DataError, OutputExistsError

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: Shares may miss a sum of 1 by this much (0.98 + 0.01 + 0.01 in floating point).
SUM_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Split:
    """One split of ``--split``: its name (in file names) and its share of the pairs."""

    name: str
    share: float


def parse_splits(value: str) -> tuple[Split, ...]:
    """``"train=0.98,dev=0.01,test=0.01"`` → the splits, in that order. Names are letters,
    digits, ``_`` or ``-``, each once; shares are above 0 and sum to 1."""
    splits: list[Split] = []
    for item in (v.strip() for v in value.split(",")):
        name, eq, share_text = (s.strip() for s in item.partition("="))
        if not eq or not name:
            raise ConfigError(
                f"bad --split item {item!r}: write NAME=SHARE items separated by commas, "
                "e.g. --split train=0.98,dev=0.01,test=0.01"
            )
        if not _NAME.match(name):
            raise ConfigError(
                f"bad split name {name!r} in --split: use letters, digits, '_' or '-' "
                "(the name goes into the file names, e.g. corpus.train.jsonl)"
            )
        if any(s.name == name for s in splits):
            raise ConfigError(f"split {name!r} is named twice in --split; name each once")
        try:
            share = float(share_text)
        except ValueError:
            share = math.nan
        if not (0.0 < share <= 1.0):
            raise ConfigError(
                f"bad share {share_text!r} for split {name!r} in --split: give a number above 0 "
                "and at most 1, e.g. dev=0.01"
            )
        splits.append(Split(name, share))
    if len(splits) < 2:
        raise ConfigError(
            f"--split {value!r} names {len(splits)} split; give two or more, "
            "e.g. --split train=0.98,dev=0.01,test=0.01"
        )
    total = math.fsum(s.share for s in splits)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ConfigError(
            f"the shares of --split {value!r} sum to {total:g}, not 1; adjust them so they do"
        )
    return tuple(splits)


def document_rank(seed: int, doc: str) -> bytes:
    """The sort key that puts documents in the seeded order (stable across processes)."""
    return hashlib.blake2b(f"{seed}\x00{doc}".encode(), digest_size=16).digest()


def assign_documents(
    sizes: Mapping[str, int], splits: Sequence[Split], seed: int
) -> dict[str, str]:
    """Document id → split name, for documents with their pair counts ``sizes`` (documents
    with 0 pairs are left out). See the module docstring for the rule."""
    order = sorted(
        (d for d, n in sizes.items() if n > 0), key=lambda d: (document_rank(seed, d), d)
    )
    total = sum(sizes[d] for d in order)
    targets = [s.share * total for s in splits]
    counts = [0] * len(splits)
    docs = [0] * len(splits)
    out: dict[str, str] = {}
    for left, doc in zip(range(len(order), 0, -1), order, strict=True):
        n = sizes[doc]
        empty = [i for i, d in enumerate(docs) if d == 0]
        if empty and left <= len(empty):
            best = empty[0]
        else:
            # the split whose distance to its target shrinks most (grows least) by taking this
            # document; on a tie the least full relative to its target, then the first named
            best = min(
                range(len(splits)),
                key=lambda i: (
                    abs(targets[i] - counts[i] - n) - abs(targets[i] - counts[i]),
                    counts[i] / targets[i],
                    i,
                ),
            )
        counts[best] += n
        docs[best] += 1
        out[doc] = splits[best].name
    return out


def split_path(fmt: Format, output: str | os.PathLike[str], name: str) -> Path:
    """Where split ``name`` of an export to ``output`` goes: the name before the suffix
    (``corpus.jsonl`` → ``corpus.train.jsonl``; Moses ``corpus`` → ``corpus.train``, written as
    ``corpus.train.vi`` + ``.en``; no suffix: ``corpus`` → ``corpus.train``)."""
    if isinstance(fmt, PairedFormat):
        base = fmt.paths(output)[0].with_suffix("")  # corpus, corpus.vi, corpus.en → corpus
        return base.with_name(f"{base.name}.{name}")
    p = Path(output)
    if p.suffix:
        return p.with_name(f"{p.stem}.{name}{p.suffix}")
    return p.with_name(f"{p.name}.{name}")


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """The counting pass: every split, documents → split, and pairs and documents per split."""

    splits: tuple[Split, ...]
    assignment: dict[str, str]
    pairs: dict[str, int]
    documents: dict[str, int]

    @property
    def empty(self) -> list[str]:
        """Splits that got no document."""
        return [s.name for s in self.splits if not self.documents[s.name]]


def plan_splits(pairs: Iterable[AlignedPair], splits: Sequence[Split], seed: int) -> SplitPlan:
    """Count ``pairs`` per document (the filtered export, one pass) and assign documents."""
    sizes: dict[str, int] = {}
    for p in pairs:
        sizes[p.doc] = sizes.get(p.doc, 0) + 1
    assignment = assign_documents(sizes, splits, seed)
    n_pairs = {s.name: 0 for s in splits}
    n_docs = {s.name: 0 for s in splits}
    for doc, name in assignment.items():
        n_pairs[name] += sizes[doc]
        n_docs[name] += 1
    return SplitPlan(tuple(splits), assignment, n_pairs, n_docs)


@dataclass(frozen=True, slots=True)
class SplitWritten:
    """One written split: its name, file(s), pairs and documents."""

    name: str
    files: tuple[Path, ...]
    pairs: int
    documents: int
    stripped_chars: int


def split_targets(
    fmt: Format, splits: Sequence[Split], output: str | os.PathLike[str], *, force: bool = False
) -> dict[str, Path]:
    """Split name → its :func:`split_path`; refuses stdout, and any existing file unless
    ``force`` (call it before the counting pass to refuse early)."""
    if str(output) == "-":
        raise ConfigError(
            "--split writes one file per split and cannot go to stdout; give a path with -o, "
            "e.g. -o corpus.jsonl (writes corpus.train.jsonl, corpus.dev.jsonl, ...)"
        )
    targets = {s.name: split_path(fmt, output, s.name) for s in splits}
    for target in targets.values():
        for f in fmt.files(target):
            if f.exists() and not force:
                raise OutputExistsError(
                    f"output file {str(f)!r} already exists; pass --force to overwrite it "
                    "or choose another path with -o"
                )
    return targets


def write_splits(
    fmt: Format,
    plan: SplitPlan,
    pairs: Callable[[], Iterable[AlignedPair]],
    output: str | os.PathLike[str],
    *,
    force: bool = False,
) -> list[SplitWritten]:
    """Write each split of ``plan`` to its :func:`split_path`, one pass of ``pairs()`` (a fresh
    iterator of the same filtered export the plan counted) per split. Every file is checked
    for ``--force`` before any is written; each is written atomically. DataError if a pass
    does not match the plan (the store changed during the export)."""
    targets = split_targets(fmt, plan.splits, output, force=force)

    def of_split(name: str) -> Iterator[AlignedPair]:
        """The pairs of split ``name``; a DataError raised in here, inside the write, leaves
        that split's file as it was."""
        n = 0
        for p in pairs():
            got = plan.assignment.get(p.doc)
            if got is None:
                raise DataError(
                    f"document {p.doc!r} has pairs now but had none in the counting pass: "
                    "the store changed during the export; run it again"
                )
            if got == name:
                n += 1
                yield p
        if n != plan.pairs[name]:
            raise DataError(
                f"split {name!r} got {n} pairs but the counting pass found "
                f"{plan.pairs[name]}: the store changed during the export; run it again"
            )

    written = []
    for split in plan.splits:
        name = split.name
        stats = write_path(fmt, of_split(name), targets[name], force=force)
        written.append(
            SplitWritten(
                name,
                fmt.files(targets[name]),
                stats.pairs,
                plan.documents[name],
                stats.stripped_chars,
            )
        )
    return written
