"""Rule-based sentence segmenter for cleaned Vietnamese news text.

Hand-written because no library handles Vietnamese news well enough (segmentation study §1,
§3): the best one, underthesea 9.5.0, scores boundary F1 0.952 on the seed articles (0.980 on UD
dev) and moves a closing quote to the next sentence, splits ``./.`` and every dot of a domain,
and brings 22 dependencies; sentencex and pysbd use English rules (0.66-0.69 on UD), Punkt and
spaCy have no Vietnamese model. A regex splitter plus the rule layer of study §5 reached F1 1.000
on the seeds (sentence boundaries and speaker labels) and 0.992 on UD dev in the prototype; this
module implements those rules with the stdlib ``re`` only.

Rules (study §5): a candidate is a run of ``. ! ? …`` (or the end mark ``./.``) with any closing
quotes or brackets, followed by whitespace; it is a boundary only when the next character is a
capital, a digit (not after an ellipsis) or an opening quote/bracket, the word before a lone
period is no abbreviation (``TP. HCM``, ``PGS.TS. Nguyễn``) or initial (``Nguyễn Văn T.``), and
what it would cut off is not a bare list marker (``1.``). Speaker labels at a paragraph start
(``Phóng viên:``, ``Trung tướng Tô Ân Xô:``) are segments of their own, and a label seen with a
colon anywhere in the document is also split off where it is glued to the next capital
(``Tô Ân XôNói về``). Quotes are not balanced: sentences inside quotations are split as UD does.

Input is one paragraph of text cleaned by ``corpus.clean`` (NBSP already a space).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ABBREVIATIONS", "Segmenter", "Span", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Span:
    """``paragraph[start:end]`` is one segment; ``speaker`` marks a speaker label."""

    start: int
    end: int
    speaker: bool = False


# Non-final abbreviations, compared case-sensitively with the word before a lone period.
# ``v.v.`` and ``etc.`` are deliberately absent: before a capital they end the sentence.
ABBREVIATIONS = frozenset(
    # places: thành phố, thị xã, thị trấn / Tổng thống, quận, phường, huyện, xã, khu phố
    {"TP", "Tp", "tp", "TX", "TT", "Q", "P", "H", "X", "KP"}
    # titles
    | {"GS", "PGS", "TS", "TSKH", "ThS", "Ths", "BS", "BSCKI", "BSCKII", "KS", "CN", "LS", "DS"}
    | {"NCS", "NSND", "NSƯT", "NGND", "NGƯT", "HLV", "GĐ", "Lm"}
    # foreign titles
    | {"Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Jr", "Sr", "Co", "No"}
    # citations
    | {"tr", "Tr", "Nxb", "NXB"}
)

# Words that make a following single capital + "." an initial (anh Nguyễn Văn T. / bà H.).
_PERSON_WORDS = frozenset(
    {"ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cụ", "cháu", "thầy", "cậu", "dì"}
    | {"mợ", "thím", "con", "bé", "chàng", "nàng"}
)

_UPPER = "".join(c for c in map(chr, [*range(0x41, 0x250), *range(0x1E00, 0x1F00)]) if c.isupper())
_LOWER = "".join(c for c in map(chr, [*range(0x61, 0x250), *range(0x1E00, 0x1F00)]) if c.islower())

_OPENERS = "“\"‘'«(["
# group 1: the punctuation run, group 2: closing quotes/brackets; whitespace must follow.
_CANDIDATE = re.compile(r"((?:\./\.|[.!?…])+)([\"”’'»)\]]*)(?=\s)")
_WS = re.compile(r"\s+")
_ALNUM = re.compile(r"[^\W_]")
# A left part that is only a list marker: 1.  12.3.  II.  a.  (3).  A.
_MARKER = re.compile(r"[(\[]?(?:\d+(?:\.\d+)*|[IVXLCDM]+|\w)[.)\]]*")

_CAP_WORD = f"[{_UPPER}][{_LOWER}{_UPPER}]*"
_KNOWN_LABELS = r"Phóng viên|PV|Hỏi|Đáp|Trả lời|MC|Câu hỏi|Người dẫn chương trình|BTV"
_TITLES = (
    r"(?:Đại|Thượng|Trung|Thiếu) (?:tướng|tá|úy|uý)"
    r"|(?:Phó )?(?:Thủ tướng|Bộ trưởng|Thứ trưởng|Chủ tịch|Tổng Bí thư|Bí thư|Giám đốc"
    r"|Tổng Giám đốc|Tổng giám đốc|Chủ nhiệm|Viện trưởng|Cục trưởng|Vụ trưởng|Chánh Văn phòng"
    r"|Hiệu trưởng|Trưởng phòng|Trưởng ban|Đại sứ|Giáo sư|Tiến sĩ)"
    r"|Ông|Bà|Anh|Chị|Đồng chí|Luật sư|Bác sĩ|Nhà báo|Đại biểu|Nghệ sĩ|Nhà văn"
    r"|GS|PGS|TS|ThS|BS|LS|PGS\.TS\.|GS\.TS\.|TS\.|ThS\.|BS\."
)
# A colon label at a paragraph start; group 1 is the label without the colon.
_COLON_LABEL = re.compile(
    rf"((?:{_KNOWN_LABELS})|(?:{_TITLES})(?: {_CAP_WORD}){{1,4}}) ?:(?=\s|[{_UPPER}“\"]|\Z)"
)


class Segmenter:
    """Splits paragraphs into sentence spans, remembering a document's speaker labels.

    ``split`` learns the colon label of the paragraph it is given, so a glued label is split
    only after its colon form was seen; ``split_document`` learns from all paragraphs first.
    Use one Segmenter per document: labels are document-level knowledge.
    """

    def __init__(self, labels: Iterable[str] = ()) -> None:
        self._labels: set[str] = set(labels)
        self._ordered: list[str] = sorted(self._labels, key=len, reverse=True)

    @property
    def labels(self) -> frozenset[str]:
        """Speaker labels (without the colon) seen so far."""
        return frozenset(self._labels)

    def learn(self, paragraph: str) -> str | None:
        """Remember the colon speaker label that starts ``paragraph``, if any, and return it."""
        m = _COLON_LABEL.match(paragraph.strip())
        if m is None:
            return None
        self._remember(m[1])
        return m[1]

    def _remember(self, label: str) -> None:
        if label not in self._labels:
            self._labels.add(label)
            self._ordered = sorted(self._labels, key=len, reverse=True)

    def split_document(self, paragraphs: list[str]) -> list[list[Span]]:
        """Spans of every paragraph; labels are collected from all paragraphs before splitting."""
        for p in paragraphs:
            self.learn(p)
        return [self.split(p) for p in paragraphs]

    def split(self, paragraph: str) -> list[Span]:
        """Sentence spans of one paragraph, stripped, never empty; [] for a blank paragraph."""
        end = len(paragraph.rstrip())
        start = len(paragraph) - len(paragraph.lstrip())
        if start >= end:
            return []
        spans: list[Span] = []
        label_end = self._label_end(paragraph, start, end)
        if label_end:
            spans.append(Span(start, label_end, speaker=True))
            ws = _WS.match(paragraph, label_end, end)
            start = ws.end() if ws else label_end
            if start >= end:
                return spans
        last = start
        for cand in _CANDIDATE.finditer(paragraph, start, end):
            cut = cand.end()
            nxt = _WS.match(paragraph, cut, end)
            if nxt is None or nxt.end() >= end:
                continue
            if self._is_boundary(paragraph, last, cand, nxt.end()):
                spans.append(Span(last, cut))
                last = nxt.end()
        spans.append(Span(last, end))
        return spans

    def _label_end(self, paragraph: str, start: int, end: int) -> int:
        """End of the speaker label starting the paragraph (colon included), or 0."""
        m = _COLON_LABEL.match(paragraph, start, end)
        if m is not None:
            self._remember(m[1])
            return m.end()
        for label in self._ordered:
            # Glued: the label's last word runs into a capitalized word (Tô Ân XôNói về).
            e = start + len(label)
            if (
                e + 1 < end
                and label[-1].islower()
                and paragraph[e].isupper()
                and paragraph[e + 1].islower()
                and paragraph.startswith(label, start)
            ):
                return e
        return 0

    @staticmethod
    def _is_boundary(text: str, last: int, cand: re.Match[str], nxt: int) -> bool:
        punct, closers = cand[1], cand[2]
        ch = text[nxt]
        ellipsis = punct.endswith(("…", ".."))
        if ch.isupper():
            pass
        elif ch.isdigit():
            if ellipsis:  # Mũ bảo hiểm... 19.000 đồng
                return False
        elif ch == "(":
            if not (nxt + 1 < len(text) and text[nxt + 1].isupper()):  # T. (35 tuổi
                return False
        elif ch not in _OPENERS:  # lowercase, dashes (attribution), anything else
            return False
        if _MARKER.fullmatch(text, last, cand.end()) or not _ALNUM.search(text, last, cand.end()):
            return False  # never cut off a bare list marker or punctuation
        if punct != "." or closers:
            return True
        dot = cand.start()
        w = dot
        while w > last and text[w - 1].isalnum():
            w -= 1
        word = text[w:dot]
        if word in ABBREVIATIONS:
            return False
        if len(word) == 1 and word.islower() and text[w - 1 : w].isspace():
            p = w - 1
            while p > last and text[p - 1].isspace():
                p -= 1
            if p > last and text[p - 1] in ".;:!?)":
                return False  # a list marker after a clause end: "… kỹ. b. Thực hiện"
        if len(word) == 1 and word.isupper() and word != "Ý":  # Ý = Italy, always final
            p = w
            while p > last and text[p - 1] == " ":
                p -= 1
            if p == w:  # glued to something before: not a standalone initial
                return True
            q = p
            while q > last and text[q - 1].isalnum():
                q -= 1
            prev = text[q:p]
            if prev and (prev[0].isupper() or prev.lower() in _PERSON_WORDS):
                return False  # Nguyễn Văn T.
        return True


def split_sentences(text: str) -> list[str]:
    """Segments of a cleaned text whose non-blank lines are paragraphs (a convenience)."""
    paragraphs = [line for line in text.split("\n") if line.strip()]
    spans = Segmenter().split_document(paragraphs)
    return [p[s.start : s.end] for p, ps in zip(paragraphs, spans, strict=True) for s in ps]
