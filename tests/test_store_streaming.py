"""A streamed document's rows made in a forked child (``aligned/store/streaming.py``) and the
fast paragraph hash: the same store as in-process, errors and a killed child reported."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligned.store import Store, open_store, streaming
from aligned.store.boilerplate import paragraph_hash, paragraph_rows
from aligned.store.schema import segment_uid
from corpus.errors import ConfigError, DataError, SongnguError
from corpus.model import RawDocument
from corpus.pipeline import LineBlock, LineStream, PipelineOptions, process_document
from tests.fakes import BODY, STREAM_LINES

OPTS = PipelineOptions(segment="lines")
EXTRA = [
    "Chú thích ảnh sau ảnh\u00a0 có  khoảng trắng 12 345",
    "hoà bình.Dựa trên \ufffd lỗi giải mã",
    "Câu ngắn",  # the same texts again: uids with n = 1, 2
    BODY.format(n="mèo"),
    "Số ٣٤ và ０１２",
]
LINES = STREAM_LINES[:-2] + EXTRA + STREAM_LINES[-2:]


def _raw() -> RawDocument:
    text = "\r\n".join(LINES[:6]) + "\n" + "\u2028".join(LINES[6:]) + "\n"
    raw = RawDocument("big.txt", "big.txt", text)
    raw.replaced = [text.index("\ufffd")]
    return raw


def _stored(store: Store) -> tuple[object, ...]:
    return (
        store.db.execute(
            "SELECT id, doc, para, sent, start, end, text, flags, uid FROM segments ORDER BY id"
        ).fetchall(),
        store.db.execute("SELECT id, sha256, cleaning, text FROM documents").fetchall(),
        store.db.execute("SELECT * FROM boilerplate_paras ORDER BY doc, para").fetchall(),
        store.db.execute("SELECT * FROM boilerplate_counts ORDER BY key").fetchall(),
    )


@pytest.mark.parametrize("block", [1, 4, 100])
def test_background_rows_store_what_in_process_and_whole_documents_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    raw = _raw()
    got = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(streaming.BACKGROUND_ENV, mode)
        stream = LineStream(raw, OPTS, block=block)
        assert streaming.use_background(stream) == (mode == "1")
        with open_store(tmp_path / f"{mode}.sqlite") as store:
            assert store.add_documents([stream]).added == ("big.txt",)
            got[mode] = _stored(store)
            assert store.document_text("big.txt") == raw.text
        # The stream object ends as a pass in this process leaves it.
        assert stream.positional == {
            1: "heading",
            2: "heading",
            17: "byline",
            18: "byline",
            19: "byline",
        }
        assert json.loads(got[mode][1][0][2]) == stream.document.cleaning
        assert stream.document.cleaning == {
            "missing_space": 2, "newlines": 17, "spaces": 4, "tone_style": 2,
        }  # fmt: skip
    assert got["0"] == got["1"]
    with open_store(tmp_path / "whole.sqlite") as store:
        store.add_documents([process_document(raw, OPTS)])
        assert _stored(store) == got["1"]
    rows = got["1"][0]
    uids = [r[8] for r in rows if r[6] == LINES[2]]
    assert len(uids) == len(set(uids)) == 3 and uids[0] == segment_uid("big.txt", LINES[2])
    flags = {r[6]: r[7] for r in rows}
    assert flags["Tiêu đề bài"] == "heading" and flags["TTXVN"] == "byline"
    assert flags["hòa bình. Dựa trên \ufffd lỗi giải mã"] == "decode-error"


def test_a_failure_in_the_child_is_the_same_exception_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(streaming.BACKGROUND_ENV, "1")
    calls = 0

    def fail(block: LineBlock) -> streaming.RowBlock:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise DataError("block 2 of big.txt is bad; fix it")
        return real(block)

    real = streaming.row_block
    monkeypatch.setattr(streaming, "row_block", fail)
    with open_store(tmp_path / "c.sqlite") as store:
        with pytest.raises(DataError) as e:
            store.add_documents([LineStream(_raw(), OPTS, block=3)])
        assert str(e.value) == "block 2 of big.txt is bad; fix it"
        assert "raised in the child process" in "".join(e.value.__notes__)
        assert store.counts()["segments"] == store.counts()["documents"] == 0
    assert calls == 0  # it ran in the child, not here


class _Unpicklable(Exception):
    def __reduce__(self) -> object:
        raise TypeError("no pickling")


def test_an_exception_that_cannot_travel_comes_as_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(streaming.BACKGROUND_ENV, "1")

    def fail(block: LineBlock) -> streaming.RowBlock:
        raise _Unpicklable("strange failure")

    monkeypatch.setattr(streaming, "row_block", fail)
    with open_store(tmp_path / "c.sqlite") as store:
        with pytest.raises(SongnguError, match="failed in a child process") as e:
            store.add_documents([LineStream(_raw(), OPTS, block=3)])
        assert "_Unpicklable: strange failure" in str(e.value)


def test_a_killed_child_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(streaming.BACKGROUND_ENV, "1")

    def die(block: LineBlock) -> streaming.RowBlock:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    monkeypatch.setattr(streaming, "row_block", die)
    with open_store(tmp_path / "c.sqlite") as store:
        with pytest.raises(SongnguError) as e:
            store.add_documents([LineStream(_raw(), OPTS, block=3)])
        assert str(e.value) == (
            "the process making the rows of 'big.txt' stopped without a result (exit status "
            "-9); it may have been killed (out of memory?). Run again, or set "
            "SONGNGU_STORE_BACKGROUND=0 to make them in this process"
        )
        assert store.counts()["segments"] == 0


def test_closing_early_stops_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(streaming.BACKGROUND_ENV, "1")
    rows = streaming.Rows(LineStream(_raw(), OPTS, block=1))
    child = rows.child
    assert child is not None
    first = next(iter(rows))
    assert isinstance(first, streaming.RowBlock) and first.texts == [LINES[0]]
    rows.close()
    assert not child.is_alive()


def test_the_setting_is_checked_and_small_texts_stay_here(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = LineStream(_raw(), OPTS, block=3)
    monkeypatch.delenv(streaming.BACKGROUND_ENV, raising=False)
    assert not streaming.use_background(stream)
    monkeypatch.setattr(streaming, "BACKGROUND_MIN_CHARS", 10)
    assert streaming.use_background(stream)
    monkeypatch.setenv(streaming.BACKGROUND_ENV, "yes")
    with pytest.raises(ConfigError, match="SONGNGU_STORE_BACKGROUND='yes' is not understood"):
        streaming.use_background(stream)


# -- the paragraph keys of a block --------------------------------------------------------------


_ODD = [
    "", " ", "  ", "a", " Bình luận (3) ", "381 lượt xem 0 00 1002", "x\u00a0y", "a\tb",
    "Số ٣٤ và ０１２", "ΣΑΣ ß ﬁ İ", "e\u0301 Cafe\u0301", "\u0301a", "0", "a0", "00b0",
    "\ud800 lone", "\u2028", "Ⅻ ½ ²",
]  # fmt: skip


def _one_by_one(segments: list[tuple[int, str]]) -> list[tuple[str, int, int]]:
    groups: dict[int, list[str]] = {}
    for para, text in segments:
        groups.setdefault(para, []).append(text)
    return [
        ("d", para, key)
        for para, texts in groups.items()
        if (key := paragraph_hash(texts)) is not None
    ]


def test_block_keys_are_the_paragraph_hashes_of_odd_text() -> None:
    segments = [(i // 2, t) for i, t in enumerate(_ODD)]
    assert list(paragraph_rows("d", segments)) == _one_by_one(segments)
    rows = list(paragraph_rows("d", [(1, " Bình luận (3) "), (2, "BÌNH LUẬN (47)"), (3, " ")]))
    assert [p for _, p, _ in rows] == [1, 2] and rows[0][2] == rows[1][2]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(
                st.text(max_size=30),
                st.text(alphabet=st.sampled_from(list(" 0123456789aÀàễ\u0301\u00a0\t٣０ßΣİ.ǅ"))),
            ),
        ),
        max_size=12,
    )
)
def test_block_keys_are_the_paragraph_hashes(parts: list[tuple[int, str]]) -> None:
    segments, para = [], 0
    for step, text in parts:  # paragraphs in order, each one or more segments
        para += step > 1
        segments.append((para, text))
    assert list(paragraph_rows("d", segments)) == _one_by_one(segments)
