"""Blind A/B judgements summarised: Wilson intervals, the exact sign test, `compare --human`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aligned import human
from aligned.cli import main
from aligned.human import sign_test, summarise, wilson_interval
from aligned.runner import translate_pending
from aligned.store import Judgement, open_store
from tests.fakes import SIG, SIG2, SuffixTranslator, build_translated_store

A, B = str(SIG), str(SIG2)


def test_wilson_interval_known_values() -> None:
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)
    lo, hi = wilson_interval(0, 5)
    assert lo == 0.0 and round(hi, 4) == 0.4345
    assert wilson_interval(0, 0) == (0.0, 0.0)
    lo, hi = wilson_interval(50, 100)
    assert math.isclose(lo + hi, 1.0) and round(lo, 4) == 0.4038


def test_sign_test_exact_values() -> None:
    assert sign_test(9, 10) == 2 * (1 + 10) / 1024  # P(X <= 1) + P(X >= 9)
    assert sign_test(1, 10) == sign_test(9, 10)
    assert sign_test(5, 10) == 1.0
    assert sign_test(10, 10) == 2 / 1024
    assert sign_test(0, 0) == 1.0
    assert sign_test(3, 3) == 0.25


def test_sign_test_log_space_agrees_with_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    exact = sign_test(2400, 5000)
    monkeypatch.setattr(human, "EXACT_UP_TO", 10)
    assert math.isclose(sign_test(2400, 5000), exact, rel_tol=1e-9)
    assert 0.0 < exact < 0.01


def test_summarise_counts_wins_ties_and_sides() -> None:
    def j(left: str, right: str, pref: str) -> Judgement:
        return Judgement(1, left, right, pref, "x", "t")

    rows = [j(A, B, "right"), j(B, A, "left"), j(A, B, "equal"), j(B, A, "right"), j(A, B, "right")]
    (s,) = summarise(rows)
    assert (s.x, s.y, s.wins_x, s.wins_y, s.ties) == (A, B, 1, 3, 1)
    assert (s.left, s.right) == (1, 3)
    assert s.rate_x == 0.25 and s.p_value == sign_test(1, 4) == 0.625


def test_compare_human_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "corpus.sqlite"
    ids = build_translated_store(path)
    with open_store(path) as store:
        store.use_system(B)
        translate_pending(store, SuffixTranslator(SIG2), drop=frozenset())
        store.use_system(A)  # A latest
        segs = list(ids.values())
        # B preferred 9 times of 10 decided, 2 ties (over the 5 segments, several reviewers)
        for i in range(9):
            store.add_judgement(segs[i % 5], A, B, "right", who=f"r{i}")
        store.add_judgement(segs[0], B, A, "right", who="r9")  # A preferred
        store.add_judgement(segs[1], A, B, "equal", who="r10")
        store.add_judgement(segs[2], B, A, "equal", who="r11")
    assert main(["compare", str(path), "--human"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"A: {A}",
        f"B: {B}",
        "12 blind judgements: 1 for A, 9 for B, 2 equal (ties left out of the rates)",
        f"  A wins  10.0%  95% CI 1.8%–40.4%  ({A})",
        f"  B wins  90.0%  95% CI 59.6%–98.2%  ({B})",
        "  sign test (exact binomial, two-sided): p = 0.02148  → the difference is unlikely "
        "to be chance",
    ]
    assert main(["compare", str(path), "--human", "--format", "json"]) == 0
    (got,) = json.loads(capsys.readouterr().out)
    assert got["wins"] == {A: 1, B: 9} and got["ties"] == 2
    assert got["sign_test_p"] == 22 / 1024
    assert got["preferred_side"] == {"left": 0, "right": 10}


def test_compare_human_without_judgements_is_a_data_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    assert main(["compare", str(path), "--human"]) == 65
    assert "no blind judgements; make some in `songngu review STORE` at /blind" in (
        capsys.readouterr().err
    )
