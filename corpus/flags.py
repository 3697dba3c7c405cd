"""The noise flagger: mark segments that are not body text, never remove them.

Scraped news carries site furniture (rating widgets, login prompts, image-name debris,
datelines) and real text that is not body text (headings, captions, bylines, speaker labels).
Dropping it in the cleaner would lose data silently and break the trace from segment to source,
so this module only attaches named flags to segments; ``songngu run`` and ``songngu export``
leave the ``DROP_BY_DEFAULT`` ones out of translation and exports (``--drop`` chooses others),
and the user can re-include anything.

The rules are those of the segmentation study (``notes/segmentation-study.md`` §8), measured on
the two seed articles and on clean reference text. Site-specific phrase lists overfit, so the
batch-level ``boilerplate`` flag (a paragraph repeated across documents) backs them up.

Input is the cleaned, segmented text: one list of segment texts per paragraph (in order).
Rules work on paragraphs (a paragraph is a line of the source) and flag all its segments,
except the photo-credit rule, which works on a segment.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import accumulate, compress, repeat
from typing import TypeVar

from corpus import langid
from corpus.errors import ConfigError

#: Every flag name, with the one-line description ``--help`` shows. Order = display order.
FLAGS: dict[str, str] = {
    "heading": "title or kicker before the first body paragraph (short, no final punctuation)",
    "dateline": "publication date/time line, with trailing view and comment counters",
    "speaker-label": "interview speaker label such as 'Phóng viên:' (set by the segmenter)",
    "image-debris": "image or video file name left in the text (UUID, *.jpg, 'bca 9109')",
    "caption": "photo caption: the line after image debris, or text glued to a photo credit",
    "photo-credit": "photo credit such as 'Ảnh: BCA'",
    "byline": "author or source signature after the last body paragraph",
    "widget": "site furniture: rating widget, comment header, tags, share, copyright line",
    "login-prompt": "session or login prompt of the website",
    "boilerplate": "paragraph repeated across many documents of the batch (site furniture)",
    "not-vietnamese": "text in another language (language identification, 15+ letters)",
    "decode-error": "holds bytes that could not be decoded, as U+FFFD (--decode-errors replace)",
}
#: Flags ``run`` and ``export`` leave out unless ``--drop`` says otherwise (``--drop default``);
#: ``segment`` keeps everything unless asked.
DROP_BY_DEFAULT: frozenset[str] = frozenset(
    {"dateline", "image-debris", "photo-credit", "widget", "login-prompt", "boilerplate"}
)

Flags = tuple[str, ...]
K = TypeVar("K")
#: Flags of segments that are not text (file names, dates): ``not-vietnamese`` skips them.
_NO_LANGUAGE = frozenset({"image-debris", "dateline"})

#: A body paragraph has at least this many syllables and a segment with final punctuation.
BODY_MIN_SYLLABLES = 25
HEADING_MAX_SYLLABLES = 30
BYLINE_MAX_SYLLABLES = 6
#: Widget and login phrases count only in lines this short (real sentences may quote them).
WIDGET_MAX_SYLLABLES = 40
#: A caption after image debris is one or two sentences; longer is body text.
CAPTION_MAX_SEGMENTS = 2

_SPACES = re.compile(r"\s+")
_CLOSERS = "\"'”’»)]}›"
_SENTENCE_END = ".?!…"
_CLAUSE_END = _SENTENCE_END + ":;"
_SENTENCE_ENDS = frozenset(_SENTENCE_END)
_CLAUSE_ENDS = frozenset(_CLAUSE_END)

_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s*nhật|cn|t[2-7])"
_SEP = r"\s*[,|\-–—/]?\s*"
_TIME = r"\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?(?:\s*(?:am|pm|sa|ch))?"
_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}"
_GMT = r"\(?\s*gmt\s*[+\-]\s*\d{1,2}(?::?\d{2})?\s*\)?"
_DATELINE = re.compile(
    rf"^(?:{_WEEKDAY}{_SEP})?(?:ngày\s+)?(?:{_TIME}{_SEP})?{_DATE}"
    rf"(?:{_SEP}{_TIME})?(?:{_SEP}{_GMT})?(?:(?:\s+|\s*[,|\-–—]\s*)\d+)*$",
    re.IGNORECASE,
)

_UUID = r"[0-9a-fA-F]{8}(?:[ _\-][0-9a-fA-F]{4}){3}[ _\-][0-9a-fA-F]{12}"
_MEDIA_EXT = r"\.(?i:jpe?g|png|gif|webp|avif|bmp|svg|mp4|webm|mov)"
_FILE_NAME = rf"\S+{_MEDIA_EXT}"
_SLUG = r"[a-z]{2,8}(?:[ _\-]\d{2,8})+"  # lowercase ASCII only: 'bca 9109' (bca-9109.jpg)
_DEBRIS_ITEM = rf"(?:{_UUID}(?:{_MEDIA_EXT})?|{_FILE_NAME}|{_SLUG})"
_IMAGE_DEBRIS = re.compile(rf"^{_DEBRIS_ITEM}(?:\s+{_DEBRIS_ITEM})*$")

_PHOTO_CREDIT = re.compile(
    r"^\(?\s*(?:ảnh minh (?:họa|hoạ)|ảnh|nguồn ảnh|video|clip|đồ (?:họa|hoạ))\s*:\s*.{1,60}$",
    re.IGNORECASE,
)

# Phrases only site furniture uses: matched anywhere in a short line (casefolded).
_WIDGET_PHRASES = (
    "tổng số điểm của bài viết",
    "click để đánh giá",
    "bấm vào đây để",
    "nhấn vào đây để",
)
# Generic words: a widget only at the start of a line and not followed by a word
# ('Bình luận (3)', 'Tags: ...', 'Xem thêm:'), since 'Chia sẻ với báo chí, ông ...' or
# '... vi phạm bản quyền ...' are news.
_WIDGET_START = re.compile(
    r"^(?:(?:bình luận|tin liên quan|tin cùng chuyên mục|xem thêm|đọc thêm|chia sẻ|từ khóa"
    r"|từ khoá|tags?|bản quyền|ý kiến bạn đọc)(?!\w)(?:\s*$|\s*[^\w\s,])"
    r"|bản quyền thuộc về\b|©)",
    re.IGNORECASE,
)
_LOGIN_PHRASES = (
    "trạng thái đăng nhập",
    "thời gian chờ:",
    "vui lòng đăng nhập",
)
_DIGITS = re.compile(r"\d+")
# A whitespace token holding a letter or digit: ``[^\W_]`` is exactly ``str.isalnum`` and ``\S*``
# eats the rest of the token, so there is one match per such token.
_SYLLABLE = re.compile(r"[^\W_]\S*")


def _fold_chars(letter: str) -> str:
    """The characters whose casefold is ``letter``: for the letters of ``_PHRASE_ANCHORS``
    that is the letter in either case (and the Kelvin sign for k), and no character casefolds
    to more than one letter with one of them in it (tests/test_flags_fast.py checks every code
    point)."""
    return "".join(dict.fromkeys(letter + letter.upper() + ("\u212a" if letter == "k" else "")))


def _fold_class(text: str) -> str:
    return "".join("[" + re.escape(_fold_chars(c)) + "]" for c in text)


# A piece of every phrase, with the index of its rarest character: a line whose casefold holds
# a phrase holds its piece in some case, which one scan of a block finds (a regex starting with
# a character set is a fast scan; the rest of the piece is checked around that character).
_PHRASE_ANCHORS = (("đă", 1), ("ờ:", 1), ("ểm củ", 0), ("ck để đá", 4), (" vào đâ", 6))
_PHRASE_ANCHOR = re.compile(
    "["
    + re.escape("".join(_fold_chars(a[i]) for a, i in _PHRASE_ANCHORS))
    + "](?:"
    + "|".join(
        f"(?<={_fold_class(a[: i + 1])}){_fold_class(a[i + 1 :])}" for a, i in _PHRASE_ANCHORS
    )
    + ")"
)
# Where a rule of _line_flag other than a phrase can match: one call per line instead of three.
_RULE_START = re.compile(
    f"(?i:{_WIDGET_START.pattern})|(?:{_IMAGE_DEBRIS.pattern})|(?i:{_DATELINE.pattern})"
)


def normalize(text: str) -> str:
    """Matching form of a text: NFC, whitespace runs (NBSP included) as one space, stripped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _is_normal(text: str) -> bool:
    """Whether ``normalize(text) == text``: NFC, and " " its only whitespace (``isprintable``
    refuses every other space), never doubled or at an edge."""
    return (
        text.isprintable()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and unicodedata.is_normalized("NFC", text)
    )


def normalize_all(texts: Sequence[str]) -> list[str]:
    """``[normalize(t) for t in texts]``, decided for the whole list by a few C-level scans.

    Why: cleaned text is already in matching form, and normalizing it line by line cost more
    than every flag rule together. The texts are joined by newlines, which NFC neither composes
    nor reorders across, so the join is NFC exactly when every text is; a text that is not in
    matching form is normalized on its own.
    """
    joined = "\n".join(texts)
    flat = joined.replace("\n", " ")
    if (
        joined.count("\n") == len(texts) - 1
        and flat.isprintable()
        and (
            "  " not in flat or ("  " not in joined and " \n" not in joined and "\n " not in joined)
        )
        and joined[:1] != " "
        and joined[-1:] != " "
        and unicodedata.is_normalized("NFC", joined)
    ):
        return list(texts)
    return [t if _is_normal(t) else normalize(t) for t in texts]


def syllables(text: str) -> int:
    """Number of Vietnamese syllables: whitespace tokens holding a letter or digit."""
    return len(_SYLLABLE.findall(text))


# A whitespace token without a letter or digit ('–', '...'), after a space, before a space.
_NOT_SYLLABLE = re.compile(r" (?:[^\w\s]|_)+(?= )")


def _syllable_counts(lines: Sequence[str]) -> list[int]:
    """``[syllables(line) for line in lines]`` for lines in matching form (:func:`normalize`).

    Such a line has ``count(" ") + 1`` tokens; the few without a letter or digit are found by
    one scan of the block (a token starts after a space, so each line is padded with one).
    """
    counts = [line.count(" ") + 1 if line else 0 for line in lines]
    joined = " " + " \n ".join(lines) + " "
    hits = [m.start() for m in _NOT_SYLLABLE.finditer(joined)]
    if hits:
        starts = list(accumulate((len(line) + 3 for line in lines), initial=0))
        for pos in hits:
            counts[bisect_right(starts, pos) - 1] -= 1
    return counts


def ends_sentence(text: str) -> bool:
    """Whether text ends with ``. ? ! …``, closing quotes and brackets ignored."""
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _ends_clause(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _CLAUSE_END


def is_photo_credit(segment: str) -> bool:
    return bool(_PHOTO_CREDIT.match(normalize(segment)))


def _line_flag(line: str) -> str | None:
    """The flag a whole paragraph gets from its own text, or None."""
    n = syllables(line)
    low = line.casefold()
    if n <= WIDGET_MAX_SYLLABLES:
        if any(p in low for p in _LOGIN_PHRASES):
            return "login-prompt"
        if any(p in low for p in _WIDGET_PHRASES) or _WIDGET_START.match(line):
            return "widget"
    if n <= 12:  # debris and datelines are a few tokens; the bound also caps regex work
        if _IMAGE_DEBRIS.match(line):
            return "image-debris"
        if _DATELINE.match(line):
            return "dateline"
    return None


def _rule_candidates(lines: Sequence[str]) -> list[int]:
    """Indices of the lines :func:`_line_flag` may flag (all those it flags, and a few more).

    ``_line_flag`` needs a phrase in the casefolded line, or a widget start, image debris or
    a dateline matching at the line's start; ``_RULE_START`` is those three patterns in one,
    and a phrase shows as its ``_PHRASE_ANCHORS`` piece, found by one scan of the block.
    """
    found = set(compress(range(len(lines)), map(_RULE_START.match, lines)))
    hits = [m.start() for m in _PHRASE_ANCHOR.finditer("\n".join(lines))]
    if hits:
        starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
        found.update(bisect_right(starts, pos) - 1 for pos in hits)
    return sorted(found)


def flag_document(
    paragraphs: Sequence[Sequence[str]], speaker: Sequence[Sequence[bool]] | None = None
) -> list[list[Flags]]:
    """Flags of every segment of one document.

    ``paragraphs`` holds the segment texts of each paragraph (cleaned, in order); ``speaker``
    says which segments the segmenter marked as speaker labels (same shape; None = none).
    Returns one tuple of flag names per segment, in ``FLAGS`` order; ``()`` is body text.
    Positional rules (heading, byline) need a body paragraph to anchor them: a document
    without one gets neither.
    """
    flagger = DocumentFlagger()
    flags = flagger.block(paragraphs, speaker)
    for i, name in flagger.positional().items():
        flags[i] = [with_flag(f, name) for f in flags[i]]
    return flags


class DocumentFlagger:
    """:func:`flag_document` fed a document in blocks of paragraphs, for a document too long
    to hold at once (``--segment lines`` on a million-line file).

    :meth:`block` returns the flags of a block's segments without the positional ones
    (``heading``, ``byline``), which depend on the first and last body paragraph of the whole
    document; :meth:`positional` gives those once every block was seen. Memory: the ids of
    the heading candidates before the first body paragraph and of the byline candidates
    after the latest one.
    """

    def __init__(self, *, reference: bool = False) -> None:
        # reference: run every rule on every paragraph, the general path the fast one is
        # tested against (tests/test_flags_fast.py) and measured against (benchmarks/).
        self._reference = reference
        self._previous: str | None = None  # the line flag of the previous non-empty paragraph
        self._next = 0  # index of the next paragraph in the document
        self._seen_body = False
        # 8 bytes each: a million-line file without a body paragraph has a million of them.
        self._heading = array("q")  # candidates before the first body paragraph
        self._byline = array("q")  # candidates after the latest body paragraph

    def block(
        self,
        paragraphs: Sequence[Sequence[str]],
        speaker: Sequence[Sequence[bool]] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[list[Flags]]:
        """Flags of the next paragraphs of the document; ``ids`` name them in
        :meth:`positional` (default: their 0-based index in the document).

        Why the shape of this code: run on every paragraph, the rules cost about 25 us per
        line, most of it spent proving that a line is plain body text. Here scans of the whole
        block find the few paragraphs a rule can apply to (a line that can start like a widget,
        a date or a file name; a piece of a widget phrase; a colon for a photo credit; the line
        after image debris), the exact rules run on those only, and syllables are counted
        exactly only where a bound on them does not decide. The flags are those of the
        reference path (``DocumentFlagger(reference=True)``) for every input.
        """
        if self._reference:
            return self._block_reference(paragraphs, speaker, ids)
        if speaker is not None and (
            len(speaker) != len(paragraphs) or list(map(len, speaker)) != list(map(len, paragraphs))
        ):
            raise ValueError("speaker must have one bool per segment, in the shape of paragraphs")
        count = len(paragraphs)
        if ids is None:
            ids = range(self._next, self._next + count)
        self._next += count
        joined = list(map(" ".join, paragraphs))
        lines = normalize_all(joined)
        speaking = [False] * count if speaker is None else list(map(any, speaker))

        # Pass 1: flags from a paragraph's own text (and the one before it).
        line_flags: dict[int, str] = {}
        for i in _rule_candidates(lines):
            if paragraphs[i] and not speaking[i]:
                flag = _line_flag(lines[i])
                if flag is not None:
                    line_flags[i] = flag
        flags: dict[int, list[set[str]]] = {
            i: [{f} for _ in paragraphs[i]] for i, f in line_flags.items()
        }
        # A caption follows image debris: the next non-empty paragraph, maybe in this block.
        after_image: set[int] = set()
        previous = self._previous
        for i in [-1, *sorted(line_flags)] if previous == "image-debris" else sorted(line_flags):
            if i >= 0 and line_flags[i] != "image-debris":
                continue
            j = i + 1
            while j < count and not paragraphs[j]:
                j += 1
            if j < count:
                after_image.add(j)
        # A photo credit holds a colon (no character has one in its NFC form but the colon).
        colons = compress(range(count), map(str.__contains__, joined, repeat(":")))
        for i in sorted(after_image.union(colons)):
            segs = paragraphs[i]
            if not segs or i in line_flags:
                continue
            credits = [is_photo_credit(s) for s in segs]
            others = [j for j, credit in enumerate(credits) if not credit]
            glued = credits[-1] and bool(others)
            after = i in after_image and 0 < len(others) <= CAPTION_MAX_SEGMENTS
            caption = glued or (after and not speaking[i])
            if caption or any(credits):
                marks: list[set[str]] = [set() for _ in segs]
                for j, credit in enumerate(credits):
                    if credit:
                        marks[j].add("photo-credit")
                if caption:
                    for j in others:
                        marks[j].add("caption")
                flags[i] = marks
        last = count - 1
        while last >= 0 and not paragraphs[last]:
            last -= 1
        if last >= 0:
            self._previous = line_flags.get(last)

        # Pass 2: body paragraphs, and the heading and byline candidates around them.
        seen_body = self._seen_body
        heading, byline = self._heading, self._byline
        exact: list[int] | None = None  # syllables of each line, counted when first needed
        for i, segs, line in zip(range(count), paragraphs, lines, strict=True):
            if not segs or i in flags:
                continue
            if len(segs) == 1:
                seg = segs[0]
                tail = seg.rstrip().rstrip(_CLOSERS).rstrip()[-1:]
                ends = tail in _SENTENCE_ENDS
                clause = tail in _CLAUSE_ENDS if line is seg else _ends_clause(line)
            else:
                ends = any(ends_sentence(s) for s in segs)
                clause = _ends_clause(line)
            tokens = line.count(" ") + 1 if line else 0  # at least its syllables
            if ends and tokens >= BODY_MIN_SYLLABLES:
                if exact is None:
                    exact = _syllable_counts(lines)
                if exact[i] >= BODY_MIN_SYLLABLES:
                    seen_body = True
                    del byline[:]
                    continue
            if speaking[i] or clause:
                continue
            bound = BYLINE_MAX_SYLLABLES if seen_body else HEADING_MAX_SYLLABLES
            if tokens > bound:
                if exact is None:
                    exact = _syllable_counts(lines)
                if exact[i] > bound:
                    continue
            (byline if seen_body else heading).append(ids[i])
        self._seen_body = seen_body

        if speaker is not None:
            for i in compress(range(count), speaking):
                own = flags.setdefault(i, [set() for _ in paragraphs[i]])
                for j, mark in enumerate(speaker[i]):
                    if mark:
                        own[j].add("speaker-label")
        # File names and dates have no language: only text is identified.
        languages = langid.segment_flags(paragraphs)
        for i in compress(range(len(languages)), map(any, languages)):
            own = flags.setdefault(i, [set() for _ in paragraphs[i]])
            for j, mark in enumerate(languages[i]):
                if mark and not own[j] & _NO_LANGUAGE:
                    own[j].add("not-vietnamese")
        out: list[list[Flags]] = [[()] * len(p) for p in paragraphs]
        for i, marks in flags.items():
            out[i] = [_ordered(f) for f in marks]
        return out

    def _block_reference(
        self,
        paragraphs: Sequence[Sequence[str]],
        speaker: Sequence[Sequence[bool]] | None,
        ids: Sequence[int] | None,
    ) -> list[list[Flags]]:
        """:meth:`block` with every rule run on every paragraph (the reference path)."""
        if speaker is None:
            speaker = [[False] * len(p) for p in paragraphs]
        if len(speaker) != len(paragraphs) or any(
            len(s) != len(p) for s, p in zip(speaker, paragraphs, strict=False)
        ):
            raise ValueError("speaker must have one bool per segment, in the shape of paragraphs")
        if ids is None:
            ids = range(self._next, self._next + len(paragraphs))
        self._next += len(paragraphs)

        flags: list[list[set[str]]] = [[set() for _ in p] for p in paragraphs]
        lines = [normalize(" ".join(p)) for p in paragraphs]

        previous = self._previous
        for i, segs in enumerate(paragraphs):
            if not segs:
                continue
            has_speaker = any(speaker[i])
            line_flag = None if has_speaker else _line_flag(lines[i])
            if line_flag is not None:
                for f in flags[i]:
                    f.add(line_flag)
            else:
                credits = [is_photo_credit(s) for s in segs]
                for j, credit in enumerate(credits):
                    if credit:
                        flags[i][j].add("photo-credit")
                others = [j for j, credit in enumerate(credits) if not credit]
                glued = credits[-1] and bool(others)
                after_image = previous == "image-debris" and 0 < len(others) <= CAPTION_MAX_SEGMENTS
                caption = glued or (after_image and not has_speaker)
                if caption:
                    for j in others:
                        flags[i][j].add("caption")
            previous = line_flag
        self._previous = previous

        for i, segs in enumerate(paragraphs):
            if not segs or any(flags[i]):
                continue
            n = syllables(lines[i])
            if n >= BODY_MIN_SYLLABLES and any(ends_sentence(s) for s in segs):
                self._seen_body = True
                del self._byline[:]
                continue
            if any(speaker[i]) or _ends_clause(lines[i]):
                continue
            if not self._seen_body:
                if n <= HEADING_MAX_SYLLABLES:
                    self._heading.append(ids[i])
            elif n <= BYLINE_MAX_SYLLABLES:
                self._byline.append(ids[i])

        for i, marks in enumerate(speaker):
            for j, mark in enumerate(marks):
                if mark:
                    flags[i][j].add("speaker-label")
        # File names and dates have no language: only text is identified.
        for i, marks in enumerate(langid.segment_flags(paragraphs)):
            for j, mark in enumerate(marks):
                if mark and not flags[i][j] & _NO_LANGUAGE:
                    flags[i][j].add("not-vietnamese")
        return [[_ordered(f) for f in para] for para in flags]

    def positional(self) -> dict[int, str]:
        """Paragraph id → ``heading`` or ``byline``, for the blocks seen so far taken as the
        whole document (nothing without a body paragraph)."""
        if not self._seen_body:
            return {}
        return {i: "heading" for i in self._heading} | {i: "byline" for i in self._byline}


def _ordered(names: set[str]) -> Flags:
    return tuple(name for name in FLAGS if name in names)


# --- cross-document repetition ---------------------------------------------------------------


def paragraph_key(segments: Sequence[str]) -> str:
    """The form under which paragraphs count as repeats: normalized, casefolded, digits as 0.

    Digits are folded so counters ('Bình luận (3)', '381 lượt xem') repeat too.
    """
    return _DIGITS.sub("0", normalize(" ".join(segments)).casefold())


def paragraph_keys(paragraphs: Sequence[Sequence[str]]) -> list[str]:
    """``[paragraph_key(p) for p in paragraphs]``, casefolded and digit-folded as one block.

    Why: a store keys every paragraph it holds; per paragraph that cost more than storing it.
    Casefolding works character by character and no character folds to a newline, so the
    folded block splits back into the folded lines.
    """
    if not paragraphs:
        return []
    lines = normalize_all(list(map(" ".join, paragraphs)))
    return _DIGITS.sub("0", "\n".join(lines).casefold()).split("\n")


def boilerplate_keys(
    documents: Sequence[Sequence[Sequence[str]]], *, min_docs: int = 3, min_share: float = 0.2
) -> set[str]:
    """Paragraph keys found in at least ``min_docs`` documents and ``min_share`` of the batch."""
    counts: Counter[str] = Counter()
    for doc in documents:
        counts.update({key for para in doc if (key := paragraph_key(para))})
    return repeated_keys(counts, len(documents), min_docs=min_docs, min_share=min_share)


def boilerplate_threshold(documents: int, *, min_docs: int = 3, min_share: float = 0.2) -> float:
    """How many documents a paragraph must occur in, among ``documents``, to be boilerplate.

    The one rule of the ``boilerplate`` flag, for a batch (:func:`flag_batch`) and for a whole
    store (``aligned`` counts paragraphs over every stored document and asks this function).
    """
    if min_docs < 1:
        raise ConfigError(f"boilerplate min_docs must be at least 1, got {min_docs}")
    if not 0.0 <= min_share <= 1.0:
        raise ConfigError(f"boilerplate min_share must be between 0 and 1, got {min_share}")
    return max(min_docs, min_share * documents)


def repeated_keys(
    counts: Mapping[K, int], documents: int, *, min_docs: int = 3, min_share: float = 0.2
) -> set[K]:
    """The keys of ``counts`` (paragraph → number of documents holding it, out of
    ``documents``) that are boilerplate under :func:`boilerplate_threshold`."""
    needed = boilerplate_threshold(documents, min_docs=min_docs, min_share=min_share)
    return {key for key, n in counts.items() if n >= needed}


def flag_batch(
    documents: Sequence[Sequence[Sequence[str]]],
    flags: Sequence[Sequence[Sequence[Flags]]] | None = None,
    *,
    min_docs: int = 3,
    min_share: float = 0.2,
) -> list[list[list[Flags]]]:
    """Add ``boilerplate`` to cross-document repeats; return the flags of every segment.

    ``documents`` holds each document's paragraphs of segment texts; ``flags`` the flags
    ``flag_document`` gave each of them (same shape; None = no flags yet). A paragraph whose
    ``paragraph_key`` occurs in at least ``min_docs`` documents and at least ``min_share`` of the
    batch gets ``boilerplate`` on all its segments, in addition to its other flags. This catches
    site furniture without a phrase list; note that a document present three or more times in a
    small batch is flagged whole.
    """
    if flags is not None and (
        len(flags) != len(documents)
        or any(
            len(fd) != len(doc) or any(len(fp) != len(p) for fp, p in zip(fd, doc, strict=False))
            for fd, doc in zip(flags, documents, strict=False)
        )
    ):
        raise ValueError("flags must have one tuple per segment, in the shape of documents")
    repeated = boilerplate_keys(documents, min_docs=min_docs, min_share=min_share)
    out: list[list[list[Flags]]] = []
    for d, doc in enumerate(documents):
        doc_out: list[list[Flags]] = []
        for p, para in enumerate(doc):
            old = [()] * len(para) if flags is None else flags[d][p]
            if para and paragraph_key(para) in repeated:
                doc_out.append([_ordered({*f, "boilerplate"}) for f in old])
            else:
                doc_out.append(list(old))
        out.append(doc_out)
    return out


def drop_help() -> str:
    """What ``--drop`` accepts, for the CLI's help: every flag name and the default set."""
    names = ", ".join(FLAGS)
    default = ",".join(f for f in FLAGS if f in DROP_BY_DEFAULT)
    return f"flags: {names}; 'default' = {default}; 'none' = keep all"


def with_flag(flags: Sequence[str], name: str, present: bool = True) -> Flags:
    """``flags`` with ``name`` added (``present``) or removed, in ``FLAGS`` order (names
    ``FLAGS`` does not know, e.g. from an imported file, kept at the end)."""
    names = set(flags) | {name} if present else set(flags) - {name}
    return _ordered(names) + tuple(f for f in flags if f not in FLAGS and f in names)
