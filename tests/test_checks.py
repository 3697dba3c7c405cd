"""Reference-free checks: exact flags and values on crafted pairs, the store, the CLI, `run`.

No model: stores are filled by a fake translator with fixed outputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aligned import checks
from aligned.checks import (
    CHECKS,
    REGISTRY,
    Check,
    Flag,
    check_pair,
    check_store,
    missing_numbers,
    stored_flags,
)
from aligned.cli import main
from aligned.runner import run_corpus, translate_pending
from aligned.store import open_store
from corpus.model import Document, RawDocument
from corpus.pipeline import process_documents
from tests.fakes import TableTranslator, fake_signature

SIG = fake_signature(max_length=64)


# -- each check on crafted pairs -----------------------------------------------------------------


def test_clean_pair_has_no_flags() -> None:
    assert check_pair("Ông ấy đến Hà Nội hôm qua.", "He came to Hanoi yesterday.") == []
    assert check_pair("", "") == []  # nothing to translate, nothing to flag


def test_empty() -> None:
    assert check_pair("Xin chào các bạn.", "  ") == [Flag("empty", 1.0, "no output")]


def test_copy() -> None:
    src = "Ông ấy nói xin chào các bạn."
    assert check_pair(src, src)[0] == Flag("copy", 1.0, "output is the source")
    flags = check_pair("Hôm nay trời rất đẹp phải không anh.", "Hôm nay trời rất đẹp phải không.")
    assert flags[0] == Flag("copy", 1.0, "100% of the words are the source's")
    # Names shared by source and output are not a copy.
    src, out = "Rapper Kanye West đổi tên thành Ye.", "Rapper Kanye West renamed Ye."
    assert check_pair(src, out, names=["copy"]) == []


def test_vietnamese_left() -> None:
    flags = check_pair(
        "Cảnh sát đụng độ với phe ly khai xứ Catalan.",
        "Police clash with the xứalish separatists.",
    )
    assert flags == [Flag("vietnamese-left", 1.0, "xứalish")]
    # Accented names of other languages are not Vietnamese.
    for name in ("Paz Zárate", "Janelle Monáe", "Gabriel García Márquez", "Zoë Kravitz"):
        assert checks.vietnamese_words(f"She met {name}.") == []
    assert checks.vietnamese_words("Nguyễn Phú Trọng and Đà Nẵng") == [
        "Nguyễn",
        "Trọng",
        "Đà",
        "Nẵng",
    ]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Lãi suất tăng 1,5%.", "Interest rose 1.5%."),
        ("Giá là 68.500.000 đồng.", "The price is 68,500,000 dong."),
        ("Doanh thu đạt 68,5 triệu USD.", "Revenue reached $68.5 million."),
        ("Giá là 68.500.000 đồng.", "The price is 68.5 million dong."),
        ("Thiệt hại 1,2 tỷ đồng.", "Damage of 1.2 billion dong."),
        ("Ngày 18/4/1946 là ngày lịch sử.", "April 18, 1946 is a historic day."),
        ("Sáng 2/9, ông phát biểu.", "On the morning of September 2, he spoke."),
        ("Có 3 người và 2 con chó.", "There were three people and two dogs."),
        ("Chiến tranh Thế giới lần 2.", "World War II."),
        ("Lúc 8h30 sáng.", "At 8:30 a.m."),
        ("Dân số 1.400 người.", "A population of 1,400."),
        ("Khoảng 26,750 đô la.", "About $26,750."),
    ],
)
def test_numbers_carried_over(source: str, target: str) -> None:
    assert missing_numbers(source, target) == []


def test_numbers_not_carried_over() -> None:
    assert check_pair(
        "Thành phố có hơn 380.000 người dân.", "The city has more than 330,000 residents."
    ) == [Flag("numbers", 1.0, "380.000")]
    assert missing_numbers("Doanh thu đạt 68,5 triệu USD.", "Revenue reached $68 million.") == [
        "68,5"
    ]
    assert missing_numbers("Cúp Ryder năm 2018 và 2019.", "The Ryder Cup in 2017.") == [
        "2018",
        "2019",
    ]
    assert missing_numbers("Ngày 18/4/1946.", "On May 18, 1946.") == ["4"]


def test_length_ratio() -> None:
    src = "Một câu đủ dài để đo tỷ lệ độ dài ở đây nhé các bạn ơi."  # 55 characters
    out = "Yes."
    expected = round(math.log(len(out) / len(src)), 4)
    assert check_pair(src, out) == [
        Flag("length-ratio", expected, f"output/source length 4/{len(src)} = 0.07")
    ]
    assert expected < checks.LENGTH_RATIO_LOW
    # Short sources are too noisy for a ratio: not checked.
    assert check_pair("Vâng.", "Yes, of course, that is right.") == []


def test_repetition() -> None:
    assert check_pair("Họ làm việc bốn ngày/tuần.", "They work four days///////.") == [
        Flag("repetition", 7.0, "a run of 7 punctuation characters")
    ]
    assert check_pair(
        "Trang web mô tả chương trình này là mới và táo bạo.",
        "The website describes the show as brand-new brand-new brand-new.",
    ) == [Flag("repetition", 3.0, "an n-gram repeated 3 times in a row")]
    assert checks.max_repeat("to the north to the north to the north to the north") == 4
    # Repetition the source has too is not a loop.
    assert check_pair("Ha ha ha, vui quá.", "Ha ha ha, so fun.") == []
    assert check_pair("Chờ đã... được rồi.", "Wait... all right.") == []


def test_split() -> None:
    assert check_pair("Câu dài.", "Long sentence.", split=3) == [
        Flag("split", 3.0, "input translated in 3 parts")
    ]
    assert check_pair("Câu dài.", "Long sentence.", split=0) == []


def test_brackets() -> None:
    src, out = "Anh ấy (người Mỹ) nói: “Không”.", 'He (American said: "No.'
    assert check_pair(src, out, names=["brackets"]) == [Flag("brackets", 2.0, '() "')]
    # Curly quotes become straight ones; an already unbalanced source is not the output's fault.
    assert check_pair("Ông nói: “Không”.", 'He said: "No".') == []
    assert check_pair("Tôi không tranh cử.”", 'I am not running."') == []


# -- the store, the CLI and `run` ----------------------------------------------------------------

OUTPUTS = {
    "Xin chào các bạn.": "Hello everyone.",
    "Ông ấy đến Hà Nội hôm qua.": "",
    "Thành phố có hơn 380.000 người dân.": "The city has more than 330,000 residents.",
    "Họ làm việc bốn ngày/tuần.": "They work four days///////.",
}


def docs() -> list[Document]:
    return process_documents([RawDocument(f"d{i}", "-", t) for i, t in enumerate(OUTPUTS)])


def test_check_store_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "corpus.sqlite"
    with open_store(path) as store:
        store.add_documents(docs())
        store.use_system(str(SIG))
        translator = TableTranslator(OUTPUTS, SIG, split={"Xin chào các bạn."})
        translate_pending(store, translator, drop=frozenset())
        counts = check_store(store, str(SIG))
        assert counts == {
            "empty": 1,
            "copy": 0,
            "vietnamese-left": 0,
            "numbers": 1,
            "length-ratio": 0,
            "repetition": 1,
            "split": 1,
            "brackets": 0,
            "not-english": 0,
            "segments": 4,
        }
        assert check_store(store, str(SIG)) == counts  # re-running replaces
        assert store.check_metrics_by_segment(str(SIG)) == {
            1: ["check:split"],
            2: ["check:empty"],
            3: ["check:numbers"],
            4: ["check:repetition"],
        }
        flags = stored_flags(store, str(SIG))
        assert [(f.doc, f.name, f.value, f.detail) for f in flags] == [
            ("d0", "split", 2.0, "input translated in 2 parts"),
            ("d1", "empty", 1.0, "no output"),
            ("d2", "numbers", 1.0, "380.000"),
            ("d3", "repetition", 7.0, "a run of 7 punctuation characters"),
        ]
    assert main(["check", str(path), "--format", "json", "--list"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["segments"] == 4 and out["counts"]["numbers"] == 1
    assert out["flagged"][2] == {
        "id": "d2:1:1",
        "check": "numbers",
        "value": 1.0,
        "detail": "380.000",
        "vi": "Thành phố có hơn 380.000 người dân.",
        "en": "The city has more than 330,000 residents.",
    }
    assert main(["check", str(path)]) == 0
    text = capsys.readouterr().out
    assert "segments checked: 4\n" in text and "numbers          1\n" in text
    assert main(["check", str(path), "--system", "nope"]) == 2


def test_run_stores_checks(tmp_path: Path) -> None:
    result = run_corpus(
        docs(), tmp_path / "out", lambda: TableTranslator(OUTPUTS, SIG), drop=frozenset()
    )
    assert result.check_counts["empty"] == 1
    assert result.check_counts["repetition"] == 1
    with open_store(tmp_path / "out" / "corpus.sqlite") as store:
        by_segment = store.check_metrics_by_segment(result.signature)
        metrics = sorted(m for names in by_segment.values() for m in names)
    assert metrics == ["check:empty", "check:numbers", "check:repetition"]


def test_registry_names_every_check_once_with_a_function_and_one_help_line() -> None:
    assert CHECKS == tuple(REGISTRY) == (
        "empty", "copy", "vietnamese-left", "numbers", "length-ratio", "repetition", "split",
        "brackets", "not-english",
    )  # fmt: skip
    for name, check in REGISTRY.items():
        assert isinstance(check, Check) and check.name == name
        assert check.help and "\n" not in check.help
        assert check.func("Câu.", "Sentence.", 0) is None  # a good pair passes every check


def test_each_check_is_a_pure_function_of_source_output_and_split() -> None:
    src = "Ông ấy có 3 con mèo (và một con chó) ở Hà Nội từ năm 2019."
    assert REGISTRY["copy"].func(src, src, 0) == Flag("copy", 1.0, "output is the source")
    assert REGISTRY["numbers"].func(src, "He has cats and a dog in Hanoi since 2019.", 0) == Flag(
        "numbers", 1.0, "3"
    )
    assert REGISTRY["split"].func(src, "x", 3) == Flag("split", 3.0, "input translated in 3 parts")
    assert REGISTRY["brackets"].func(src, "He has 3 cats (and a dog in Hanoi since 2019.", 0) == (
        Flag("brackets", 1.0, "()")
    )
    assert REGISTRY["vietnamese-left"].func(src, "He lives in Hà Nội.", 0) == Flag(
        "vietnamese-left", 1.0, "Nội"
    )
    # check_pair runs the registry in order, or only the checks named.
    out = "Ông ấy có 3 con mèo (và một con chó) ở Hà Nội từ năm 2019"
    assert [f.name for f in check_pair(src, out)] == ["copy", "vietnamese-left", "not-english"]
    assert check_pair(src, out, names=["vietnamese-left"]) == [
        Flag("vietnamese-left", 6.0, "ấy một ở Nội từ năm")
    ]
    assert check_pair(src, "", names=["copy"]) == []


def test_cli_checks_option_runs_and_replaces_only_the_named_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "corpus.sqlite"
    with open_store(path) as store:
        store.add_documents(docs())
        store.use_system(str(SIG))
        translate_pending(
            store, TableTranslator(OUTPUTS, SIG, split={"Xin chào các bạn."}), drop=frozenset()
        )
        check_store(store, str(SIG))
    assert main(["check", str(path), "--checks", "numbers", "empty", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"] == {"empty": 1, "numbers": 1}
    with open_store(path) as store:
        # The flags of the other checks stay as the full run stored them.
        assert [f.name for f in stored_flags(store, str(SIG))] == [
            "split", "empty", "numbers", "repetition",
        ]  # fmt: skip
        assert [f.name for f in stored_flags(store, str(SIG), ["split"])] == ["split"]
    with pytest.raises(SystemExit):
        main(["check", str(path), "--checks", "nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = capsys.readouterr().out
    for name, check in REGISTRY.items():
        assert f"  {name:16} {check.help[:40]}" in help_text
