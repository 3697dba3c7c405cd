"""songngu score / compare: the numbers and signatures must be exactly sacrebleu's.

Expected values come from sacrebleu itself, computed in the test: its CLI (a subprocess of the
venv's ``sacrebleu``) for files, its metric classes for stores. The data are real OPUS-MT
outputs on NTREX-128 dev (``shared/data/ntrex128/systems``). No model: stores are filled by a
fake translator that returns those outputs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from aligned.references import attach_lines
from aligned.scoring import (
    Gate,
    compare_systems,
    corpus_scores,
    failed_gates,
    parse_gate,
    parse_metrics,
    sentence_scores,
)
from aligned.store import open_store
from corpus.errors import ConfigError, DataError
from corpus.model import RawDocument
from corpus.pipeline import process_documents
from tests.cli import run_cli
from tests.fakes import TableTranslator, fake_signature
from tests.shared_data import DATA

NTREX = DATA / "ntrex128"
SYS_A = NTREX / "systems" / "opus-2020-09-10.en"
SYS_B = NTREX / "systems" / "opus+bt-2021-04-30.en"
REF = NTREX / "dev.en"
SACREBLEU = str(Path(sys.executable).with_name("sacrebleu"))
METRIC_ARGS = ["-m", "bleu", "chrf", "ter", "--chrf-word-order", "2"]


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def sacrebleu_cli(*args: str) -> str:
    done = subprocess.run(
        [SACREBLEU, *args], capture_output=True, text=True, check=True, encoding="utf-8"
    )
    return done.stdout


def head(path: Path, n: int, tmp: Path) -> str:
    """The first ``n`` lines of ``path`` in a file under ``tmp``."""
    out = tmp / f"{path.name}.{n}"
    out.write_text("\n".join(lines(path)[:n]) + "\n", encoding="utf-8")
    return str(out)


# -- files mode against sacrebleu's CLI ---------------------------------------------------------


def test_score_files_equal_sacrebleu_cli() -> None:
    cli = json.loads(
        sacrebleu_cli(str(REF), "-i", str(SYS_A), *METRIC_ARGS, "-f", "json", "-w", "4", "-ci")
    )
    code, out, _ = run_cli(["score", "--hyp", str(SYS_A), "--ref", str(REF), "--format", "json"])
    assert code == 0
    ours = json.loads(out)
    assert ours["segments"] == 1005
    assert [s["name"] for s in ours["scores"]] == [c["name"] for c in cli]
    for mine, theirs in zip(ours["scores"], cli, strict=True):
        assert mine["signature"] == theirs["signature"]
        assert round(mine["score"], 4) == theirs["score"]
        assert round(mine["confidence_mean"], 4) == theirs["confidence_mean"]
        assert round(mine["confidence_var"], 4) == theirs["confidence_var"]
    assert ours["scores"][0]["verbose_score"] == cli[0]["verbose_score"]


@pytest.mark.parametrize(
    ("hyp", "bleu", "chrf", "chrfpp", "verbose"),
    [
        (
            SYS_A,
            22.80,
            51.06,
            48.92,
            "55.3/28.8/16.8/10.1 (BP = 1.000 ratio = 1.033 hyp_len = 25016 ref_len = 24212)",
        ),
        (
            SYS_B,
            24.66,
            53.29,
            51.19,
            "57.1/30.8/18.4/11.4 (BP = 1.000 ratio = 1.047 hyp_len = 25357 ref_len = 24212)",
        ),
    ],
)
def test_scores_equal_the_published_ones(
    hyp: Path, bleu: float, chrf: float, chrfpp: float, verbose: str
) -> None:
    """shared/data/ntrex128/systems/README.md, made with sacrebleu 2.3.1 (the signatures differ
    in their version field only)."""
    metrics = ("bleu", "chrf", "chrf++")
    scores = {
        s.key: s for s in corpus_scores(lines(hyp), lines(REF), n_bootstrap=1, metrics=metrics)
    }
    assert list(scores) == list(metrics)
    assert round(scores["bleu"].score, 2) == bleu
    assert round(scores["chrf"].score, 2) == chrf
    assert round(scores["chrf++"].score, 2) == chrfpp
    assert scores["bleu"].verbose == verbose
    assert [s.name for s in scores.values()] == ["BLEU", "chrF2", "chrF2++"]
    published = {
        "bleu": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1",
        "chrf": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1",
        "chrf++": "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.3.1",
    }
    import sacrebleu

    for key, sig in published.items():
        assert scores[key].signature == sig.replace("2.3.1", sacrebleu.__version__)
    # Without --metrics: BLEU, chrF++ and TER, as before.
    assert [s.key for s in corpus_scores(lines(hyp)[:5], lines(REF)[:5], n_bootstrap=1)] == [
        "bleu",
        "chrf++",
        "ter",
    ]


def test_metrics_option() -> None:
    assert parse_metrics("bleu,chrf,ter") == ("bleu", "chrf", "ter")
    assert parse_metrics(" chrF2++ , BLEU,bleu,chrF2") == ("chrf++", "bleu", "chrf")
    with pytest.raises(ConfigError, match="unknown metric 'meteor'; choose from bleu,chrf,chrf"):
        parse_metrics("bleu,meteor")
    code, _, err = run_cli(["score", "--hyp", str(SYS_A), "--ref", str(REF), "--metrics", "x"])
    assert code == 2 and "--metrics 'x': unknown metric 'x'" in err
    code, _, err = run_cli(["compare", "--hyp", str(SYS_A), "--hyp", str(SYS_B), "--ref",
                            str(REF), "--metrics", "bleu,"])  # fmt: skip
    assert code == 2 and "unknown metric ''" in err


def test_score_text_output_and_stdin(
    tmp_path: Path,
) -> None:
    hyp = "\n".join(lines(SYS_A)[:50]) + "\n"
    ref = head(REF, 50, tmp_path)
    argv = ["score", "--hyp", "-", "--ref", str(ref), "--confidence", "1"]
    code, out, _ = run_cli(argv, stdin=hyp.encode("utf-8"))
    assert code == 0
    expected = BLEU().corpus_score(lines(SYS_A)[:50], [lines(REF)[:50]])
    assert f"BLEU = {expected.score:.2f} " in out
    assert "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" in out
    assert "chrF2++ = " in out and "TER = " in out and "μ" not in out


def test_line_count_mismatch_is_a_data_error(tmp_path: Path) -> None:
    hyp = tmp_path / "hyp.en"
    hyp.write_text("one\ntwo\nthree\n", encoding="utf-8")
    ref = tmp_path / "ref.en"
    ref.write_text("one\ntwo\n", encoding="utf-8")
    code, _, err = run_cli(["score", "--hyp", str(hyp), "--ref", str(ref)])
    assert code == 65
    assert f"{hyp} has 3 lines but {ref} has 2" in err
    with pytest.raises(DataError, match="has 3 lines but"):
        compare_systems([("a", ["x"] * 3), ("b", ["y"] * 3)], ["r"] * 2)


# -- gates ------------------------------------------------------------------------------------


def test_gates(tmp_path: Path) -> None:
    base = ["score", "--hyp", str(SYS_A), "--ref", str(REF), "--confidence", "1"]
    code, out, err = run_cli([*base, "--fail-under", "bleu=25", "--fail-over", "ter=70"])
    assert code == 3  # TER 66.10 passes, BLEU 22.80 does not
    assert err == "songngu: gate failed: BLEU = 22.80 misses --fail-under bleu=25\n"
    assert "BLEU = 22.80 " in out
    small = ["score", "--hyp", head(SYS_A, 100, tmp_path), "--ref", head(REF, 100, tmp_path)]
    small += ["--confidence", "1"]
    hyps, refs = lines(SYS_A)[:100], lines(REF)[:100]
    bleu, ter = BLEU().corpus_score(hyps, [refs]).score, TER().corpus_score(hyps, [refs]).score
    gates = ["--fail-under", f"bleu={bleu - 0.01}", "--fail-over", f"ter={ter + 0.01}"]
    code, _, err = run_cli([*small, *gates])
    assert (code, err) == (0, "")
    code, out, err = run_cli([*small, "--fail-over", f"ter={ter - 0.01}", "--format", "json"])
    assert code == 3
    assert err == f"songngu: gate failed: TER = {ter:.2f} misses --fail-over ter={ter - 0.01:g}\n"
    assert json.loads(out)["gates_failed"] == [err.split(": ", 2)[2].strip()]
    code, _, err = run_cli([*base, "--fail-under", "meteor=3"])
    assert code == 2 and "METRIC one of bleu, chrf, chrf++, ter" in err
    assert parse_gate("chrF++=45.5", over=False) == Gate("chrf++", 45.5, False)
    assert parse_gate("chrf=45.5", over=False) == Gate("chrf", 45.5, False)
    # A gate on a metric --metrics leaves out computes it too.
    code, out, err = run_cli([*small, "--metrics", "bleu", "--fail-under", "chrf=99", "--json"])
    assert code == 3 and "gate failed: chrF2 = " in err
    assert [s["name"] for s in json.loads(out)["scores"]] == ["BLEU", "chrF2"]
    with pytest.raises(ConfigError, match="'x' is not a number"):
        parse_gate("bleu=x", over=True)
    scores = corpus_scores(["a b c d"], ["a b c d"], n_bootstrap=1)
    assert failed_gates(scores, [Gate("bleu", 100, False), Gate("ter", 0, True)]) == []


# -- compare against sacrebleu's CLI ------------------------------------------------------------

_CELL = re.compile(r"(\d+\.\d{4}) \((\d+\.\d{4}) ± (\d+\.\d{4})\)")
_P = re.compile(r"\(p = (\d\.\d{4})\)")


@pytest.mark.parametrize("method", ["bs", "ar"])
def test_compare_files_equal_sacrebleu_paired_test(method: str, tmp_path: Path) -> None:
    a, b, r = (head(p, 300, tmp_path) for p in (SYS_A, SYS_B, REF))
    n = "200"
    table = sacrebleu_cli(
        r,
        "-i",
        a,
        b,
        *METRIC_ARGS,
        f"--paired-{method}",
        f"--paired-{method}-n",
        n,
        "-w",
        "4",
        "-f",
        "text",
    )
    code, out, err = run_cli(
        [
            "compare",
            "--hyp",
            a,
            "--hyp",
            b,
            "--ref",
            r,
            "--method",
            method,
            "--samples",
            n,
            "--format",
            "json",
        ],
    )
    assert code == 0 and err == ""
    ours = json.loads(out)
    assert ours["n_samples"] == 200
    names = list(ours["metrics"])
    assert names == ["BLEU", "chrF2++", "TER"]
    for name in names:
        assert f" - {name:10} {ours['metrics'][name]['signature']}" in table
    p_values = [float(p) for p in _P.findall(table)]
    if method == "bs":
        cells = [tuple(map(float, c)) for c in _CELL.findall(table)]
        expected = [row for row in zip(cells[:3], cells[3:6], strict=True)]
        for name, (base_cell, sys_cell) in zip(names, expected, strict=True):
            base, system = ours["metrics"][name]["systems"]
            assert (
                round(base["score"], 4),
                round(base["confidence_mean"], 4),
                round(base["confidence_var"], 4),
            ) == base_cell
            assert (
                round(system["score"], 4),
                round(system["confidence_mean"], 4),
                round(system["confidence_var"], 4),
            ) == sys_cell
            assert system["difference"] == pytest.approx(system["score"] - base["score"])
    assert [round(ours["metrics"][n]["systems"][1]["p_value"], 4) for n in names] == p_values
    assert all(ours["metrics"][n]["systems"][0]["p_value"] is None for n in names)


def test_compare_needs_two_systems() -> None:
    code, _, err = run_cli(["compare", "--hyp", str(SYS_A), "--ref", str(REF)])
    assert code == 2 and "at least two systems" in err


# -- the store --------------------------------------------------------------------------------

SIG_A = fake_signature("opus-2020-09-10", revision="local:a", beam=4, max_length=512)
SIG_B = fake_signature("opus+bt-2021-04-30", revision="local:b", beam=4, max_length=512)


def build_store(path: Path, n: int = 40) -> tuple[list[str], list[str], list[str]]:
    """A store of the first NTREX lines that segment into one sentence each, translated by
    both systems, with the reference attached as 'ref'. Returns (hyps A, hyps B, refs)."""
    from aligned.runner import translate_pending

    vi, a, b, ref = (lines(p)[:n] for p in (NTREX / "dev.vi", SYS_A, SYS_B, REF))
    docs = process_documents([RawDocument(f"d{i:03d}", "-", t) for i, t in enumerate(vi)])
    keep = [i for i, d in enumerate(docs) if len(d.segments) == 1]
    docs = [docs[i] for i in keep]
    texts = [d.segments[0].text for d in docs]
    with open_store(path) as store:
        store.add_documents(docs)
        for sig, hyps in ((SIG_A, a), (SIG_B, b)):
            table = {t: hyps[i] for t, i in zip(texts, keep, strict=True)}
            store.use_system(str(sig))
            translate_pending(store, TableTranslator(table, sig), drop=frozenset())
        attach_lines(store, [ref[i] for i in keep], name="ref")
    return [a[i] for i in keep], [b[i] for i in keep], [ref[i] for i in keep]


def test_score_store_stores_corpus_and_sentence_scores(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    hyps, _, refs = build_store(path)
    assert len(hyps) >= 30
    argv = ["score", str(path), "--system", str(SIG_A), "--format", "json", "--confidence", "1"]
    code, out, _ = run_cli(argv)
    assert code == 0
    ours = json.loads(out)
    assert (ours["system"], ours["reference"], ours["segments"]) == (str(SIG_A), "ref", len(hyps))
    expected = [
        BLEU().corpus_score(hyps, [refs]),
        CHRF(word_order=2).corpus_score(hyps, [refs]),
        TER().corpus_score(hyps, [refs]),
    ]
    assert [s["score"] for s in ours["scores"]] == [e.score for e in expected]
    with open_store(path) as store:
        corpus_rows = store.db.execute(
            "SELECT metric, value, details FROM scores WHERE segment IS NULL ORDER BY id"
        ).fetchall()
        assert [(m, v) for m, v, _ in corpus_rows] == [
            ("bleu", expected[0].score),
            ("chrf++", expected[1].score),
            ("ter", expected[2].score),
        ]
        assert json.loads(corpus_rows[0][2])["signature"].startswith("nrefs:1|case:mixed|eff:no")
        sent = store.db.execute(
            "SELECT value FROM scores WHERE segment IS NOT NULL AND metric = 'bleu' "
            "AND reference = 'ref' ORDER BY segment"
        ).fetchall()
    sentence_bleu = BLEU(effective_order=True)
    assert [v for (v,) in sent] == [
        sentence_bleu.sentence_score(h, [r]).score for h, r in zip(hyps, refs, strict=True)
    ]
    assert sentence_scores(hyps[:1], refs[:1])[0]["chrf++"] == (
        CHRF(word_order=2).sentence_score(hyps[0], [refs[0]]).score
    )
    # Scoring again replaces, never duplicates.
    assert run_cli(argv)[0] == 0
    with open_store(path) as store:
        total = store.db.execute("SELECT count(*) FROM scores").fetchone()[0]
    assert total == 3 + 3 * len(hyps)


def test_compare_store_equals_files(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    hyps_a, hyps_b, refs = build_store(path)
    argv = ["compare", str(path), "--system", str(SIG_A), "--system", "latest"]
    code, out, _ = run_cli([*argv, "--format", "json", "--samples", "100"])
    assert code == 0
    ours = json.loads(out)
    expected = compare_systems(
        [(str(SIG_A), hyps_a), (str(SIG_B), hyps_b)], refs, n_samples=100
    ).as_dict()
    assert ours["metrics"] == expected["metrics"]
    code, out, _ = run_cli([*argv, "--samples", "100"])
    assert code == 0 and "paired bootstrap resampling, 100 samples" in out and "p = " in out


def test_score_store_errors(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    build_store(path, n=5)
    code, _, err = run_cli(["score", str(path), "--ref", "nope"])
    assert code == 2 and "--ref 'nope' is not in" in err and "ref" in err
    code, _, err = run_cli(["score", str(path), "--system", "nope"])
    assert code == 2 and "--system 'nope' is not in" in err
    code, _, err = run_cli(["score"])
    assert code == 2 and "nothing to score" in err


def test_old_chrf_rows_are_read_as_chrfpp(tmp_path: Path) -> None:
    """Stores scored before `chrf` meant plain chrF hold chrF++ rows under 'chrf' (their
    signature says nw:2): read as chrf++, replaced by a new chrf++ score, kept by a chrf one."""
    path = tmp_path / "corpus.sqlite"
    hyps, _, refs = build_store(path, n=8)
    argv = ["score", str(path), "--system", str(SIG_A), "--confidence", "1"]
    assert run_cli(argv)[0] == 0
    with open_store(path) as store:
        total = store.db.execute("SELECT count(*) FROM scores").fetchone()[0]
        assert total == 3 + 3 * len(hyps)
        store.db.execute("UPDATE scores SET metric = 'chrf' WHERE metric = 'chrf++'")
        store.db.commit()
        sentence = store.sentence_metric_scores(str(SIG_A), "ref", ("chrf++",))
        assert len(sentence) == len(hyps)
        assert all(list(v) == ["chrf++"] for _, v in sentence.values())
        assert store.sentence_metric_scores(str(SIG_A), "ref", ("chrf",)) == {}
        corpus = store.corpus_metric_scores(str(SIG_A), "ref", ("bleu", "chrf", "chrf++"))
        assert [r.metric for r in corpus] == ["bleu", "chrf++"]
        assert corpus[1].value == CHRF(word_order=2).corpus_score(hyps, [refs]).score
    assert run_cli([*argv, "--metrics", "chrf"])[0] == 0
    with open_store(path) as store:
        rows = store.db.execute("SELECT metric, count(*) FROM scores GROUP BY metric").fetchall()
        assert sorted(rows) == [
            ("bleu", 1 + len(hyps)),
            ("chrf", 2 * (1 + len(hyps))),  # the old chrF++ rows and the new chrF ones
            ("ter", 1 + len(hyps)),
        ]
    assert run_cli(argv)[0] == 0  # chrf++ again: the old rows go, the chrF ones stay
    with open_store(path) as store:
        rows = store.db.execute("SELECT metric, count(*) FROM scores GROUP BY metric").fetchall()
        assert sorted(rows) == [(m, 1 + len(hyps)) for m in ("bleu", "chrf", "chrf++", "ter")]
        plain = store.corpus_metric_scores(str(SIG_A), "ref", ("chrf",))
        assert [r.value for r in plain] == [CHRF().corpus_score(hyps, [refs]).score]


def test_compare_plain_chrf_equals_sacrebleu_paired_test(tmp_path: Path) -> None:
    a, b, r = (head(p, 200, tmp_path) for p in (SYS_A, SYS_B, REF))
    table = sacrebleu_cli(r, "-i", a, b, "-m", "chrf", "bleu", "--paired-bs", "--paired-bs-n",
                          "100", "-w", "4", "-f", "text")  # fmt: skip
    code, out, _ = run_cli(["compare", "--hyp", a, "--hyp", b, "--ref", r, "--metrics",
                            "chrf,bleu", "--samples", "100", "--json"])  # fmt: skip
    assert code == 0
    ours = json.loads(out)
    assert list(ours["metrics"]) == ["chrF2", "BLEU"]
    for name, metric in ours["metrics"].items():
        assert f" - {name:10} {metric['signature']}" in table
    cells = [tuple(map(float, c)) for c in _CELL.findall(table)]
    mine = [
        (round(s["score"], 4), round(s["confidence_mean"], 4), round(s["confidence_var"], 4))
        for s in (ours["metrics"][n]["systems"][i] for i in (0, 1) for n in ours["metrics"])
    ]
    assert mine == cells
    assert [round(ours["metrics"][n]["systems"][1]["p_value"], 4) for n in ours["metrics"]] == [
        float(p) for p in _P.findall(table)
    ]
