"""Language identification of segments: the ``not-vietnamese`` flag and the English check.

Why: scraped Vietnamese pages carry text in other languages (English quotes and abstracts,
site furniture, Chinese or Japanese names of products); translating it vi→en wastes time and
puts noise into the corpus, and an MT output that is not English is a failed translation.

The identifier is py3langid 0.4 (a naive Bayes model over byte n-grams, 140 language labels, its
4.6 MB model shipped in the wheel; chosen in ``benchmarks/langid.py``, results in
``notes/langid-results.md``). It is loaded on first use, never at import time (about 0.5 s),
and its probabilities are normalized, so a threshold means the same at every length.

Rule (``benchmarks/langid.py --project``, shared data: 6,382 Vietnamese sentences, 6,839
English and 1,632 other-language texts): a text is *not Vietnamese* when it has at least
:data:`MIN_LETTERS` letters and P(vi) is below :data:`NOT_VIETNAMESE_BELOW`. Flagged: 0.00 %
of the Vietnamese news sentences (NTREX-128, FLORES-200, VTB, seed bodies), 0.02 % of all
Vietnamese sentences (one tone-less Tatoeba line), 94 % of English and 93 % of other texts
(100 % of those with 15+ letters). Without tone marks, 10.8 % of news sentences are flagged.
Short texts: Vietnamese strings with fewer than 3 letters ("2022", "%s") are always
misidentified, and abbreviations and source lines of Vietnamese news are too ("TTXVN",
"TP.HCM", "Theo Reuters" and "Theo VnExpress" get P(vi) < 0.02), so a segment with fewer than
15 letters is never judged alone: :func:`segment_flags` lets it follow its paragraph.

Speed: :func:`segment_flags` judges a whole block at once (letters counted over code-point
tables; py3langid's ``rank`` re-implemented over many texts, :func:`vietnamese_probabilities`)
with exactly the flags of :func:`is_not_vietnamese` per segment. ``benchmarks/langid_batch.py``:
on 100,000 one-line Vietnamese segments (7,851 ranked by the model) 2.7-3.1 s one at a time,
0.22-0.35 s batched; on the 13,240 shared parallel lines (2/3 English) 1.25 s vs 0.3-0.4 s.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from corpus.errors import ModelError

#: Texts with fewer letters (``str.isalpha``) are never flagged alone: "TTXVN", "Theo Reuters".
MIN_LETTERS = 15
#: A text of at least ``MIN_LETTERS`` letters is not Vietnamese when P(vi) is below this.
#: Measured: 0.00 % of the Vietnamese news sentences flagged (NTREX-128, FLORES-200, VTB,
#: seeds); every English and other-language text of 15+ letters flagged.
NOT_VIETNAMESE_BELOW = 0.1
#: An MT output of at least ``MIN_LETTERS`` letters is not English when P(en) is below this.
#: Measured: 2 of 4,024 real OPUS-MT outputs flagged (0.05 %), both headline-like name lists.
NOT_ENGLISH_BELOW = 0.1
#: What one Han, kana or Hangul character counts in :func:`letters`.
WIDE_LETTER = 3
#: Kana, Han (with the compatibility and supplementary ideographs) and Hangul syllables.
_WIDE_RANGES = (
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)
_WIDE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _WIDE_RANGES) + "]")

_INSTALL = "pip install 'py3langid>=0.4,<0.5'"


@functools.cache
def _identifier() -> Any:
    """The py3langid identifier with normalized probabilities (loaded once, on first use)."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as exc:
        raise ModelError(
            f"language identification needs py3langid, which is not installed ({exc}); "
            f"install it with: {_INSTALL}"
        ) from exc
    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except (AttributeError, OSError, ValueError) as exc:
        raise ModelError(
            f"could not load the py3langid model {MODEL_FILE!r} ({exc}); "
            f"reinstall a supported version: {_INSTALL}"
        ) from exc


def letters(text: str) -> int:
    """Letters in text, a Han, kana or Hangul character counting as :data:`WIDE_LETTER`.

    Identification below :data:`MIN_LETTERS` is unreliable. A CJK character stands for about a
    word, so "政府周一批准了新的省级规划。" (13 characters) counts 39, not 13.
    """
    wide = sum(1 for ch in _WIDE.findall(text) if ch.isalpha())  # rare: a cheap scan first
    return sum(map(str.isalpha, text)) + (WIDE_LETTER - 1) * wide


def language_probabilities(text: str) -> dict[str, float]:
    """Probability of each of the model's 140 languages (ISO 639 codes) for text; sum 1."""
    return {lang: float(p) for lang, p in _identifier().rank(" ".join(text.split()))}


def vietnamese_probability(text: str) -> float:
    """P(vi) of text (0 to 1). A text with no letters gets a uniform, meaningless 1/140."""
    return language_probabilities(text).get("vi", 0.0)


def english_probability(text: str) -> float:
    """P(en) of text (0 to 1), for the ``not-english`` check on translations."""
    return language_probabilities(text).get("en", 0.0)


#: Letters only Vietnamese writes (đ, ơ, ư, dot below, hook above, and tone marks on
#: circumflex/breve vowels): French, Portuguese or Romanian have none of them.
VIETNAMESE_ONLY = frozenset(
    "đơư"
    "ạặậẹệịọộợụựỵ"
    "ảẳẩẻểỉỏổởủửỷ"
    "ẽễĩũữỹỗỡẵẫ"
    "ầấằắềếồốờớừứỳ"
    "ĐƠƯ"
    "ẠẶẬẸỆỊỌỘỢỤỰỴ"
    "ẢẲẨẺỂỈỎỔỞỦỬỶ"
    "ẼỄĨŨỮỸỖỠẴẪ"
    "ẦẤẰẮỀẾỒỐỜỚỪỨỲ"
)
#: Share of letters from :data:`VIETNAMESE_ONLY` above which a text is Vietnamese at sight.
VIETNAMESE_AT_SIGHT = 0.12


def vietnamese_at_sight(text: str) -> bool:
    """True when the text is plainly Vietnamese: ≥ 12 % of its letters are Vietnamese-only.

    Why: identification is most of the cost of storing a corpus (py3langid ranks 140 languages,
    about 3,000 segments/s per core); this test decides about 70 % of news sentences without
    it. Measured on the 13,240 distinct texts of the shared test sets (Vietnamese sources,
    English references and MT outputs): 4,116 are decided at sight and py3langid agrees on every
    one (none would be flagged ``not-vietnamese``).
    """
    n = sum(map(str.isalpha, text))
    return n > 0 and sum(1 for ch in text if ch in VIETNAMESE_ONLY) >= VIETNAMESE_AT_SIGHT * n


def is_not_vietnamese(text: str) -> bool:
    """Whether text is long enough to judge and is not Vietnamese (see the module rule)."""
    return (
        letters(text) >= MIN_LETTERS
        and not vietnamese_at_sight(text)
        and vietnamese_probability(text) < NOT_VIETNAMESE_BELOW
    )


def is_not_english(text: str) -> bool:
    """Whether text is long enough to judge and is not English (see :data:`NOT_ENGLISH_BELOW`)."""
    return letters(text) >= MIN_LETTERS and english_probability(text) < NOT_ENGLISH_BELOW


def segment_flags_reference(paragraphs: Sequence[Sequence[str]]) -> list[list[bool]]:
    """:func:`segment_flags` one segment at a time with the per-text functions: the rule as
    written, which the batch path is tested (and benchmarked) against."""
    out = []
    for segs in paragraphs:
        paragraph: bool | None = None  # the verdict on the whole paragraph, computed if needed
        marks = []
        for seg in segs:
            if letters(seg) >= MIN_LETTERS:
                marks.append(is_not_vietnamese(seg))
                continue
            if paragraph is None:
                paragraph = is_not_vietnamese(" ".join(segs))
            marks.append(paragraph)
        out.append(marks)
    return out


def segment_flags(paragraphs: Sequence[Sequence[str]]) -> list[list[bool]]:
    """Which segments are not Vietnamese, per paragraph.

    A segment of at least :data:`MIN_LETTERS` letters is judged on its own text, so an English
    quote inside a Vietnamese paragraph is flagged alone. A shorter segment ("Yes.", "Thanks!")
    follows its paragraph, judged as a whole: flagged in an English paragraph, never in a
    Vietnamese one, and never when the whole paragraph is itself too short to judge.

    The verdicts are those of :func:`is_not_vietnamese`, computed for all segments of the call
    at once (letter counts over code-point tables, py3langid batched: :func:`_is_not_vi_batch`).
    """
    import numpy as np

    sizes = list(map(len, paragraphs))
    flat = list(itertools.chain.from_iterable(paragraphs))
    if not flat:
        return [[] for _ in sizes]
    n_letters, n_alpha, n_vi = _letter_counts(flat)
    long = n_letters >= MIN_LETTERS
    rank = long & ~_at_sight(n_alpha, n_vi)  # judged alone, by the model

    # Paragraphs with a short segment are judged whole: counts add up over the segments.
    counts = np.asarray(sizes, dtype=np.int64)
    nonempty = counts > 0
    starts = (np.cumsum(counts) - counts)[nonempty]
    has_short = np.zeros(len(sizes), dtype=bool)
    has_short[nonempty] = np.minimum.reduceat(long, starts) == 0
    p_letters, p_alpha, p_vi = (
        np.add.reduceat(a, starts)[has_short[nonempty]] for a in (n_letters, n_alpha, n_vi)
    )
    p_rank = (p_letters >= MIN_LETTERS) & ~_at_sight(p_alpha, p_vi)
    judged = np.flatnonzero(has_short)
    para_texts = [" ".join(paragraphs[i]) for i in judged[p_rank].tolist()]

    seg_texts = [flat[i] for i in np.flatnonzero(rank).tolist()]
    verdicts = iter(_is_not_vi_batch([*seg_texts, *para_texts]))
    flags = np.zeros(len(flat), dtype=bool)
    flags[rank] = np.fromiter(verdicts, dtype=bool, count=len(seg_texts))
    para_flag = np.zeros(len(sizes), dtype=bool)
    para_flag[judged[p_rank]] = np.fromiter(verdicts, dtype=bool, count=len(para_texts))
    short = ~long
    flags[short] = np.repeat(para_flag, counts)[short]

    marks = flags.tolist()
    out: list[list[bool]] = []
    at = 0
    for size in sizes:
        out.append(marks[at : at + size])
        at += size
    return out


# --- the batch path --------------------------------------------------------------------------
# segment_flags decides every segment of a block at once. Letters are counted with per-code-point
# tables over the code points of all texts; the texts left to the model go through a
# re-implementation of py3langid 0.4's ``LanguageIdentifier.rank`` vectorized across texts
# (py3langid has no batch API and walks its DFA byte by byte in Python, about 300 us a text).
# It reads the identifier's own arrays, so the model is the same; only the float32 summation
# order differs (P differs by < 1e-6 on the shared data), and a text whose P(vi) falls within
# _RECHECK_BAND of the threshold is decided by the per-text path, so the flags are exactly
# those of is_not_vietnamese.

#: Batch P(vi) this close to NOT_VIETNAMESE_BELOW is recomputed by :func:`vietnamese_probability`.
_RECHECK_BAND = 1e-3
#: Code points counted by one vectorized pass (bounds the memory of a large block).
_COUNT_CHUNK = 1 << 20
#: Field width of the packed per-code-point counts: a longer text is counted in Python.
_FIELD_BITS = 21
#: Bytes x texts of one DFA walk matrix, and texts x distinct features of one score matrix.
_WALK_CELLS = 1 << 21
_SCORE_CELLS = 1 << 19
#: Texts still walking below which the rest of their bytes are walked in Python.
_WALK_MIN_ACTIVE = 8


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:  # numpy comes with py3langid
        raise ModelError(
            f"language identification needs numpy, which is not installed ({exc}); "
            f"install it with: {_INSTALL}"
        ) from exc
    return numpy


@functools.cache
def _char_table() -> Any:
    """Per BMP code point: 1 if a letter, + 1 << 21 if a wide letter, + 1 << 42 if
    Vietnamese-only (uint64), so one sum over a text gives its three counts."""
    np = _numpy()
    alpha = np.fromiter((chr(c).isalpha() for c in range(0x10000)), dtype=bool, count=0x10000)
    wide = np.zeros(0x10000, dtype=bool)
    for lo, hi in _WIDE_RANGES:
        wide[lo : min(hi, 0xFFFF) + 1] = True
    vi = np.zeros(0x10000, dtype=bool)
    vi[[ord(ch) for ch in VIETNAMESE_ONLY]] = True
    assert not (vi & ~alpha).any()  # all Vietnamese-only characters are letters
    table = alpha.astype(np.uint64)
    table += (alpha & wide).astype(np.uint64) << np.uint64(_FIELD_BITS)
    table += vi.astype(np.uint64) << np.uint64(2 * _FIELD_BITS)
    return table


def _counts_py(text: str) -> tuple[int, int, int]:
    """(letters, str.isalpha letters, Vietnamese-only letters) of text, as the functions above."""
    n = sum(map(str.isalpha, text))
    return letters(text), n, sum(1 for ch in text if ch in VIETNAMESE_ONLY)


def _letter_counts(texts: Sequence[str]) -> tuple[Any, Any, Any]:
    """:func:`letters`, letters and Vietnamese-only letters of each text (int64 arrays)."""
    np = _numpy()
    table = _char_table()
    original = texts
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    sums = np.zeros(len(texts), dtype=np.uint64)
    python: list[int] = np.flatnonzero(lens >= 1 << _FIELD_BITS).tolist()
    if python:  # counted in Python only
        texts = list(texts)
        for i in python:
            texts[i] = ""
        lens[python] = 0
    ends = np.cumsum(lens)
    first = 0
    while first < len(texts):
        # a run of texts of at most _COUNT_CHUNK code points (or one longer text)
        before = int(ends[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(ends, before + _COUNT_CHUNK, side="right")))
        joined = "".join(texts[first:last])
        try:
            encoded = joined.encode("utf-16-le")  # half the bytes of UTF-32
        except UnicodeEncodeError:  # a lone surrogate
            encoded = b""
        if len(encoded) == 2 * len(joined):
            values = table[np.frombuffer(encoded, dtype=np.uint16)]
        else:  # astral characters (or lone surrogates): the texts with any counted in Python
            points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            astral = np.flatnonzero(points > 0xFFFF)
            at = np.searchsorted(ends[first:last] - before, astral, side="right")
            python += (first + np.unique(at)).tolist()
            values = table[np.minimum(points, 0xFFFF)]
        size = lens[first:last]
        if len(values):
            starts = (ends[first:last] - before - size)[size > 0]
            sums[first:last][size > 0] = np.add.reduceat(values, starts)
        first = last
    mask = np.uint64((1 << _FIELD_BITS) - 1)
    alpha = (sums & mask).astype(np.int64)
    wide = ((sums >> np.uint64(_FIELD_BITS)) & mask).astype(np.int64)
    vi = (sums >> np.uint64(2 * _FIELD_BITS)).astype(np.int64)
    n_letters = alpha + (WIDE_LETTER - 1) * wide
    for i in python:
        n_letters[i], alpha[i], vi[i] = _counts_py(original[i])
    return n_letters, alpha, vi


def _at_sight(n_alpha: Any, n_vi: Any) -> Any:
    """:func:`vietnamese_at_sight` from the counts (same float64 comparison)."""
    return (n_alpha > 0) & (n_vi >= VIETNAMESE_AT_SIGHT * n_alpha)


def _is_not_vi_batch(texts: Sequence[str]) -> list[bool]:
    """P(vi) < :data:`NOT_VIETNAMESE_BELOW` for each text, as :func:`vietnamese_probability`."""
    if not texts:
        return []
    probs = vietnamese_probabilities(texts)
    out = []
    for text, p in zip(texts, probs, strict=True):
        if abs(p - NOT_VIETNAMESE_BELOW) < _RECHECK_BAND:
            p = vietnamese_probability(text)  # too close to call on a reordered sum
        out.append(p < NOT_VIETNAMESE_BELOW)
    return out


def not_english_many(texts: Sequence[str]) -> list[bool]:
    """:func:`is_not_english` of each text, computed for all at once (the ``not-english``
    check over a store: per text, py3langid cost more than the rest of a run)."""
    judged = [i for i, t in enumerate(texts) if letters(t) >= MIN_LETTERS]
    out = [False] * len(texts)
    if not judged:
        return out
    probs = _batch_model().probabilities([texts[i] for i in judged], "en")
    for i, p in zip(judged, probs, strict=True):
        if abs(p - NOT_ENGLISH_BELOW) < _RECHECK_BAND:
            p = english_probability(texts[i])  # too close to call on a reordered sum
        out[i] = p < NOT_ENGLISH_BELOW
    return out


def vietnamese_probabilities(texts: Sequence[str]) -> list[float]:
    """P(vi) of each text, computed for all at once (about 10x faster than one at a time).

    Equal to :func:`vietnamese_probability` of each text up to float32 rounding (the sums run in
    another order; < 1e-6 on the shared data).
    """
    return _batch_model().probabilities(texts, "vi")


@functools.cache
def _batch_model() -> _Batch:
    return _Batch(_identifier())


class _Batch:
    """py3langid's ``rank`` of many texts at once, on the identifier's own model arrays."""

    def __init__(self, identifier: Any) -> None:
        np = _numpy()
        self.np = np
        self.classes: list[str] = list(identifier.nb_classes)
        self.nextmove = np.frombuffer(identifier.tk_nextmove, dtype=np.uint32)
        self.rowbase = np.asarray(identifier.tk_row, dtype=np.int64) << 8
        self.output = np.asarray(identifier.tk_output, dtype=np.int64)
        self.ptc = identifier.nb_ptc  # (features, classes), float16
        self.pc = identifier.nb_pc  # (classes,), float32
        self.n_features = int(self.ptc.shape[0])
        # the Python walk of the last few long texts
        self.nextmove_list = identifier.tk_nextmove
        self.rowbase_list = self.rowbase.tolist()

    @staticmethod
    def encode(text: str) -> bytes:
        """The bytes py3langid ranks for text (``language_probabilities`` then ``_encode``)."""
        text = " ".join(text.split())
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")

    def probabilities(self, texts: Sequence[str], label: str) -> list[float]:
        np = self.np
        columns = [i for i, c in enumerate(self.classes) if c == label]
        distinct = list(dict.fromkeys(texts))
        data = [self.encode(t) for t in distinct]
        lens = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
        probs = np.empty(len(data), dtype=np.float32)
        for group in self._by_script(data, lens):
            order = group[np.argsort(-lens[group], kind="stable")]  # longest first
            first = 0
            while first < len(order):
                longest = max(int(lens[order[first]]), 1)
                size = max(1, min(4096, _WALK_CELLS // longest))
                chunk = order[first : first + size]
                probs[chunk] = self._probabilities(data, chunk, lens[chunk], columns)
                first += size
        by_text = dict(zip(distinct, probs.tolist(), strict=True))
        return [by_text[t] for t in texts]

    def _by_script(self, data: list[bytes], lens: Any) -> list[Any]:
        """Indexes of the texts by share of non-ASCII bytes (< 2 %, < 60 %, more): texts of one
        script share most of their features, which keeps the score matrices small."""
        np = self.np
        high = np.frombuffer(b"".join(data), dtype=np.uint8) >= 0x80
        shares = np.zeros(len(data))
        some = lens > 0
        if some.any():
            starts = (np.cumsum(lens) - lens)[some]
            shares[some] = np.add.reduceat(high, starts, dtype=np.int64) / lens[some]
        bucket = np.searchsorted([0.02, 0.6], shares, side="right")
        return [np.flatnonzero(bucket == b) for b in range(3)]

    def _probabilities(self, data: list[bytes], chunk: Any, lens: Any, columns: list[int]) -> Any:
        """P(label) of the texts data[chunk] (lens: their byte lengths, longest first)."""
        np = self.np
        n = len(chunk)
        text, feature = self._features(data, chunk, lens)
        scores = np.zeros((n, self.ptc.shape[1]), dtype=np.float32)  # featureless: 0, uniform
        self._scores(text, feature, 0, n, scores)
        scale = np.array([1.0 / math.sqrt(int(b) or 1) for b in lens.tolist()], np.float32)
        scores *= scale[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        result = scores[:, columns[0]].copy()
        for c in columns[1:]:  # aliased labels (srl -> sr) are merged, as in rank()
            result += scores[:, c]
        return result

    def _features(self, data: list[bytes], chunk: Any, lens: Any) -> tuple[Any, Any]:
        """(text in chunk, feature) for each output of the DFA walk over each text's bytes.

        All texts step at once: byte j of every text still that long (texts come longest
        first, so those are a prefix), as py3langid's ``visit_counts`` does for one text.
        """
        np = self.np
        n, longest = len(chunk), int(lens[0]) if len(chunk) else 0
        if longest == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        buf = np.frombuffer(b"".join([data[i] for i in chunk.tolist()]), dtype=np.uint8)
        col = np.repeat(np.arange(n), lens)
        row = np.arange(len(buf)) - np.repeat(np.cumsum(lens) - lens, lens)
        matrix = np.zeros((longest, n), dtype=np.uint8)
        matrix[row, col] = buf
        states = np.zeros((longest, n), dtype=np.int64)
        active = np.searchsorted(-lens, -np.arange(longest), side="left")  # texts longer than j
        state = np.zeros(n, dtype=np.int64)
        for j in range(longest):
            k = int(active[j])
            if k < _WALK_MIN_ACTIVE:
                self._walk_rest(data, chunk[:k], j, state[:k], states)
                break
            state = np.take(self.nextmove, np.take(self.rowbase, state[:k]) + matrix[j, :k])
            states[j, :k] = state
        found = np.take(self.output, states[row, col])
        keep = found >= 0
        return col[keep], found[keep]

    def _walk_rest(self, data: list[bytes], texts: Any, j: int, state: Any, states: Any) -> None:
        """Walk bytes j.. of the few texts left in Python (cheaper than numpy steps of 1-8)."""
        nm, rowbase = self.nextmove_list, self.rowbase_list
        for i, (t, s) in enumerate(zip(texts.tolist(), state.tolist(), strict=True)):
            walked = []
            for byte in data[t][j:]:
                s = nm[rowbase[s] + byte]
                walked.append(s)
            states[j : j + len(walked), i] = walked

    def _scores(self, text: Any, feature: Any, lo: int, hi: int, out: Any) -> None:
        """Naive Bayes scores of texts lo..hi (``text`` sorted): log1p(counts) @ ptc + pc, as
        one dense product over the features they use (halved while texts x features exceeds
        _SCORE_CELLS)."""
        np = self.np
        a, b = np.searchsorted(text, [lo, hi])
        if a == b:
            return
        present = np.zeros(self.n_features, dtype=bool)
        present[feature[a:b]] = True
        used = np.flatnonzero(present)
        if (hi - lo) * len(used) > _SCORE_CELLS and hi - lo > 1:
            mid = (lo + hi) // 2
            self._scores(text, feature, lo, mid, out)
            self._scores(text, feature, mid, hi, out)
            return
        column = np.zeros(self.n_features, dtype=np.int64)
        column[used] = np.arange(len(used))
        cells = (text[a:b] - lo) * len(used) + column[feature[a:b]]
        counts = np.bincount(cells, minlength=(hi - lo) * len(used)).astype(np.float32)
        np.log1p(counts, out=counts)  # log1p(0) == 0: absent features add nothing
        rows = np.take(self.ptc, used, axis=0).astype(np.float32)
        has = np.zeros(hi - lo, dtype=bool)
        has[text[a:b] - lo] = True
        out[lo:hi][has] = (counts.reshape(hi - lo, len(used)) @ rows)[has] + self.pc
