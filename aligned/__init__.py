"""songngu's bilingual side: the aligned corpus, its store, formats, quality checks and the CLI.

The only package that knows both ``corpus`` (source side) and ``translate`` (the model).
Importing it never imports torch, and imports nothing of its own until a name is used: the
names below are loaded on first access (PEP 562 ``__getattr__``), and the model stack only
when a translator is loaded (``translate.load_translator``).

The stable Python API (README, "Using songngu from Python"): :func:`open_store` and
:class:`Store`; :func:`translate_store` and :func:`run_corpus` (the whole ``songngu run``);
:func:`export`; :func:`add_references` and :func:`score`; :class:`AlignedPair`, the unit of
every exchange format; :func:`check_pair` and :func:`corpus_scores` for texts outside a store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first access).
_EXPORTS: dict[str, str] = {
    "AlignedPair": "aligned.pairs",
    "AttachResult": "aligned.references",
    "MetricScore": "aligned.scoring",
    "RunResult": "aligned.runner",
    "Store": "aligned.store",
    "StoreScores": "aligned.scoring",
    "TranslateResult": "aligned.api",
    "WriteStats": "aligned.formats",
    "add_references": "aligned.api",
    "check_pair": "aligned.checks",
    "corpus_scores": "aligned.scoring",
    "export": "aligned.api",
    "import_file": "aligned.importing",
    "open_store": "aligned.store",
    "run_corpus": "aligned.runner",
    "score": "aligned.api",
    "translate_store": "aligned.api",
}

__all__ = [
    "AlignedPair",
    "AttachResult",
    "MetricScore",
    "RunResult",
    "Store",
    "StoreScores",
    "TranslateResult",
    "WriteStats",
    "__version__",
    "add_references",
    "check_pair",
    "corpus_scores",
    "export",
    "import_file",
    "open_store",
    "run_corpus",
    "score",
    "translate_store",
]

if TYPE_CHECKING:
    from aligned.api import TranslateResult, add_references, export, score, translate_store
    from aligned.checks import check_pair
    from aligned.formats import WriteStats
    from aligned.importing import import_file
    from aligned.pairs import AlignedPair
    from aligned.references import AttachResult
    from aligned.runner import RunResult, run_corpus
    from aligned.scoring import MetricScore, StoreScores, corpus_scores
    from aligned.store import Store, open_store


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aligned' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
