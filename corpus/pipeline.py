"""Documents in, flagged segments out: read → clean → split paragraphs → segment → flag.

Cleaning runs on the whole decoded text so that one offset chain maps every segment back into
the original; paragraphs are taken from the cleaned text (a non-blank line each, or a block of
lines between blank lines), segmented with document-level speaker-label memory, then flagged.
Batch-level flags (text repeated across documents) need every document of the batch, so
``process_documents`` takes them all; ``iter_documents`` is the streaming form without them
(``songngu run`` counts repeats over its whole store instead), and it hands a ``--segment
lines`` document of more than ``LINE_BLOCK`` lines over as a :class:`LineStream`, whose
segments come in blocks, so a million-line file is never a million objects at once.

``segment="lines"`` is for input that is already one sentence per line (test sets such as
FLORES, parallel files): every non-blank line of the cleaned text is exactly one segment, with
no sentence splitting and nothing merged or removed, so a file of N non-blank lines gives N
segments in line order. ``para`` is then the line's physical number in the text (1-based,
blank lines counted; ``\\r\\n``, ``\\r``, U+2028 ... each end a line, as the cleaner
normalizes them), so ``doc:para`` points at the line in the file; ``sent`` is always 1.
Noise flags are still computed and recorded; leaving flagged segments out is the caller's
choice.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, repeat
from operator import add
from typing import Literal

from corpus.clean import Cleaned, CleanOptions, clean_text, clean_text_reference
from corpus.errors import ConfigError
from corpus.flags import FLAGS, DocumentFlagger, Flags, flag_batch, flag_document
from corpus.model import Document, RawDocument, Segment
from corpus.segment import Segmenter

ParagraphMode = Literal["line", "blank"]
SegmentMode = Literal["sentences", "lines"]

_LINE = re.compile(r"[^\n]+")
_BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")
_NEWLINE = re.compile(r"\s*\n\s*")


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    clean: CleanOptions = field(default_factory=CleanOptions)
    # "line": every non-blank line is a paragraph (scraped news, the seeds);
    # "blank": paragraphs are separated by blank lines (hard-wrapped text).
    paragraphs: ParagraphMode = "line"
    # "sentences": paragraphs are split into sentences (the default);
    # "lines": every non-blank line is one segment as it is (one-sentence-per-line input).
    segment: SegmentMode = "sentences"

    def __post_init__(self) -> None:
        if self.segment not in ("sentences", "lines"):
            raise ConfigError(f"unknown segment mode '{self.segment}'; use 'sentences' or 'lines'")
        if self.paragraphs not in ("line", "blank"):
            raise ConfigError(f"unknown paragraph mode '{self.paragraphs}'; use 'line' or 'blank'")
        if self.segment == "lines" and self.paragraphs == "blank":
            raise ConfigError(
                "--paragraphs blank joins lines, --segment lines keeps every line as one "
                "segment; choose one of them"
            )


def paragraph_spans(text: str, mode: ParagraphMode = "line") -> list[tuple[int, int]]:
    """Spans of the non-empty paragraphs of cleaned text (leading/trailing spaces excluded)."""
    pattern = _LINE if mode == "line" else _BLOCK
    spans = []
    for m in pattern.finditer(text):
        s, e = m.span()
        chunk = m.group(0)
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if e - trail > s + lead:
            spans.append((s + lead, e - trail))
    return spans


_Para = tuple[int, list[tuple[int, int, str, bool]]]  # number, [(start, end, text, speaker)]


_Lines = tuple[list[int], list[int], list[int], list[str]]  # numbers, starts, ends, texts


def _lines_reference(cleaned: Cleaned) -> _Lines:
    """The ``--segment lines`` segments of a cleaned text: each span of
    :func:`paragraph_spans`, numbered by the newlines before it, mapped back one by one."""
    numbers: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    lineno, counted_to = 1, 0
    for s, e in paragraph_spans(cleaned.text, "line"):
        lineno += cleaned.text.count("\n", counted_to, s)
        counted_to = s
        numbers.append(lineno)
        starts.append(cleaned.chain.to_old(s))
        ends.append(cleaned.chain.to_old(e, end=True))
        texts.append(cleaned.text[s:e])
    return numbers, starts, ends, texts


def _lines(cleaned: Cleaned, options: CleanOptions) -> _Lines:
    """:func:`_lines_reference`, by one split and one pass through the offset map.

    Why it is the same: with the spaces step on, the cleaner strips every line (each character
    ``str.isspace`` knows is a newline or one of its spaces), so the paragraphs are exactly the
    non-empty lines; without it, the reference runs.
    """
    if not options.spaces:
        return _lines_reference(cleaned)
    lines = cleaned.text.split("\n")
    texts = list(filter(None, lines))
    numbers = list(compress(count(1), lines))
    starts = list(compress(accumulate((len(line) + 1 for line in lines), initial=0), lines))
    ends = list(map(add, starts, map(len, texts)))
    if cleaned.chain.maps:
        starts = cleaned.chain.to_old_sorted(starts)
        ends = cleaned.chain.to_old_sorted(ends, end=True)
    return numbers, starts, ends, texts


def _line_segments(
    text: str, options: PipelineOptions, *, reference: bool = False
) -> tuple[_Lines, dict[str, int]]:
    """The ``--segment lines`` segments of ``text`` (offsets into it) and its cleaning counts;
    ``reference``: by the general path (:func:`clean_text_reference`, :func:`_lines_reference`),
    which the fast one is tested and measured against."""
    if reference:
        cleaned = clean_text_reference(text, options.clean)
        return _lines_reference(cleaned), dict(cleaned.counts)
    cleaned = clean_text(text, options.clean)
    return _lines(cleaned, options.clean), dict(cleaned.counts)


def _segment_texts(
    raw: RawDocument, options: PipelineOptions, *, reference: bool = False
) -> tuple[list[_Para], dict[str, int]]:
    if options.segment == "lines":
        (numbers, starts, ends, texts), counts = _line_segments(
            raw.text, options, reference=reference
        )
        paras: list[_Para] = [
            (number, [(start, end, text, False)])
            for number, start, end, text in zip(numbers, starts, ends, texts, strict=True)
        ]
        return paras, counts
    cleaned = (clean_text_reference if reference else clean_text)(raw.text, options.clean)
    spans = paragraph_spans(cleaned.text, options.paragraphs)
    para_texts = [cleaned.text[s:e] for s, e in spans]
    seg_spans = Segmenter().split_document(para_texts)
    paras = []
    for (p_start, _), ptext, sspans in zip(spans, para_texts, seg_spans, strict=True):
        segs = []
        for sp in sspans:
            text = ptext[sp.start : sp.end]
            if "\n" in text:
                text = _NEWLINE.sub(" ", text)
            start = cleaned.chain.to_old(p_start + sp.start)
            end = cleaned.chain.to_old(p_start + sp.end, end=True)
            segs.append((start, end, text, sp.speaker))
        if segs:
            paras.append((len(paras) + 1, segs))
    return paras, dict(cleaned.counts)


def _build(
    raw: RawDocument,
    paras: list[_Para],
    flags: list[list[tuple[str, ...]]],
    counts: dict[str, int],
) -> Document:
    segments = [
        Segment(
            raw.id,
            number,
            si,
            start,
            end,
            text,
            _with_decode_error(para_flags[si - 1], raw.replaced, start, end),
        )
        for (number, para), para_flags in zip(paras, flags, strict=True)
        for si, (start, end, text, _speaker) in enumerate(para, start=1)
    ]
    return Document(
        id=raw.id,
        source=raw.source,
        text=raw.text,
        segments=segments,
        encoding=raw.encoding,
        warnings=list(raw.warnings),
        cleaning=counts,
        order=raw.order,
        meta=dict(raw.meta),
    )


def _with_decode_error(
    flags: tuple[str, ...], replaced: Sequence[int], start: int, end: int
) -> tuple[str, ...]:
    """``flags`` plus ``decode-error`` when a U+FFFD of lenient decoding lies in [start, end)."""
    i = bisect.bisect_left(replaced, start)
    if i == len(replaced) or replaced[i] >= end:
        return flags
    return tuple(name for name in FLAGS if name in flags or name == "decode-error")


def process_document(raw: RawDocument, options: PipelineOptions | None = None) -> Document:
    """Clean, segment and flag one document (no cross-document flags)."""
    return process_documents([raw], options)[0]


def process_documents(
    raws: Sequence[RawDocument], options: PipelineOptions | None = None
) -> list[Document]:
    """Clean, segment and flag a batch; text repeated across the batch is flagged too."""
    options = options or PipelineOptions()
    staged = []
    doc_flags: list[list[list[tuple[str, ...]]]] = []
    for raw in raws:
        paras, counts = _segment_texts(raw, options)
        texts = [[t for _, _, t, _ in para] for _, para in paras]
        speaker = [[sp for _, _, _, sp in para] for _, para in paras]
        staged.append((raw, paras, counts))
        doc_flags.append(flag_document(texts, speaker))
    batch_texts = [[[t for _, _, t, _ in para] for _, para in paras] for _, paras, _ in staged]
    merged = flag_batch(batch_texts, doc_flags)
    return [
        _build(raw, paras, flags, counts)
        for (raw, paras, counts), flags in zip(staged, merged, strict=True)
    ]


#: Lines per block of a streamed ``--segment lines`` document (:class:`LineStream`).
LINE_BLOCK = 10_000
_LINE_END = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_RARE_LINE_ENDS = ("\r", "\x85", "\u2028", "\u2029")


@dataclass(slots=True)
class LineBlock:
    """A block of a :class:`LineStream` as columns: segment ``i`` is paragraph ``paras[i]``
    (its only sentence, number 1) at ``starts[i]:ends[i]`` of the text, with its cleaned text
    and flags."""

    paras: list[int]
    starts: list[int]
    ends: list[int]
    texts: list[str]
    flags: list[Flags]


class LineStream:
    """A ``--segment lines`` document whose segments come in blocks of ``block`` lines.

    Why: a file of a million lines held as a million ``Segment`` objects (and their cleaned
    texts) costs gigabytes; a block costs a few megabytes. The segments and flags are exactly
    those :func:`process_document` gives (cleaning and flags are line-local; ``heading`` and
    ``byline``, which depend on the whole document, are in :attr:`positional` once
    :meth:`blocks` was run through: segments of those paragraphs carry them only there).
    ``document`` is the document with no segments; its ``cleaning`` counts are complete after
    a full pass. :meth:`blocks` can be run again (each pass re-reads the text).
    """

    def __init__(
        self,
        raw: RawDocument,
        options: PipelineOptions,
        *,
        block: int = LINE_BLOCK,
        reference: bool = False,
    ) -> None:
        if options.segment != "lines":
            raise ConfigError("LineStream is for --segment lines documents")
        self.raw = raw
        self.options = options
        self.block = block
        # reference: clean, split and flag by the general paths (what the fast ones are tested
        # and measured against); the result is the same.
        self.reference = reference
        self.document = _build(raw, [], [], {})
        self.positional: dict[int, str] = {}  # para -> "heading" / "byline"

    def _spans(self) -> Iterator[tuple[int, int, int]]:
        """(start, end, lines before start) of the blocks of the text."""
        text = self.raw.text
        if not any(end in text for end in _RARE_LINE_ENDS):
            # Only "\n" ends lines: str.find jumps from one to the next (a match object per
            # line cost 1 us; a million-line file spent a second here).
            start = lines = 0
            while start < len(text):
                end = start
                for _ in range(self.block):
                    end = text.find("\n", end) + 1
                    if not end:
                        end = len(text)
                        break
                count = text.count("\n", start, end)
                yield start, end, lines
                start, lines = end, lines + count
            return
        start = lines = count = 0
        for m in _LINE_END.finditer(text):
            count += 1
            if count == self.block:
                yield start, m.end(), lines
                start, lines, count = m.end(), lines + count, 0
        if start < len(text):
            yield start, len(text), lines

    def line_blocks(self) -> Iterator[LineBlock]:
        """The segments as columns, a block at a time, without the positional flags; at the
        end :attr:`positional` and the document's ``cleaning`` counts are complete.

        Why columns: a store writes them as they are; a ``Segment`` per line cost a second
        per million lines."""
        flagger = DocumentFlagger(reference=self.reference)
        totals: dict[str, int] = {}
        raw = self.raw
        for start, end, before in self._spans():
            (numbers, starts, ends, texts), counts = _line_segments(
                raw.text[start:end], self.options, reference=self.reference
            )
            for name, n in counts.items():
                totals[name] = totals.get(name, 0) + n
            if before:
                numbers = [number + before for number in numbers]
            if start:
                starts = [s + start for s in starts]
                ends = [e + start for e in ends]
            flags = flagger.block([[text] for text in texts], ids=numbers)
            if raw.replaced:
                firsts = [
                    _with_decode_error(para_flags[0], raw.replaced, s, e)
                    for para_flags, s, e in zip(flags, starts, ends, strict=True)
                ]
            else:
                firsts = [para_flags[0] for para_flags in flags]
            yield LineBlock(numbers, starts, ends, texts, firsts)
        self.positional = flagger.positional()
        self.document.cleaning = totals

    def blocks(self) -> Iterator[list[Segment]]:
        """The segments, a block at a time, without the positional flags (see
        :meth:`line_blocks`)."""
        doc = self.raw.id
        for b in self.line_blocks():
            yield list(
                map(Segment, repeat(doc), b.paras, repeat(1), b.starts, b.ends, b.texts, b.flags)
            )

    def materialize(self) -> Document:
        """The whole document with its segments (what :func:`process_document` returns)."""
        segments = [s for block in self.blocks() for s in block]
        for i, s in enumerate(segments):
            if s.para in self.positional:
                segments[i] = Segment(
                    s.doc, s.para, s.sent, s.start, s.end, s.text,
                    _add_flag(s.flags, self.positional[s.para]),
                )  # fmt: skip
        doc = self.document
        return Document(
            id=doc.id,
            source=doc.source,
            text=doc.text,
            segments=segments,
            encoding=doc.encoding,
            warnings=list(doc.warnings),
            cleaning=dict(doc.cleaning),
            order=doc.order,
            meta=dict(doc.meta),
        )


def _add_flag(flags: Flags, name: str) -> Flags:
    from corpus.flags import with_flag

    return with_flag(flags, name)


def iter_documents(
    raws: Iterable[RawDocument], options: PipelineOptions | None = None, *, block: int = LINE_BLOCK
) -> Iterator[Document | LineStream]:
    """Clean, segment and flag documents one at a time, as they are read (no batch flags).

    A ``--segment lines`` document of more than ``block`` lines comes as a
    :class:`LineStream`; every other one as a :class:`Document` (as
    :func:`process_document` gives it).
    """
    options = options or PipelineOptions()
    for raw in raws:
        # "\r\n" counts twice: a document near the limit may stream, which changes nothing.
        if options.segment == "lines" and _more_line_ends(raw.text, block):
            yield LineStream(raw, options, block=block)
        else:
            yield process_document(raw, options)


def _more_line_ends(text: str, limit: int) -> bool:
    """Whether text has more than ``limit`` "\n" and "\r" together, counted only as far as
    needed (a million-line text is not read to its end to learn it has over 10,000)."""
    seen = 0
    for pos in range(0, len(text), 1 << 16):
        seen += text.count("\n", pos, pos + (1 << 16)) + text.count("\r", pos, pos + (1 << 16))
        if seen > limit:
            return True
    return False


def segment_text(
    text: str,
    doc_id: str = "text",
    *,
    options: PipelineOptions | None = None,
    source: str | None = None,
) -> Document:
    """Clean, segment and flag one text given as a string: the library's one-call entry point.

    Why: notebooks and pipelines hold text in memory, not in files; this is what
    ``songngu segment`` does to one document, without readers. ``doc_id`` names the document
    (in a store it is the key its translations and reviews hang on, so keep it stable);
    ``source`` says where the text came from (default: ``doc_id``). Offsets of the segments
    point into ``text`` as given.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}; decode bytes first")
    if not doc_id.strip():
        raise ConfigError("doc_id must not be empty; give a stable name, e.g. doc_id='article-1'")
    raw = RawDocument(id=doc_id, source=source if source is not None else doc_id, text=text)
    return process_document(raw, options)


def parse_flag_list(value: str) -> frozenset[str]:
    """``"widget,dateline"`` → the flag set; ``"none"`` → empty; unknown names are an error."""
    names = {v.strip() for v in value.split(",") if v.strip()}
    if names == {"none"}:
        return frozenset()
    if "default" in names:
        from corpus.flags import DROP_BY_DEFAULT

        names = (names - {"default"}) | set(DROP_BY_DEFAULT)
    unknown = sorted(names - set(FLAGS))
    if unknown:
        raise ConfigError(
            f"unknown flag {', '.join(repr(u) for u in unknown)} in --drop; "
            f"valid flags: {', '.join(sorted(FLAGS))} (or 'default', 'none')"
        )
    return frozenset(names)


def keep_segments(segments: Iterable[Segment], drop: frozenset[str]) -> list[Segment]:
    """The segments that carry none of the flags in ``drop``."""
    return [s for s in segments if not drop.intersection(s.flags)]
