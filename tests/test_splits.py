"""Splits by document (``aligned/splits.py``, ``songngu export --split NAME=SHARE,... --seed N``):
file names in every format, no document in two splits, the same seed giving the same splits in
any process, and the split files holding exactly the unsplit export.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from aligned.formats import get_format, read_path
from aligned.pairs import AlignedPair
from aligned.runner import translate_pending
from aligned.splits import (
    Split,
    assign_documents,
    parse_splits,
    plan_splits,
    split_path,
    write_splits,
)
from aligned.store import open_store
from corpus.errors import ConfigError, DataError
from tests.cli import ROOT, run_cli
from tests.fakes import SIG, FakeTranslator, make_document
from tests.shared_data import ntrex_system_tsv

TRAIN_DEV_TEST = parse_splits("train=0.98,dev=0.01,test=0.01")


def build_store(path: Path, n_docs: int = 12) -> None:
    """Documents d01..dNN, document i with i sentences (78 pairs for 12), upper-cased by
    FakeTranslator; d07's first sentence repeats d02's (one duplicate source)."""
    docs = []
    for i in range(1, n_docs + 1):
        sentences = [f"Câu {j} của bài {i}." for j in range(1, i + 1)]
        if i == 7:
            sentences[0] = "Câu 1 của bài 2."
        docs.append(make_document(f"d{i:02d}", sentences))
    with open_store(path) as store:
        store.add_documents(docs)
        store.use_system(str(SIG))
        translate_pending(store, FakeTranslator(SIG), drop=frozenset())


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("splits") / "corpus.sqlite"
    build_store(path)
    return path


def is_subsequence(part: list[tuple[str, str]], whole: list[tuple[str, str]]) -> bool:
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


def texts(pairs: list[AlignedPair]) -> list[tuple[str, str]]:
    return [(p.source, p.target) for p in pairs]


# -- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "output", "files"),
    [
        ("jsonl", "corpus.jsonl", ["corpus.{}.jsonl"]),
        ("tsv", "corpus.tsv", ["corpus.{}.tsv"]),
        ("tmx", "corpus.tmx", ["corpus.{}.tmx"]),
        ("moses", "corpus", ["corpus.{}.vi", "corpus.{}.en"]),
    ],
)
def test_split_files_hold_exactly_the_unsplit_export(
    store_path: Path, tmp_path: Path, fmt: str, output: str, files: list[str]
) -> None:
    filters = ["--dedup", "--max-chars", "17"]  # d07's first sentence; "Câu 10 ..." and above
    code, _, err = run_cli(
        ["export", store_path, "--format", fmt, "-o", tmp_path / "all", "-q", *filters]
    )
    assert code == 0, err
    code, _, err = run_cli(
        [
            *("export", store_path, "--format", fmt, "-o", tmp_path / output, *filters),
            *("--split", "train=0.8,dev=0.1,test=0.1", "--seed", "3"),
        ]
    )
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("all"))
    assert written == sorted(f.format(s) for f in files for s in ("train", "dev", "test"))
    lines = err.splitlines()
    assert lines[0] == (
        f"songngu: exported 71 pairs of system {SIG} as {fmt}; removed: "
        "6 longer than 17 chars, 1 duplicate source"
    )
    assert [line.split(" -> ")[0] for line in lines[1:]] == [
        "songngu:   train: 59 pairs from 8 documents",
        "songngu:   dev: 6 pairs from 3 documents",
        "songngu:   test: 6 pairs from 1 document",
    ]
    assert [line.split(" -> ")[1] for line in lines[1:]] == [
        " + ".join(str(tmp_path / f.format(s)) for f in files) for s in ("train", "dev", "test")
    ]

    f = get_format(fmt)
    whole = texts(list(read_path(f, tmp_path / "all")))
    parts = {
        s: texts(list(read_path(f, split_path(f, tmp_path / output, s))))
        for s in ("train", "dev", "test")
    }
    assert [len(p) for p in parts.values()] == [59, 6, 6]
    assert Counter(x for p in parts.values() for x in p) == Counter(whole)
    assert all(is_subsequence(p, whole) for p in parts.values())  # each in export order


def test_no_document_in_two_splits_and_the_seed_decides(store_path: Path, tmp_path: Path) -> None:
    def docs(seed: str, out: Path) -> dict[str, list[str]]:
        args = ["export", store_path, "--format", "jsonl", "-o", out / "c.jsonl", "-q"]
        code, _, err = run_cli([*args, "--split", "train=0.8,dev=0.1,test=0.1", "--seed", seed])
        assert code == 0, err
        found = {}
        for s in ("train", "dev", "test"):
            rows = [json.loads(x) for x in (out / f"c.{s}.jsonl").read_text("utf-8").splitlines()]
            found[s] = sorted({r["doc"] for r in rows})
        return found

    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    (tmp_path / "3").mkdir()
    seed3 = docs("3", tmp_path / "1")
    assert seed3 == {
        "train": ["d05", "d07", "d08", "d09", "d10", "d11", "d12"],
        "dev": ["d01", "d02", "d03", "d04"],
        "test": ["d06"],
    }
    assert sum(len(v) for v in seed3.values()) == 12  # every document once
    assert docs("3", tmp_path / "2") == seed3
    for s in ("train", "dev", "test"):  # byte for byte
        assert (tmp_path / "1" / f"c.{s}.jsonl").read_bytes() == (
            tmp_path / "2" / f"c.{s}.jsonl"
        ).read_bytes()
    assert docs("4", tmp_path / "3") != seed3


def test_small_corpus_and_empty_split_warning(tmp_path: Path) -> None:
    path = tmp_path / "small.sqlite"
    build_store(path, n_docs=2)
    code, _, err = run_cli(
        [
            "export",
            path,
            "--format",
            "jsonl",
            "-o",
            tmp_path / "c.jsonl",
            "--split",
            "a=0.5,b=0.3,c=0.2",
        ]
    )
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == f"songngu: exported 3 pairs of system {SIG} as jsonl"
    assert lines[-1] == (
        "songngu: warning: split 'c' has no document (the filtered export has 2 documents for "
        "3 splits); its file is empty"
    )
    assert (tmp_path / "c.c.jsonl").read_bytes() == b""
    sizes = sorted(len((tmp_path / f"c.{s}.jsonl").read_text("utf-8").splitlines()) for s in "ab")
    assert sizes == [1, 2]


def test_force_is_checked_for_every_file_before_any_is_written(
    store_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "c.dev.vi").write_text("keep me\n", "utf-8")
    args = ["export", store_path, "--format", "moses", "-o", tmp_path / "c", "--split"]
    code, _, err = run_cli([*args, "train=0.9,dev=0.1"])
    assert code == 2
    assert err == (
        f"songngu: error: output file {str(tmp_path / 'c.dev.vi')!r} already exists; pass "
        "--force to overwrite it or choose another path with -o\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.dev.vi"]  # train not written
    code, _, err = run_cli([*args, "train=0.9,dev=0.1", "--force", "-q"])
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.dev.en",
        "c.dev.vi",
        "c.train.en",
        "c.train.vi",
    ]
    assert (tmp_path / "c.dev.vi").read_text("utf-8") != "keep me\n"


def test_split_cannot_go_to_stdout(store_path: Path) -> None:
    code, out, err = run_cli(["export", store_path, "--format", "jsonl", "--split", "a=0.5,b=0.5"])
    assert (code, out) == (2, "")
    assert err.startswith("songngu: error: --split writes one file per split and cannot go to")


# -- the functions ------------------------------------------------------------------------------


def test_parse_splits() -> None:
    assert parse_splits("train=0.98,dev=0.01,test=0.01") == (
        Split("train", 0.98),
        Split("dev", 0.01),
        Split("test", 0.01),
    )
    assert parse_splits(" a = 0.5 , b=0.5") == (Split("a", 0.5), Split("b", 0.5))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("train", "bad --split item 'train': write NAME=SHARE items separated by commas"),
        ("train=1", "--split 'train=1' names 1 split; give two or more"),
        ("a=0.5,a=0.5", "split 'a' is named twice in --split"),
        ("a.b=0.5,c=0.5", "bad split name 'a.b' in --split: use letters, digits, '_' or '-'"),
        ("a=x,b=1", "bad share 'x' for split 'a' in --split: give a number above 0"),
        ("a=0,b=1", "bad share '0' for split 'a'"),
        ("a=nan,b=1", "bad share 'nan' for split 'a'"),
        ("a=0.5,b=0.4", "the shares of --split 'a=0.5,b=0.4' sum to 0.9, not 1"),
    ],
)
def test_bad_splits(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_splits(value)
    assert str(exc.value).startswith(message), str(exc.value)


def test_split_paths() -> None:
    jsonl, moses = get_format("jsonl"), get_format("moses")
    assert split_path(jsonl, "out/corpus.jsonl", "dev") == Path("out/corpus.dev.jsonl")
    assert split_path(jsonl, "out/corpus", "dev") == Path("out/corpus.dev")
    assert split_path(get_format("tmx"), "a.b.tmx", "test") == Path("a.b.test.tmx")
    for prefix in ("out/corpus", "out/corpus.vi", "out/corpus.en"):
        assert moses.files(split_path(moses, prefix, "train")) == (
            Path("out/corpus.train.vi"),
            Path("out/corpus.train.en"),
        )


def test_assignment_by_pairs() -> None:
    equal = {f"d{i:03d}": 10 for i in range(100)}
    got = assign_documents(equal, parse_splits("train=0.8,dev=0.1,test=0.1"), 0)
    assert Counter(got.values()) == {"train": 80, "dev": 10, "test": 10}
    # 50 documents of 1-7 pairs (200 in all), 1 % splits: 2 pairs each, in 1-pair documents
    small = {f"d{i:02d}": i % 7 + 1 for i in range(50)}
    got = assign_documents(small, TRAIN_DEV_TEST, 0)
    assert {d: s for d, s in got.items() if s != "train"} == {
        "d00": "dev",
        "d14": "test",
        "d42": "dev",
    }
    # three documents, each larger than a 1 % target: one each all the same
    assert assign_documents({"a": 3, "b": 5, "c": 1}, TRAIN_DEV_TEST, 7) == {
        "b": "train",
        "a": "dev",
        "c": "test",
    }
    # a large document does not go to a small split while a small one can
    sizes = {"big": 500, **{f"s{i}": 5 for i in range(20)}}
    for seed in range(10):
        assert assign_documents(sizes, TRAIN_DEV_TEST, seed)["big"] == "train"
    # documents without pairs are not assigned; fewer documents than splits leave one empty
    assert assign_documents({"a": 3, "b": 5, "c": 0}, TRAIN_DEV_TEST, 7) == {
        "b": "train",
        "a": "dev",
    }
    assert assign_documents({}, TRAIN_DEV_TEST, 7) == {}


def test_assignment_is_the_same_in_every_process() -> None:
    """BLAKE2b of seed and id, not Python's salted ``hash``: the same under any
    PYTHONHASHSEED (and so on any machine)."""
    code = (
        "from aligned.splits import assign_documents, parse_splits;"
        "print(sorted(assign_documents({f'd{i}': i % 5 + 1 for i in range(40)},"
        " parse_splits('train=0.8,dev=0.1,test=0.1'), 11).items()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert len(outputs) == 1
    here = sorted(
        assign_documents(
            {f"d{i}": i % 5 + 1 for i in range(40)}, parse_splits("train=0.8,dev=0.1,test=0.1"), 11
        ).items()
    )
    assert outputs == {f"{here}\n"}


# -- a real corpus ------------------------------------------------------------------------------


def test_real_corpus_split(tmp_path: Path) -> None:
    """NTREX-128 dev with OPUS-MT outputs (1005 pairs, 63 documents), deduplicated and split
    98/1/1 by document with seed 1."""
    store = tmp_path / "ntrex.sqlite"
    tsv = ntrex_system_tsv(tmp_path / "ntrex.tsv")
    assert run_cli(["import", tsv, "-o", store, "-q"])[0] == 0
    code, _, err = run_cli(
        [
            *("export", store, "--format", "jsonl", "-o", tmp_path / "c.jsonl", "--dedup"),
            *("--split", "train=0.98,dev=0.01,test=0.01", "--seed", "1"),
        ]
    )
    assert code == 0, err
    assert [line.split(" -> ")[0] for line in err.splitlines()] == [
        "songngu: exported 1003 pairs of system opus-2020-09-10 as jsonl; "
        "removed: 2 duplicate source",
        "songngu:   train: 984 pairs from 60 documents",
        "songngu:   dev: 9 pairs from 1 document",
        "songngu:   test: 10 pairs from 2 documents",
    ]
    docs = {}
    for s in ("train", "dev", "test"):
        rows = [json.loads(x) for x in (tmp_path / f"c.{s}.jsonl").read_text("utf-8").splitlines()]
        docs[s] = {r["doc"] for r in rows}
    assert [len(d) for d in docs.values()] == [60, 1, 2]
    assert not (
        docs["train"] & docs["dev"] or docs["train"] & docs["test"] or docs["dev"] & docs["test"]
    )
    assert sum(len(d) for d in docs.values()) == 63


def test_a_store_that_changes_between_passes_is_an_error(tmp_path: Path) -> None:
    pairs = [AlignedPair("a", "A", doc="d1"), AlignedPair("b", "B", doc="d2")]
    plan = plan_splits(pairs, parse_splits("x=0.5,y=0.5"), 0)
    assert (plan.pairs, plan.documents) == ({"x": 1, "y": 1}, {"x": 1, "y": 1})
    jsonl = get_format("jsonl")
    with pytest.raises(DataError, match="'d3' has pairs now but had none in the counting pass"):
        write_splits(jsonl, plan, lambda: [*pairs, AlignedPair("c", "C", doc="d3")], tmp_path / "c")
    with pytest.raises(DataError, match="got 2 pairs but the counting pass found 1"):
        write_splits(jsonl, plan, lambda: [*pairs, pairs[0], pairs[1]], tmp_path / "c")
    assert list(tmp_path.iterdir()) == []  # the failed split's temp file is gone, none renamed
    assert [w.pairs for w in write_splits(jsonl, plan, lambda: pairs, tmp_path / "c")] == [1, 1]
