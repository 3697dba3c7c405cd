"""Pure-Python parts of translate/: normalization, long-input splitting, batching."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.batching import make_batches, restore_order
from translate.normalize import normalize_for_mt
from translate.split import split_to_fit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Ông nói: “Tăng 1,5%…” trong tình hình mới./.",
            'Ông nói: "Tăng 1,5%..." trong tình hình mới.',
        ),
        ("‘Rồi’ – nó ’s", "'Rồi' – nó 's"),  # en dash kept (sacremoses would change it)
        ("Việt\u200bNam\u2060\ufeff", "ViệtNam"),
        ("a\tb\x00c\x7fd\u00ade", "a b c d e"),
        ("（１２３）：！？；，、％～", "(123):!?;,,%~"),
        ("Hà Nội。Sài Gòn．x", "Hà Nội. Sài Gòn. x"),
        ("   nhiều    khoảng   trắng  ", "nhiều khoảng trắng"),
        ("", ""),
        ("\x00\x01", ""),
        ("1./.2", "1./.2"),  # only at the end
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize_for_mt(raw) == expected


def words(text: str) -> int:
    return len(text.split())


def test_split_prefers_clause_boundaries() -> None:
    text = "một hai ba; bốn năm sáu, bảy tám. chín mười"
    parts = split_to_fit(text, words, 4)
    assert parts == ["một hai ba;", "bốn năm sáu,", "bảy tám.", "chín mười"]
    assert all(words(p) <= 4 for p in parts)


def test_split_keeps_numbers_and_fits() -> None:
    text = "giá tăng 1,5% và 10:30 sáng " * 20
    parts = split_to_fit(text, words, 7)
    assert all(words(p) <= 7 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert not any(p.endswith(("1,", "10:")) for p in parts)


def test_split_character_windows_when_no_spaces() -> None:
    text = "字" * 1000
    parts = split_to_fit(text, len, 64)
    assert "".join(parts) == text
    assert all(len(p) <= 64 for p in parts)


def test_split_short_and_empty() -> None:
    assert split_to_fit("ngắn", words, 5) == ["ngắn"]
    assert split_to_fit("   ", words, 5) == []
    with pytest.raises(ValueError, match="at least 1"):
        split_to_fit("x", words, 0)


@given(st.text(alphabet="ab ,;:.-–字", max_size=300), st.integers(1, 20))
def test_split_never_loses_text(text: str, limit: int) -> None:
    parts = split_to_fit(text, len, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_batches_respect_budget_and_restore_order() -> None:
    rng = random.Random(3)
    lengths = [rng.randint(1, 60) for _ in range(200)]
    batches = make_batches(lengths, batch_tokens=256, max_batch_size=16)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for b in batches:
        assert len(b) <= 16
        assert max(lengths[i] for i in b) * len(b) <= 256
    results = [[f"r{i}" for i in b] for b in batches]
    assert restore_order(batches, results) == [f"r{i}" for i in range(200)]


def test_oversized_sequence_gets_own_batch() -> None:
    assert make_batches([10, 500, 10], batch_tokens=100) == [[1], [0, 2]]
    assert make_batches([], batch_tokens=100) == []
    with pytest.raises(ValueError, match="batch_tokens"):
        make_batches([1], batch_tokens=0)


@given(st.lists(st.integers(0, 100), max_size=80), st.integers(1, 500))
def test_batches_property(lengths: list[int], budget: int) -> None:
    batches = make_batches(lengths, budget)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) == 1 or max(max(1, lengths[i]) for i in b) * len(b) <= budget
