"""songngu's model side: Vietnamese sentences in, English hypotheses out.

Knows nothing of files or storage. Importing this package is cheap: torch, transformers and
ctranslate2 are imported only when a model is loaded.
"""

from translate.types import Hypothesis, Signature, Translator

__all__ = ["Hypothesis", "Signature", "Translator"]
