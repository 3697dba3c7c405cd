"""The Python API's verbs over a store: translate what is missing, export, add references, score.

Why a module of its own: the CLI commands and :func:`aligned.runner.run_corpus` combine store
methods, registries and the scorer in a fixed order (register the system before storing its
translations, resolve ``latest``, pick the format from the file name...). Notebooks and
pipelines need the same steps without argparse; these functions are those steps, each a few
lines over the library, and ``aligned/__init__.py`` exports them. Every function takes an open
:class:`~aligned.store.Store` or the path of one (opened for the call and closed again).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aligned.checks import CHECKS, check_store
from aligned.formats import WriteStats, format_for_path, get_format, write_path
from aligned.references import DEFAULT_NAME, AttachResult, attach_lines
from aligned.runner import DEFAULT_COMMIT_EVERY, ChunkTranslator, translate_pending
from aligned.scoring import DEFAULT_BOOTSTRAP, StoreScores, resolve_reference, score_store
from aligned.store import Store, open_store, sqlite_errors
from corpus.flags import DROP_BY_DEFAULT
from translate.types import Translator

StoreLike = Store | str | os.PathLike[str]


@contextlib.contextmanager
def _opened(store: StoreLike) -> Iterator[Store]:
    """``store`` itself, or the existing store at that path, open for the block."""
    if isinstance(store, Store):
        yield store
        return
    path = Path(store)
    with sqlite_errors(path), open_store(path, create=False) as opened:
        yield opened


@dataclass(slots=True)
class TranslateResult:
    """What :func:`translate_store` did under one system."""

    signature: str
    translated: int  # segments translated by the model now
    cached: int  # segments already translated, or filled from the translation memory
    check_counts: dict[str, int] = field(default_factory=dict)  # flagged segments per check


def translate_store(
    store: StoreLike,
    translator: Translator,
    *,
    drop: frozenset[str] = DROP_BY_DEFAULT,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    checks: bool = True,
    chunk_translator: ChunkTranslator | None = None,
) -> TranslateResult:
    """Translate every stored segment that has no translation under ``translator``'s
    signature yet, as ``songngu run`` does after storing documents.

    The system is registered (and becomes ``latest``) first; segments flagged with any of
    ``drop`` are left untranslated; each batch of ``commit_every`` texts is one transaction,
    so an interrupted call resumes where it stopped. ``checks`` runs the reference-free
    checks (:data:`aligned.checks.REGISTRY`) afterwards and stores their flags.
    """
    with _opened(store) as st:
        sig = translator.signature
        signature = str(sig)
        st.use_system(signature, sig.as_dict())
        translated, cached = translate_pending(
            st,
            translator,
            drop=drop,
            commit_every=commit_every,
            chunk_translator=chunk_translator,
        )
        counts = check_store(st, signature, CHECKS) if checks else {}
    return TranslateResult(signature, translated, cached, counts)


def export(
    store: StoreLike,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    system: str = "latest",
    drop: frozenset[str] = DROP_BY_DEFAULT,
    reviewed_only: bool = False,
    force: bool = False,
) -> WriteStats:
    """Write one system's aligned pairs to ``path``, as ``songngu export`` does.

    ``format`` is a name of :data:`aligned.formats.FORMATS` (``tmx``, ``tsv``, ``moses``,
    ``jsonl``); None picks it from ``path``'s suffix. Moses writes ``path``.vi and
    ``path``.en. ``system`` is a signature or ``latest``; review decisions are applied
    (edits replace the target, rejected pairs are left out). The file is written atomically;
    an existing one is replaced only with ``force``.
    """
    fmt = format_for_path(path) if format is None else get_format(format)
    with _opened(store) as st:
        signature = st.resolve_system(system)
        pairs = st.pairs(signature, drop=drop, reviewed_only=reviewed_only)
        return write_path(fmt, pairs, path, force=force)


def add_references(
    store: StoreLike,
    lines: Sequence[str],
    *,
    name: str = DEFAULT_NAME,
    doc: str | None = None,
) -> AttachResult:
    """Attach a line-aligned reference translation: line k to the k-th segment in the store's
    order (as ``songngu refs add STORE FILE``); ``doc`` limits it to one document. An empty
    line gives its segment no reference; a reference of the same ``name`` is replaced.
    Whole, unaligned documents: :func:`aligned.references.attach_documents`."""
    with _opened(store) as st:
        return attach_lines(st, list(lines), name=name, doc=doc)


def score(
    store: StoreLike,
    *,
    system: str = "latest",
    reference: str | None = None,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
) -> StoreScores:
    """BLEU, chrF++ and TER of ``system`` against ``reference`` (None: the store's only
    one), computed by sacrebleu and stored in the ``scores`` table, as ``songngu score
    STORE`` does. Plain lists of strings: :func:`aligned.scoring.corpus_scores`."""
    with _opened(store) as st:
        signature = st.resolve_system(system)
        return score_store(st, signature, resolve_reference(st, reference), n_bootstrap=n_bootstrap)


__all__ = [
    "StoreLike",
    "TranslateResult",
    "add_references",
    "export",
    "score",
    "translate_store",
]
