"""Export filters (``aligned/filters.py``, ``songngu export --drop/--min-chars/--max-chars/
--max-ratio/--dedup``): what each removes, in which order, and the counts stderr reports; on a
store built here and on the real OPUS-MT outputs for NTREX-128 dev.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from aligned.checks import check_store
from aligned.filters import (
    Drop,
    FilterOptions,
    Pipeline,
    build_pipeline,
    dedup_filter,
    describe_removed,
    length_ratio,
    max_chars_filter,
    normalize_source,
    parse_drop,
    ratio_filter,
    source_key,
)
from aligned.pairs import AlignedPair
from aligned.runner import translate_pending
from aligned.store import open_store
from corpus.errors import ConfigError
from corpus.flags import DROP_BY_DEFAULT
from tests.cli import run_cli
from tests.fakes import SIG, TableTranslator, make_document
from tests.shared_data import ntrex_system_tsv

LONG_VI = "Câu này dài " + "và dài " * 100 + "lắm."  # 716 characters
LONG_EN = "This sentence is long " + "and long " * 100 + "indeed."  # 929 characters
# source → machine translation, and what the checks and filters make of each pair:
TABLE = {
    "Giá tăng 5 phần trăm trong tháng Ba.": "Prices rose in March.",  # a/1/1 check numbers
    "Xin chào bạn.": "Hello, friend.",  # a/1/2, c/2/2 (edited there): the first of 3 duplicates
    "Trời mưa to cả ngày hôm nay.": "It rained heavily all day today.",  # a/1/3
    "XIN  CHÀO  bạn.": "Hello there, friend.",  # b/1/1 duplicate of a/1/2 (case, spaces)
    "Bình luận (3)": "Comments (3)",  # b/1/2 noise flag widget (dropped by default)
    LONG_VI: LONG_EN,  # b/1/3 716/929 characters
    "Ông ấy nói rằng sẽ đến.": "He said.",  # c/1/1 check length-ratio; ratio 23/8 = 2.875
    "Có 12 con mèo.": "There are many cats.",  # c/1/2 check numbers, but a reviewer accepted it
    "Tốt.": "Good.",  # c/1/3 4 characters
    "Mưa.": "It is raining today in the city.",  # c/2/1 ratio 32/4 = 8 (too short to check)
}


def build_store(path: Path, *, checks: bool = True) -> None:
    """Documents a, b, c (11 pairs) translated by TABLE under SIG, the checks run, c/1/2
    accepted and c/2/2 edited."""
    with open_store(path) as store:
        store.add_documents(
            [
                make_document("a", list(TABLE)[:3]),
                make_document("b", list(TABLE)[3:6], flags={"Bình luận (3)": ("widget",)}),
                make_document("c", list(TABLE)[6:9], ["Mưa.", "Xin chào bạn."]),
            ]
        )
        store.use_system(str(SIG))
        translate_pending(store, TableTranslator(TABLE, SIG), drop=frozenset())
        if checks:
            assert check_store(store, str(SIG)) == {
                **dict.fromkeys(
                    ("empty", "copy", "vietnamese-left", "repetition", "split", "brackets"), 0
                ),
                "numbers": 2,
                "length-ratio": 1,
                "not-english": 0,
                "segments": 11,
            }
        store.add_review("c", 1, 2, str(SIG), "accept")
        store.add_review("c", 2, 2, str(SIG), "edit", text="Hi, friend.")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("filters") / "corpus.sqlite"
    build_store(path)
    return path


def export(store: Path, out: Path, *options: str) -> tuple[list[str], str]:
    """``songngu export STORE --format jsonl -o OUT OPTIONS``: the exported ids
    (doc:para:sent) and stderr."""
    code, _, err = run_cli(["export", store, "--format", "jsonl", "-o", out, "--force", *options])
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return [f"{r['doc']}:{r['para']}:{r['sent']}" for r in rows], err


def summary(n: int, removed: str = "") -> str:
    line = f"songngu: exported {n} pairs of system {SIG} as jsonl"
    return line + (f"; removed: {removed}" if removed else "") + "\n"


ALL = ["a:1:1", "a:1:2", "a:1:3", "b:1:1", "b:1:2", "b:1:3"]
ALL += ["c:1:1", "c:1:2", "c:1:3", "c:2:1", "c:2:2"]


# -- the command --------------------------------------------------------------------------------


def test_default_drop_reports_the_noise_flag(store_path: Path, tmp_path: Path) -> None:
    ids, err = export(store_path, tmp_path / "x.jsonl")
    assert ids == [i for i in ALL if i != "b:1:2"]
    assert err == summary(10, "1 flagged widget")
    ids, err = export(store_path, tmp_path / "x.jsonl", "--drop", "none")
    assert ids == ALL
    assert err == summary(11)  # nothing removed: the message of an export without filters


def test_every_filter_in_order_with_counts(store_path: Path, tmp_path: Path) -> None:
    ids, err = export(
        store_path,
        tmp_path / "x.jsonl",
        *("--drop", "default,numbers,check:length-ratio", "--dedup"),
        *("--min-chars", "5", "--max-chars", "500", "--max-ratio", "3"),
    )
    # a/1/2 is the first "xin chào bạn"; c/1/2 is flagged numbers but was accepted in review
    assert ids == ["a:1:2", "a:1:3", "c:1:2"]
    assert err == summary(
        3,
        "2 duplicate source, 2 shorter than 5 chars, 1 check:length-ratio, 1 check:numbers, "
        "1 flagged widget, 1 longer than 500 chars",
    )


def test_max_ratio_and_dedup_alone(store_path: Path, tmp_path: Path) -> None:
    ids, err = export(store_path, tmp_path / "x.jsonl", "--drop", "none", "--max-ratio", "2")
    assert ids == [i for i in ALL if i not in ("c:1:1", "c:2:1")]
    assert err == summary(9, "2 length ratio above 2")
    ids, err = export(store_path, tmp_path / "x.jsonl", "--drop", "none", "--dedup")
    assert ids == [i for i in ALL if i not in ("b:1:1", "c:2:2")]
    assert err == summary(9, "2 duplicate source")
    ids, err = export(store_path, tmp_path / "x.jsonl", "--drop", "none", "--max-chars", "700")
    assert ids == [i for i in ALL if i != "b:1:3"]
    assert err == summary(10, "1 longer than 700 chars")


def test_check_names_without_stored_flags_warn(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    build_store(path, checks=False)
    ids, err = export(path, tmp_path / "x.jsonl", "--drop", "none,numbers")
    assert ids == ALL
    assert err == (
        f"songngu: warning: no check flag is stored for system {SIG}, so --drop numbers removes "
        f"nothing; run `songngu check {path}` first (`songngu run` does)\n" + summary(11)
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--drop", "numbers,bogus"], "unknown flag or check 'bogus' in --drop; noise flags:"),
        (["--max-chars", "0"], "--max-chars must be at least 1, got 0"),
        (["--max-ratio", "0.5"], "--max-ratio must be at least 1 (longer side / shorter side)"),
        (["--min-chars", "9", "--max-chars", "8"], "--min-chars 9 is above --max-chars 8"),
    ],
)
def test_bad_filter_options(
    store_path: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    code, _, err = run_cli(
        ["export", store_path, "--format", "jsonl", "-o", tmp_path / "x", *options]
    )
    assert code == 2
    assert err.startswith(f"songngu: error: {message}"), err
    assert not (tmp_path / "x").exists()


# -- the functions ------------------------------------------------------------------------------


def test_parse_drop() -> None:
    assert parse_drop("none") == Drop()
    assert parse_drop("default") == Drop(DROP_BY_DEFAULT)
    assert parse_drop("widget, numbers,check:split") == Drop(
        frozenset({"widget"}), frozenset({"numbers", "split"})
    )
    assert parse_drop("default,not-vietnamese,not-english") == Drop(
        DROP_BY_DEFAULT | {"not-vietnamese"}, frozenset({"not-english"})
    )
    with pytest.raises(ConfigError, match="'check:widget', 'x'"):
        parse_drop("check:widget,x")  # widget is a noise flag, not a check


def test_length_ratio_follows_opusfilter() -> None:
    assert length_ratio("", "") == 0.0
    assert length_ratio("abc", "") == float("inf")
    assert length_ratio("ab", "abcdef") == 3.0 == length_ratio("abcdef", "ab")
    f = ratio_filter(3)
    assert f(AlignedPair("ab", "abcdef")) is None  # at the limit: kept
    assert f(AlignedPair("ab", "abcdefg")) == "length ratio above 3"
    assert f(AlignedPair("ab", "")) == "length ratio above 3"


def test_a_one_megabyte_sentence_is_too_long() -> None:
    f = max_chars_filter(500)
    assert f(AlignedPair("x" * 1_000_000, "y" * 1_300_000)) == "longer than 500 chars"
    assert f(AlignedPair("x" * 500, "y" * 500)) is None
    assert f(AlignedPair("x", "y" * 501)) == "longer than 500 chars"


def test_dedup_normal_form() -> None:
    nfd = unicodedata.normalize("NFD", "Xin chào Bạn.")
    assert normalize_source(f"  {nfd}\u00a0\t ") == "xin chào bạn."
    assert source_key(nfd) == source_key("XIN CHÀO BẠN.") != source_key("Xin chào bạn!")
    # BLAKE2b, not Python's hash: the same in every process and on every machine
    assert source_key("xin chào bạn.") == 0xFEC7E6C1DFE0CD38
    f = dedup_filter()
    assert [f(AlignedPair(s, "t")) for s in ("A b", "a  B", "c", "A B")] == [
        None,
        "duplicate source",
        None,
        "duplicate source",
    ]


def test_pipeline_counts_a_pair_under_its_first_reason_and_dedups_last() -> None:
    pipeline = build_pipeline(FilterOptions(Drop(frozenset({"widget"})), max_chars=5, dedup=True))
    pairs = [
        AlignedPair("toolong", "t", doc="a", flags=("widget",)),  # flagged first, then long
        AlignedPair("abc", "t", doc="a"),
        AlignedPair("ABC", "t", doc="b"),
        AlignedPair("abc ", "toolong", doc="b"),
    ]
    removed: Counter[str] = Counter()
    assert list(pipeline.filter(pairs, removed)) == [pairs[1]]
    assert removed == {"flagged widget": 1, "duplicate source": 1, "longer than 5 chars": 1}
    # each pass starts with a fresh dedup set
    assert list(pipeline.filter(pairs[2:])) == [pairs[2]]
    # the first of a repeated source that another filter removes does not count as seen
    p = Pipeline(build_pipeline(FilterOptions(max_chars=3, dedup=True)).steps)
    assert list(p.filter([AlignedPair("abc", "long"), AlignedPair("abc", "ok")])) == [
        AlignedPair("abc", "ok")
    ]
    assert describe_removed(Counter({"b": 1, "a": 1, "c": 2, "d": 0})) == "2 c, 1 a, 1 b"


def test_check_filter_needs_the_store() -> None:
    with pytest.raises(ValueError, match="need the store"):
        build_pipeline(FilterOptions(Drop(checks=frozenset({"numbers"}))))


# -- a real corpus ------------------------------------------------------------------------------


def test_real_corpus_counts(tmp_path: Path) -> None:
    """NTREX-128 dev (1005 sentences, 63 documents) with the real OPUS-MT opus-2020-09-10
    outputs, imported from a TSV; the counts below are the closing note's."""
    tsv = ntrex_system_tsv(tmp_path / "ntrex.tsv")
    store = tmp_path / "ntrex.sqlite"
    assert run_cli(["import", tsv, "-o", store, "-q"])[0] == 0
    with open_store(store, create=False) as s:
        counts = check_store(s, "opus-2020-09-10")
    out = tmp_path / "x.jsonl"

    def removed(*options: str) -> str:
        code, _, err = run_cli(
            ["export", store, "--format", "jsonl", "-o", out, "--force", *options]
        )
        assert code == 0, err
        return err.removeprefix("songngu: exported ").replace(
            " pairs of system opus-2020-09-10 as jsonl", ""
        )

    assert removed() == "1005\n"
    assert removed("--dedup") == "1003; removed: 2 duplicate source\n"
    assert removed("--max-chars", "300") == "978; removed: 27 longer than 300 chars\n"
    assert removed("--max-ratio", "1.5") == "980; removed: 25 length ratio above 1.5\n"
    assert removed("--max-ratio", "2") == "1000; removed: 5 length ratio above 2\n"
    # a check removes exactly the pairs it flagged
    for name in ("numbers", "repetition", "length-ratio"):
        n = counts[name]
        assert removed("--drop", name) == f"{1005 - n}; removed: {n} check:{name}\n"
