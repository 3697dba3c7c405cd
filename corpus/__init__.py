"""songngu's source side: read, clean and segment Vietnamese documents.

Knows nothing of models or storage. Importing it is cheap (no torch, no transformers): the
errors and the data model are imported at once, the reading and segmenting pipeline on first
use of one of its names (PEP 562 ``__getattr__``).

The stable Python API (README, "Using songngu from Python"): :func:`segment_text` (one text in
memory), :func:`read_sources` + :func:`process_documents` (files, directories, globs, stdin),
:class:`PipelineOptions` / :class:`CleanOptions`, the noise flags :data:`FLAGS` and
:data:`DROP_BY_DEFAULT` with :func:`keep_segments`, and the data model and errors.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from corpus.errors import (
    EXIT_CODES,
    ConfigError,
    DataError,
    ModelError,
    OutputError,
    SongnguError,
)
from corpus.model import Document, RawDocument, Segment

#: Public name -> the module that defines it (imported on first access).
_LAZY: dict[str, str] = {
    "CleanOptions": "corpus.clean",
    "DROP_BY_DEFAULT": "corpus.flags",
    "FLAGS": "corpus.flags",
    "PipelineOptions": "corpus.pipeline",
    "ReadFailure": "corpus.readers",
    "keep_segments": "corpus.pipeline",
    "parse_flag_list": "corpus.pipeline",
    "process_document": "corpus.pipeline",
    "process_documents": "corpus.pipeline",
    "read_sources": "corpus.readers",
    "segment_text": "corpus.pipeline",
}

__all__ = [
    "DROP_BY_DEFAULT",
    "EXIT_CODES",
    "FLAGS",
    "CleanOptions",
    "ConfigError",
    "DataError",
    "Document",
    "ModelError",
    "OutputError",
    "PipelineOptions",
    "RawDocument",
    "ReadFailure",
    "Segment",
    "SongnguError",
    "keep_segments",
    "parse_flag_list",
    "process_document",
    "process_documents",
    "read_sources",
    "segment_text",
]

if TYPE_CHECKING:
    from corpus.clean import CleanOptions
    from corpus.flags import DROP_BY_DEFAULT, FLAGS
    from corpus.pipeline import (
        PipelineOptions,
        keep_segments,
        parse_flag_list,
        process_document,
        process_documents,
        segment_text,
    )
    from corpus.readers import ReadFailure, read_sources


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corpus' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
