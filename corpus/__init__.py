"""songngu's source side: read, clean and segment Vietnamese documents.

Knows nothing of models or storage. Importing it is cheap (no torch, no transformers).
"""

from corpus.errors import ConfigError, DataError, ModelError, SongnguError
from corpus.model import Document, RawDocument, Segment

__all__ = [
    "ConfigError",
    "DataError",
    "Document",
    "ModelError",
    "RawDocument",
    "Segment",
    "SongnguError",
]
