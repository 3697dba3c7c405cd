"""Fakes the tests share: signatures, translators whose English every test knows exactly, small
documents and stores, and the review server in a thread.

Test modules import these from here (never from one another; ``tests/test_layout.py`` checks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from aligned.runner import translate_pending
from aligned.store import open_store
from corpus.clean import CleanOptions
from corpus.model import Document, Segment
from translate.types import Hypothesis, Signature

TIMEOUT = 15  # seconds: every wait on a server, thread or request is bounded


def fake_signature(
    model: str = "fake", *, revision: str = "local:0", beam: int = 1, max_length: int = 32
) -> Signature:
    """The signature of a fake system (backend "fake", float32, songngu 0.1.0)."""
    return Signature(model, revision, "fake", "float32", beam, max_length, "0.1.0")


SIG = fake_signature()
SIG2 = fake_signature(beam=4)  # a second system that differs from SIG in one setting only


class FakeTranslator:
    """Upper-cases (score -0.5, one token per character); records every batch; with
    ``fail_after`` raises KeyboardInterrupt once that many batches are done (a kill between two
    batches)."""

    def __init__(self, signature: Signature = SIG, fail_after: int | None = None) -> None:
        self._signature = signature
        self.batches: list[list[str]] = []
        self.fail_after = fail_after

    @property
    def signature(self) -> Signature:
        return self._signature

    def hypothesis(self, source: str) -> Hypothesis:
        return Hypothesis(source.upper(), -0.5, len(source), len(source), self._signature)

    def translate(self, sentences: list[str]) -> list[Hypothesis]:
        if self.fail_after is not None and len(self.batches) >= self.fail_after:
            raise KeyboardInterrupt  # a kill between two batches
        self.batches.append(list(sentences))
        return [self.hypothesis(s) for s in sentences]


class SuffixTranslator(FakeTranslator):
    """Upper-cases and appends " NOW" (score -0.25): a second system that differs from the first
    on every sentence."""

    def hypothesis(self, source: str) -> Hypothesis:
        return Hypothesis(
            f"{source.upper()} NOW", -0.25, len(source), len(source) + 1, self.signature
        )


class TableTranslator(FakeTranslator):
    """A fixed English text per source text (e.g. real system outputs; no score, one token
    each). A source missing from ``table`` is upper-cased when ``upper_unknown``, else a KeyError
    (the test fed text it did not plan). Sources in ``split`` come back as translated in two
    parts."""

    def __init__(
        self,
        table: dict[str, str],
        signature: Signature = SIG,
        *,
        upper_unknown: bool = False,
        split: Collection[str] = (),
    ) -> None:
        super().__init__(signature)
        self.table = table
        self.upper_unknown = upper_unknown
        self.split = split

    def hypothesis(self, source: str) -> Hypothesis:
        text = self.table.get(source, source.upper()) if self.upper_unknown else self.table[source]
        split = source in self.split
        return Hypothesis(text, None, 1, 1, self.signature, split=split, parts=2 if split else 1)


# -- documents and stores -----------------------------------------------------------------------


def make_document(
    doc_id: str, *paragraphs: list[str], flags: dict[str, tuple[str, ...]] | None = None
) -> Document:
    """A document whose text is its sentences (one paragraph per line, sentences joined by one
    space) with true offsets; ``flags`` gives a sentence's flags by its text."""
    text = ""
    segments = []
    for p, sents in enumerate(paragraphs, start=1):
        for s, sent in enumerate(sents, start=1):
            if s > 1:
                text += " "
            start = len(text)
            text += sent
            segments.append(
                Segment(doc_id, p, s, start, len(text), sent, (flags or {}).get(sent, ()))
            )
        text += "\n"
    return Document(doc_id, f"{doc_id}.txt", text, segments)


XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
SENTENCES = ("Xin chào.", "Tôi đi học.", "Trời mưa.", *XSS)  # XSS upper-cased stays markup-like


def build_translated_store(path: Path, sentences: tuple[str, ...] = SENTENCES) -> dict[str, int]:
    """A store at ``path``: document "a", one paragraph of ``sentences``, translated by
    ``FakeTranslator(SIG)``. Returns the segment id of each source text."""
    with open_store(path) as store:
        store.add_documents([make_document("a", list(sentences))])
        store.use_system(str(SIG))
        translate_pending(store, FakeTranslator(SIG), drop=frozenset())
        return {s.text: s.id for s in store.segment_texts()}


DOC_B = ["Hôm nay 5 người.", "Quảng cáo ở đây"]


def build_ab_store(path: Path) -> None:
    """The review server's known store: document "a" (``SENTENCES``, upper-cased by SIG) and
    document "0b" (``DOC_B``, added second; its second sentence flagged boilerplate), system
    B = SIG2 (upper-case + " NOW") on all, SIG latest again, reference "ref" for all but the
    last segment, checks and sentence scores of both systems."""
    from aligned.checks import check_store
    from aligned.references import attach_lines
    from aligned.runner import translate_pending
    from aligned.scoring import score_store

    build_translated_store(path)
    a, b = str(SIG), str(SIG2)
    with open_store(path) as store:
        flags = {DOC_B[1]: ("boilerplate",)}
        store.add_documents([make_document("0b", DOC_B, flags=flags)])
        table = {DOC_B[0]: "Today people.", DOC_B[1]: "Ads here"}
        translate_pending(store, TableTranslator(table, SIG), drop=frozenset())
        store.use_system(b)
        translate_pending(store, SuffixTranslator(SIG2), drop=frozenset())
        store.use_system(a)  # A is the latest again
        # attach_lines follows input order: a's five sentences first, then 0b's two.
        refs = ["XIN CHÀO.", "I go to school.", "TRỜI MƯA.", "alert", "image"]
        attach_lines(store, [*refs, "Today five people.", ""])
        for sig in (a, b):
            check_store(store, sig)
            score_store(store, sig, "ref", n_bootstrap=10)


# -- the review server ----------------------------------------------------------------------------


@contextmanager
def serving_app(path: Path, **kwargs: Any) -> Iterator[Any]:
    """The review server (``aligned.server``, uvicorn) on 127.0.0.1:0 in a thread, its search
    index built before it serves; stopped afterwards."""
    from aligned.server.app import ReviewServer as AppServer

    kwargs.setdefault("who", "tester")
    kwargs.setdefault("index", "now")
    server = AppServer(path, host="127.0.0.1", port=0, log=False, **kwargs)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.serving:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the review server did not start")
            time.sleep(0.01)
        yield server
    finally:
        server.shutdown()
        thread.join(TIMEOUT)
        server.server_close()


# -- a crafted text for reference alignment (test_align, test_references) -------------------------

# A document with every bead type: line 1 holds two reference sentences (1-2), source segments
# 2 and 3 are one reference sentence (2-1), segment 4 is site furniture with no reference (1-0)
# and reference sentence 5 has no source (0-1).
SOURCE = [
    "Con mèo ngồi trên tấm thảm gần cửa.",
    "Giá tăng năm phần trăm trong tháng Ba rồi lại giảm trong tháng Tư.",
    "Bộ trưởng đến Hà Nội hôm thứ Hai",
    "và gặp chủ tịch nước tại dinh.",
    "Ảnh: Reuters/ quảng cáo bấm vào đây để xem thêm nhiều tin tức khác trên trang",
    "Dự báo sẽ có mưa trên khắp miền Bắc vào ngày mai.",
    "Đội bóng đã thắng trận chung kết với tỉ số ba không.",
]
MT = [
    "The cat sat on the mat near the door.",
    "Prices rose five percent in March and fell again in April.",
    "The minister arrived in Hanoi on Monday",
    "and met the president at the palace.",
    "Photo: Reuters / advertising click here to see more news on the page",
    "Rain is expected across the north tomorrow.",
    "The team won the final three to nil.",
]
REFERENCE = [
    "The cat sat on the mat near the door.",
    "Prices rose five percent in March.",
    "They fell again in April.",
    "The minister arrived in Hanoi on Monday and met the president at the palace.",
    "Rain is expected across the north tomorrow.",
    "Subscribe to our newsletter.",
    "The team won the final three to nil.",
]


# -- text for the streaming tests (tests/test_scale.py, tests/test_store_streaming.py) --------

#: A FLORES-like news sentence; ``{n}`` makes documents differ by a word (keys fold digits).
BODY = (
    "Vào hôm thứ Hai, các nhà khoa học thuộc Trường Y Đại học Stanford đã công bố phát minh "
    "một dụng cụ chẩn đoán mới có thể phân loại tế bào theo loại {n}."
)

#: The lines of a ``--segment lines`` document that exercise every flag a block can get.
STREAM_LINES = [
    "Tiêu đề bài",
    "Tít phụ",
    BODY.format(n="mèo"),
    "Câu ngắn",
    "  Ảnh: BCA  ",
    "a1b2c3d4-1111-2222-3333-444455556666.jpg",
    "Chú thích ảnh sau ảnh",
    "",
    BODY.format(n="chó"),
    "hoà bình.Dựa",
    "Hello, this is an English sentence that is long enough.",
    BODY.format(n="mèo"),  # the same text twice: uid n = 1
    "Nguyễn Văn A",
    "TTXVN",
]


#: Any cleaning options (Hypothesis), for the cleaner's property tests.
ANY_CLEAN_OPTIONS = st.builds(
    CleanOptions,
    nfc=st.booleans(),
    lookalikes=st.booleans(),
    spaces=st.booleans(),
    invisibles=st.booleans(),
    tone_style=st.sampled_from(["old", "new", "keep"]),
    missing_space=st.booleans(),
)
