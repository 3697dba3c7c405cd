"""Issue 13 on the real files other tools wrote (``shared/data/foreign-tm``): one test per
numbered defect, then the import → export round trip of every file (props and notes kept,
exports valid against the TMX DTD and the XLIFF schemas).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from aligned.formats import TMXFormat, read_path
from aligned.store import open_store
from tests.cli import run_cli
from tests.shared_data import DATA, SHARED

FOREIGN = DATA / "foreign-tm"
DTD = etree.DTD(str(SHARED / "schemas" / "tmx14.dtd"))
_NO_NET = etree.XMLParser(no_network=True)
XSD12 = etree.XMLSchema(
    etree.parse(str(SHARED / "schemas" / "xliff" / "xliff-core-1.2-strict.xsd"), _NO_NET)
)
XSD20 = etree.XMLSchema(
    etree.parse(str(SHARED / "schemas" / "xliff" / "xliff_core_2.0.xsd"), _NO_NET)
)


def f(name: str) -> Path:
    (path,) = FOREIGN.glob(f"{name}_*")
    return path


def imported(tmp_path: Path, path: Path, *args: str) -> tuple[Path, str]:
    store = tmp_path / f"{path.name}.sqlite"
    code, _, err = run_cli(["import", str(path), "-o", str(store), "--force", *args])
    assert code == 0, err
    return store, err


def jsonl(store: Path) -> list[dict[str, object]]:
    code, out, err = run_cli(["export", str(store), "--format", "jsonl", "-q"])
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def exported(store: Path, fmt: str) -> bytes:
    code, out, err = run_cli(["export", str(store), "--format", fmt, "-q"])
    assert code == 0, err
    return out.encode("utf-8")


# -- 1. languages are never relabelled -------------------------------------------------------------


def test_1_a_file_without_the_chosen_languages_is_refused_naming_its_languages(
    tmp_path: Path,
) -> None:
    code, _, err = run_cli(["import", str(f("31")), "-o", str(tmp_path / "s.sqlite")])
    assert code == 65
    assert err == (
        f"songngu: error: {f('31')}: no unit has both a 'vi' and a 'en' text; the file holds "
        "DE-DE (1), EN-US (1), CS-CZ (1); choose its languages with --source-lang TAG "
        "--target-lang TAG (a bare tag such as 'en' matches every region)\n"
    )
    assert not (tmp_path / "s.sqlite").exists()


def test_1_tags_are_stored_and_exported_as_written(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, f("31"), "--source-lang", "de", "--target-lang", "en")
    (row,) = jsonl(store)
    assert (row["source_lang"], row["target_lang"]) == ("DE-DE", "EN-US")
    assert (row["source"], row["target"]) == (
        "Wenn die Logfunktion installiert ist",
        "If the log function is installed",
    )
    tmx = exported(store, "tmx")
    assert b'<tuv xml:lang="DE-DE"><seg>Wenn die' in tmx
    assert b'<tuv xml:lang="EN-US"><seg>If the' in tmx
    assert b'<tuv xml:lang="CS-CZ"><seg>Pokud je' in tmx  # the third language, kept
    assert b'xml:lang="vi"' not in tmx and b'xml:lang="en"' not in tmx
    assert b'srclang="DE-DE"' in tmx
    xlf = exported(store, "xliff")
    assert b'source-language="DE-DE" target-language="EN-US"' in xlf
    _, out, _ = run_cli(["export", str(store), "--format", "tsv", "-q"])
    assert out.split("\n")[0].split("\t")[:2] == ["DE-DE", "EN-US"]


# -- 2. the target is the chosen language, the others are kept and counted -------------------------


def test_2_one_target_language_other_languages_kept_and_counted(tmp_path: Path) -> None:
    store, err = imported(tmp_path, f("02"), "--source-lang", "en-US", "--target-lang", "fr")
    rows = jsonl(store)
    assert [(r["source"], r["target"], r["target_lang"]) for r in rows] == [
        ("First entry in US English", "First entry in French Canadian", "fr-ca"),
        ("Second entry in US English", "Second entry in French Canadian", "fr-ca"),
        ("Third entry in US English", "Third entry in French Canadian", "fr-ca"),
    ]
    assert rows[0]["extra"] == {
        "lang:en-gb": "First entry in UK English",
        "lang:ja-jp": "First entry in Japanese",
        "lang:es-es": "First entry in Spanish",
    }
    assert "kept 9 texts in other languages as extra data" in err


def test_2_en_gb_is_not_the_translation_of_en_us(tmp_path: Path) -> None:
    # the default target 'en' matches en-us (first); vi is nowhere: refused, not relabelled
    code, _, err = run_cli(["import", str(f("02")), "-o", str(tmp_path / "s.sqlite")])
    assert code == 65 and "the file holds en-us (3), en-gb (3), ja-jp (3)" in err
    store, _ = imported(tmp_path, f("02"), "--source-lang", "en-us", "--target-lang", "en-gb")
    assert [(r["source_lang"], r["target_lang"]) for r in jsonl(store)] == [("en-us", "en-gb")] * 3


def test_2_one_language_twice_in_a_tu_the_first_wins_the_second_is_kept(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, f("10"), "--source-lang", "en", "--target-lang", "fr-ca")
    (row,) = jsonl(store)
    assert (row["source"], row["target"]) == ("Hello World!", "fr_CA Bonjour le monde\xa0!")
    assert row["extra"]["lang:FR-CA"] == "fr_CA Bonjour tout le monde\xa0!"  # type: ignore[index]
    # en matches EN-US; fr (bare) matches FR-CA first, in document order
    store, err = imported(tmp_path, f("10"), "--source-lang", "en", "--target-lang", "fr")
    assert [r["target"] for r in jsonl(store)] == [
        "fr_CA Bonjour le monde\xa0!",
        "fr_FR 2 Bonjour les mondes.",
    ]
    assert "skipped 1 units without both en and fr texts" in err


# -- 3. per-TU srclang -----------------------------------------------------------------------------


def test_3_per_tu_srclang_kept_and_direction_recorded(tmp_path: Path) -> None:
    store, err = imported(tmp_path, f("05"), "--source-lang", "en", "--target-lang", "fr")
    (row,) = jsonl(store)
    assert (row["source"], row["target"]) == (
        "Second Entry - UK English",
        "Second Entry - French Canadian",
    )
    assert row["extra"] == {"@srclang": "fr-ca", "direction": "fr-ca→en-gb"}
    assert "1 units were translated from the target language originally" in err
    assert b'<tu srclang="fr-ca"' in exported(store, "tmx")
    store, _ = imported(tmp_path, f("05"), "--source-lang", "de", "--target-lang", "en")
    (row,) = jsonl(store)
    assert (row["source"], row["target"], row["extra"]) == (
        "First Entry - German",
        "First Entry - UK English",
        {"@srclang": "de-de"},
    )


def test_3_lisa_1j_imports_the_first_two_entries(tmp_path: Path) -> None:
    code, _, err = run_cli(["import", str(f("04")), "-o", str(tmp_path / "s.sqlite")])
    assert code == 65 and "the file holds en-us (3), en-gb (2), es-es (1)" in err  # regions shown
    store, err = imported(tmp_path, f("04"), "--source-lang", "en-us", "--target-lang", "en-gb")
    assert [r["source"] for r in jsonl(store)] == [
        "First entry in US English",
        "Second entry in US English",
    ]
    assert "skipped 1 units without both en-us and en-gb texts" in err


def test_3_an_en_to_vi_memory_stores_vietnamese_as_source_and_keeps_the_direction(
    tmp_path: Path,
) -> None:
    store, err = imported(tmp_path, f("26"))
    rows = jsonl(store)
    assert all(r["source_lang"] == "vi" and r["target_lang"] == "en-US" for r in rows)
    assert all(r["extra"]["direction"] == "en-US→vi" for r in rows)  # type: ignore[index]
    assert "units were translated from the target language originally" in err


# -- 4. units with one language are skipped and counted --------------------------------------------


def test_4_tus_with_one_language_are_skipped_and_counted(tmp_path: Path) -> None:
    store, err = imported(tmp_path, f("29"), "--source-lang", "en", "--target-lang", "pt")
    rows = jsonl(store)
    assert all(r["source"] and r["target"] for r in rows)
    assert "skipped 4 units without both en and pt texts" in err
    assert f"imported {len(rows)} pairs" in err
    assert len(rows) == 1761


# -- 5. extra data is kept -------------------------------------------------------------------------


def test_5_props_notes_tuid_and_dates_are_stored_and_written_back(tmp_path: Path) -> None:
    # 19_okapi_sample14b is among the files kept aside; 15 has TU and TUV props, 22 a note
    src = f("15")
    store, _ = imported(tmp_path, src, "--source-lang", "en", "--target-lang", "de")
    tmx = exported(store, "tmx")
    assert DTD.validate(etree.fromstring(tmx))
    n_in = src.read_bytes().count(b"<prop ")
    assert tmx.count(b'<prop type="Txt::') + tmx.count(b'<prop type="Att::') == n_in
    assert tmx.count(b'<prop type="@tuid">') == 7
    rows = jsonl(store)
    assert rows[0]["extra"]["@tuid"] == "ACDetectionCheckFailedAction0"  # type: ignore[index]
    assert rows[0]["extra"]["source:Txt::GroupName"] == (  # type: ignore[index]
        "InletLinePrimeFluidTooSoonAction0"
    )
    store, _ = imported(tmp_path, f("24"), "--target-lang", "en-us")
    row = jsonl(store)[0]
    assert row["extra"] == {
        "source:@changeid": "nam",
        "source:@changedate": "20230406T173707Z",
        "source:@creationid": "nam",
        "source:@creationdate": "20230406T173707Z",
        "direction": "en-US→vi",
    }
    assert b'<tuv xml:lang="vi" changeid="nam" changedate="20230406T173707Z"' in exported(
        store, "tmx"
    )


def test_5_unknown_tsv_columns_and_jsonl_extra_are_kept(tmp_path: Path) -> None:
    tsv = tmp_path / "list.tsv"
    tsv.write_text("en\tvi\tattribution\nRun!\tChạy!\tCC-BY #1\nHi.\tChào.\t\n", "utf-8")
    store, _ = imported(tmp_path, tsv)
    assert [r["extra"] for r in jsonl(store)] == [{"attribution": "CC-BY #1"}, {}]
    _, out, _ = run_cli(["export", str(store), "--format", "tsv", "-q"])
    header, first, second = out.splitlines()
    assert header.split("\t")[-2:] == ["attribution", "extra"]
    assert first.split("\t")[-2:] == ["CC-BY #1", ""]
    assert second.split("\t")[-2:] == ["", ""]
    line = '{"vi": "Chào.", "en": "Hi.", "extra": {"source_url": "http://x"}}\n'
    (tmp_path / "x.jsonl").write_text(line, "utf-8")
    store, _ = imported(tmp_path, tmp_path / "x.jsonl")
    assert jsonl(store)[0]["extra"] == {"source_url": "http://x"}
    assert b'<prop type="source_url">http://x</prop>' in exported(store, "tmx")


# -- 6. languages can be chosen --------------------------------------------------------------------


def test_6_languages_are_chosen_with_flags_matching_case_and_underscore(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, f("01"), "--source-lang", "EN_us", "--target-lang", "FR-CA")
    rows = jsonl(store)
    assert [(r["source_lang"], r["target_lang"]) for r in rows] == [("en-us", "fr-ca")] * 2
    assert rows[0]["source"] == "First segment with [\t\t   ]"


# -- 7. TSV as people have it ----------------------------------------------------------------------


def test_7_headerless_tsv_with_columns_and_txt_suffix(tmp_path: Path) -> None:
    code, _, err = run_cli(["import", str(f("40")), "-o", str(tmp_path / "a.sqlite")])
    assert code == 2 and "pass --format" in err
    code, _, err = run_cli(
        ["import", str(f("40")), "--format", "tsv", "-o", str(tmp_path / "b.sqlite")]
    )
    assert code == 65 and "--columns" in err
    store, err = imported(tmp_path, f("40"), "--format", "tsv", "--columns", "en,vi")
    rows = jsonl(store)
    assert (rows[0]["vi"], rows[0]["en"]) == ("Chạy!", "Run!")
    assert len(rows) == 3397


def test_7_three_columns_and_skipped_columns(tmp_path: Path) -> None:
    tsv = tmp_path / "tatoeba.txt"
    tsv.write_text("Run!\tChạy!\tCC-BY 2.0 (France) Attribution: tatoeba.org #906328\n", "utf-8")
    store, _ = imported(tmp_path, tsv, "--format", "tsv", "--columns", "en,vi,attribution")
    (row,) = jsonl(store)
    assert row["extra"] == {"attribution": "CC-BY 2.0 (France) Attribution: tatoeba.org #906328"}
    store, _ = imported(tmp_path, tsv, "--format", "tsv", "--columns", "en,vi,-")
    assert jsonl(store)[0]["extra"] == {}
    code, _, err = run_cli(
        ["import", str(tsv), "--columns", "en,fr", "-o", str(tmp_path / "c.sqlite")]
    )
    assert code == 2 and "--columns 'en,fr' must name" in err


def test_7_utf16_with_bom_and_language_tag_headers(tmp_path: Path) -> None:
    store, _ = imported(
        tmp_path,
        f("43"),
        *("--columns", "en,fr", "--source-lang", "en", "--target-lang", "fr"),
    )
    assert [(r["source"], r["target"]) for r in jsonl(store)] == [
        ("entry 1", "trans 1"),
        ("source 2", "éßÑ￦ target 2"),
    ]
    tsv = tmp_path / "tags.tsv"
    tsv.write_bytes("vi-VN\ten-US\nXin chào\tHello\n".encode("utf-16"))
    store, _ = imported(tmp_path, tsv)
    (row,) = jsonl(store)
    assert (row["source_lang"], row["target_lang"], row["vi"]) == ("vi-VN", "en-US", "Xin chào")


def test_7_a_utf16_file_without_bom_is_not_told_about_windows_1258_alone(tmp_path: Path) -> None:
    tsv = tmp_path / "u16.tsv"
    tsv.write_bytes("vi\ten\nXin chào\tHello\n".encode("utf-16-le"))
    code, _, err = run_cli(["import", str(tsv), "-o", str(tmp_path / "s.sqlite")])
    assert code == 65 and "UTF-16" in err


# -- 8. inline codes never glue words --------------------------------------------------------------


def test_8_inline_codes_keep_word_boundaries(tmp_path: Path) -> None:
    pairs = list(read_path(TMXFormat(source_lang="en", target_lang="fr"), f("16")))
    assert "This is a para graph with line breaks" in [p.source for p in pairs]
    assert "Second paragraph tag" in [p.source for p in pairs]
    pairs = list(read_path(TMXFormat(source_lang="en", target_lang="de"), f("15")))
    assert pairs[0].source == (
        "1. Confirm that the AC line is in the AC fluid detector. 2. Touch Retry."
    )
    assert pairs[1].source == "Touch Retry to resume the procedure."  # <ut> content is code
    pairs = list(read_path(TMXFormat(source_lang="en", target_lang="fr"), f("07")))
    assert [p.source for p in pairs] == [
        "The big black cat sleeps.",
        'Test for special characters = <=lt, >=gt, &=amp, "=quot.',
        "Nested formatting = Bold+Italic+Underlined, Bold+Italic, Bold.",
        "First sentence.",
        "Second sentence.",
        "Picture: ",
        "Some text with a part highlighted.",
    ]


def test_8_sub_text_is_kept_and_codes_round_trip(tmp_path: Path) -> None:
    tmx = tmp_path / "sub.tmx"
    tmx.write_text(
        '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>See'
        '<ph x="1">&lt;img alt="<sub>a red cat</sub>"/&gt;</ph>here</seg></tuv>'
        '<tuv xml:lang="vi"><seg>Xem<ph x="1">&lt;img alt="<sub>mèo đỏ</sub>"/&gt;</ph>đây'
        "</seg></tuv></tu></body></tmx>",
        "utf-8",
    )
    store, _ = imported(tmp_path, tmx)
    (row,) = jsonl(store)
    assert (row["vi"], row["en"]) == ("Xem mèo đỏ đây", "See a red cat here")
    out = exported(store, "tmx")
    assert DTD.validate(etree.fromstring(out))
    assert '<seg>Xem<ph x="1">&lt;img alt="<sub>mèo đỏ</sub>"/&gt;</ph>đây</seg>' in out.decode()


# -- 9. XLIFF --------------------------------------------------------------------------------------


def test_9_xliff_12_and_20_from_other_tools(tmp_path: Path) -> None:
    store, err = imported(tmp_path, f("50"), "--source-lang", "en", "--target-lang", "fr")
    rows = jsonl(store)
    assert [(r["source"], r["target"], r["reviewed"]) for r in rows] == [
        ("Translated but un-approved text.", "text traduit mais pas encore approuvé.", False),
        ("Translated and approved text.", "Texte traduit et approuvé.", True),
    ]  # the unit with only an alt-trans candidate has no target: skipped
    assert "skipped 2 units" in err
    assert rows[0]["extra"] == {"@id": "2", "@resname": "Key2", "@original": "sample.data"}
    store, err = imported(tmp_path, f("53"), "--source-lang", "en", "--target-lang", "fr")
    (row,) = jsonl(store)
    assert (row["source"], row["target"]) == ("High Altitude Birds", "Oiseaux de haute altitude")
    assert "skipped 6 units" in err
    code, _, err = run_cli(["import", str(f("53")), "-o", str(tmp_path / "x.sqlite")])
    assert code == 65 and "the file holds en (" in err


@pytest.mark.parametrize(("fmt", "schema"), [("xliff", XSD12), ("xliff2", XSD20)])
def test_9_xliff_export_is_valid_and_reads_back(
    fmt: str, schema: etree.XMLSchema, tmp_path: Path
) -> None:
    store, _ = imported(tmp_path, f("24"))
    out = exported(store, fmt)
    assert schema.validate(etree.fromstring(out)), schema.error_log.filter_from_errors()
    back = tmp_path / f"back.{fmt}.xlf"
    back.write_bytes(out)
    again, _ = imported(tmp_path, back)
    assert jsonl(again) == jsonl(store)


# -- 10. .tmx.gz and --doc -------------------------------------------------------------------------


def test_10_gzip_files_and_appending_files_of_one_name(tmp_path: Path) -> None:
    gz = tmp_path / "project_save.tmx.gz"
    with f("24").open("rb") as src, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(src, out)
    store = tmp_path / "tm.sqlite"
    assert run_cli(["import", str(gz), "-o", str(store), "-q"])[0] == 0
    code, _, err = run_cli(["import", str(gz), "--append", "-o", str(store)])
    assert code == 65 and "document 'project_save' is already in" in err
    code, _, err = run_cli(
        ["import", str(f("26")), "--append", "--doc", "level2", "-o", str(store)]
    )
    assert code == 0, err
    with open_store(store, create=False) as opened:
        assert sorted(opened.document_ids()) == ["level2", "project_save"]
    bad = tmp_path / "bad.tmx.gz"
    bad.write_bytes(b"not gzip at all")
    code, _, err = run_cli(["import", str(bad), "-o", str(tmp_path / "b.sqlite")])
    assert code == 65 and "not a readable gzip file" in err


# -- every shared file: imported, exported, valid --------------------------------------------------

#: The languages each shared file is imported with (None: the defaults vi/en).
LANGUAGES: dict[str, tuple[str, ...]] = {
    "01": ("--source-lang", "en", "--target-lang", "fr"),
    "02": ("--source-lang", "en-us", "--target-lang", "fr"),
    "04": ("--source-lang", "en-us", "--target-lang", "en-gb"),
    "05": ("--source-lang", "en", "--target-lang", "fr"),
    "07": ("--source-lang", "en", "--target-lang", "fr"),
    "10": ("--source-lang", "en", "--target-lang", "es"),
    "15": ("--source-lang", "en", "--target-lang", "de"),
    "16": ("--source-lang", "en", "--target-lang", "fr"),
    "22": ("--source-lang", "en", "--target-lang", "fr"),
    "24": (),
    "26": (),
    "29": ("--source-lang", "en", "--target-lang", "pt"),
    "31": ("--source-lang", "de", "--target-lang", "en"),
    "40": ("--format", "tsv", "--columns", "en,vi"),
    "43": ("--columns", "en,fr", "--source-lang", "en", "--target-lang", "fr"),
    "50": ("--source-lang", "en", "--target-lang", "fr"),
    "53": ("--source-lang", "en", "--target-lang", "fr"),
}


@pytest.mark.parametrize("key", sorted(LANGUAGES))
def test_every_shared_file_round_trips(key: str, tmp_path: Path) -> None:
    store, _ = imported(tmp_path, f(key), *LANGUAGES[key])
    rows = jsonl(store)
    assert rows and all(r.get("source") or r.get("vi") for r in rows)
    tmx = exported(store, "tmx")
    assert DTD.validate(etree.fromstring(tmx)), DTD.error_log.filter_from_errors()
    for fmt, schema in (("xliff", XSD12), ("xliff2", XSD20)):
        out = exported(store, fmt)
        assert schema.validate(etree.fromstring(out)), schema.error_log.filter_from_errors()
    again = tmp_path / "again.tmx"
    again.write_bytes(tmx)
    store2 = tmp_path / "again.sqlite"
    code, _, err = run_cli(["import", str(again), "-o", str(store2), *LANGUAGES[key][-4:]]
                           if "--source-lang" in LANGUAGES[key] else
                           ["import", str(again), "-o", str(store2)])  # fmt: skip
    assert code == 0, err
    assert exported(store2, "tmx") == tmx  # props, notes, attributes, other languages kept
