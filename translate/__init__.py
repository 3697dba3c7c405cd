"""songngu's model side: Vietnamese sentences in, English hypotheses out.

Knows nothing of files or storage. Importing this package is cheap: torch, transformers and
ctranslate2 are imported only when a model is loaded (``load_translator``).
"""

from translate.defaults import DEFAULT_BACKEND, DEFAULT_BEAM, DEFAULT_MODEL
from translate.engine import Engine, load_translator
from translate.loader import ResolvedModel, resolve_model
from translate.normalize import normalize_for_mt
from translate.types import Hypothesis, Signature, Translator

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_BEAM",
    "DEFAULT_MODEL",
    "Engine",
    "Hypothesis",
    "ResolvedModel",
    "Signature",
    "Translator",
    "load_translator",
    "normalize_for_mt",
    "resolve_model",
]
