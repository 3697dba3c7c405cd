"""The source-side data model: documents and their segments.

Offsets are character offsets into ``Document.text``, the decoded original text (before any
cleaning), so ``doc.text[seg.start:seg.end]`` is where a segment came from; cleaning it gives
``seg.text`` back. Paragraph and sentence numbers are 1-based, as a reader would count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Segment:
    doc: str
    para: int
    sent: int
    start: int
    end: int
    text: str
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "para": self.para,
            "sent": self.sent,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "flags": list(self.flags),
        }


@dataclass(slots=True)
class RawDocument:
    """A document as read: decoded text plus how it was decoded."""

    id: str  # stable: see corpus.readers (relative path, JSONL id, stdin content hash)
    source: str  # path as given, or "-" for stdin, or "path#line" for a JSONL record
    text: str
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    order: int = 0  # 0-based position among the documents of one read (argument order)
    # Document metadata (HTML title / canonical url / publication date, JSONL fields other
    # than id and text), kept with the document and written to exports.
    meta: dict[str, str] = field(default_factory=dict)
    # Offsets into ``text`` of the U+FFFD characters lenient decoding put there (a literal
    # U+FFFD of the input is not listed): segments covering one get the ``decode-error`` flag.
    replaced: tuple[int, ...] = ()


@dataclass(slots=True)
class Document:
    id: str
    source: str
    text: str  # the original decoded text; segment offsets point into it
    segments: list[Segment]
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    cleaning: dict[str, int] = field(default_factory=dict)  # step name -> number of changes
    order: int = 0  # RawDocument.order: where the document came in the input
    meta: dict[str, str] = field(default_factory=dict)  # RawDocument.meta
