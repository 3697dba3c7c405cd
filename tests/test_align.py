"""The English splitter and the sentence aligner (MT bridge and Gale–Church), on crafted text."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aligned.align import Bead, align, similarity, split_sentences
from tests.fakes import MT, REFERENCE, SOURCE


def _shape(beads: list[Bead]) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    return [(b.kind, b.src, b.ref) for b in beads]


def test_mt_bridge_finds_every_bead_type() -> None:
    beads = align(SOURCE, REFERENCE, MT)
    assert _shape(beads) == [
        ("1-1", (0,), (0,)),
        ("1-2", (1,), (1, 2)),
        ("2-1", (2, 3), (3,)),
        ("1-0", (4,), ()),
        ("1-1", (5,), (4,)),
        ("0-1", (), (5,)),
        ("1-1", (6,), (6,)),
    ]
    # Identical bridge and reference: chrF 100; skips score 0.
    assert [round(b.score, 4) for b in beads] == [1.0, 0.8587, 1.0, 0.0, 1.0, 0.0, 1.0]


def test_missing_mt_falls_back_to_the_source_text() -> None:
    # A segment without MT (e.g. a dropped dateline) is compared as it is: numbers carry over.
    src = ["12/03/2024 10:00", "Giá tăng năm phần trăm trong tháng Ba."]
    ref = ["12/03/2024 10:00 GMT", "Prices rose five percent in March."]
    with_gap = align(src, ref, [None, "Prices rose five percent in March."])
    as_source = align(src, ref, [src[0], "Prices rose five percent in March."])
    assert with_gap == as_source
    assert _shape(with_gap) == [("1-1", (0,), (0,)), ("1-1", (1,), (1,))]
    assert round(with_gap[0].score, 4) == 0.8914


def test_gale_church_uses_lengths_only() -> None:
    src = ["a" * 40, "b" * 100, "c" * 30, "d" * 30, "e" * 60]
    ref = ["x" * 42, "y" * 50, "z" * 52, "w" * 61, "v" * 58]
    beads = align(src, ref)
    assert _shape(beads) == [
        ("1-1", (0,), (0,)),
        ("1-2", (1,), (1, 2)),
        ("2-1", (2, 3), (3,)),
        ("1-1", (4,), (4,)),
    ]
    # The Gale–Church probability of each bead (prior × length match).
    assert [round(b.score, 4) for b in beads] == [0.8248, 0.0434, 0.044, 0.7951]


def test_gale_church_on_the_crafted_document_without_mt() -> None:
    assert _shape(align(SOURCE, REFERENCE)) == [
        ("1-1", (0,), (0,)),
        ("1-1", (1,), (1,)),
        ("1-1", (2,), (2,)),
        ("1-1", (3,), (3,)),
        ("1-1", (4,), (4,)),
        ("1-1", (5,), (5,)),
        ("1-1", (6,), (6,)),
    ]


def test_empty_sides() -> None:
    assert align([], []) == []
    assert _shape(align(["Một."], [], ["One."])) == [("1-0", (0,), ())]
    assert _shape(align([], ["One."], [])) == [("0-1", (), (0,))]
    with pytest.raises(ValueError, match="mt has 1 entries for 2 source segments"):
        align(["a", "b"], ["x"], ["x"])


def test_similarity_is_chrf_beta_1_in_unit_range() -> None:
    assert similarity("The cat sat.", "The cat sat.") == 1.0
    assert similarity("", "The cat sat.") == 0.0
    assert round(similarity("The cat sat.", "The cat sat on the mat."), 4) == 0.5957
    # beta 1: extra text on the MT side costs as much as on the reference side.
    assert round(similarity("The cat sat on the mat.", "The cat sat."), 4) == 0.5957


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith went to Washington. He met the U.S. Army there.",
            ["Mr. Smith went to Washington.", "He met the U.S. Army there."],
        ),
        ("It rose 3.5 percent. Then it fell.", ["It rose 3.5 percent.", "Then it fell."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        (
            '"Stop!" he said. J. K. Rowling wrote it.',
            ['"Stop!" he said.', "J. K. Rowling wrote it."],
        ),
        ("Prices rose in the U.S. The euro fell.", ["Prices rose in the U.S.", "The euro fell."]),
        (
            "Dr. No met Gen. Lee on Jan. 5 at 5 p.m. sharp.",
            ["Dr. No met Gen. Lee on Jan. 5 at 5 p.m. sharp."],
        ),
        ("Why? Because.  It works!", ["Why?", "Because.", "It works!"]),
        ("He waited... Then (finally) it came.", ["He waited...", "Then (finally) it came."]),
        ("A title without an end mark", ["A title without an end mark"]),
        ("  \n ", []),
        ("Visit bocongan.gov.vn today. Done.", ["Visit bocongan.gov.vn today.", "Done."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


_TEXTS = st.lists(st.text(alphabet="abc .", min_size=0, max_size=30), max_size=8)


@settings(max_examples=200, deadline=None)
@given(_TEXTS, _TEXTS, st.booleans())
@example([""], ["a"], False)  # no source characters at all: the length ratio is 1
@example(["a"], [""], True)
def test_beads_cover_both_sides_once_in_order(src: list[str], ref: list[str], bridge: bool) -> None:
    beads = align(src, ref, src if bridge else None)
    assert [i for b in beads for i in b.src] == list(range(len(src)))
    assert [j for b in beads for j in b.ref] == list(range(len(ref)))
    assert all(b.kind in {"1-1", "1-2", "2-1", "1-0", "0-1", "1-3", "3-1"} for b in beads)
    assert all(0.0 <= b.score <= 1.0 for b in beads)
