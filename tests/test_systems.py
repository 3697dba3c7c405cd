"""The evaluation workflow: a test set built with ``songngu run TEST.vi --segment lines``,
other systems' outputs added with ``songngu systems add``, the reference with ``refs add``;
its store scores must equal sacrebleu's CLI on the same files, exactly.

Real data: FLORES-200 dev (499 lines) and NTREX-128 dev with the real OPUS-MT outputs in
``shared/data/*/systems``. The store's own run uses the tiny random model (its outputs are
noise, and are not what is scored).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aligned.store import open_store
from tests.cli import FAST, run_cli
from tests.shared_data import DATA

FLORES = DATA / "flores200-dev"
NTREX = DATA / "ntrex128"
SYSTEMS = {"opus-2020": "opus-2020-09-10.en", "opus-bt": "opus+bt-2021-04-30.en"}
SACREBLEU = str(Path(sys.executable).with_name("sacrebleu"))
WIDTH = 12  # decimals sacrebleu prints; ours are formatted alike


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def sacrebleu_json(ref: Path, hyp: Path, *args: str) -> list[dict[str, object]]:
    """sacrebleu's CLI on the files: one JSON object per metric."""
    done = subprocess.run(
        [SACREBLEU, str(ref), "-i", str(hyp), *args, "-w", str(WIDTH), "-f", "json"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    out = json.loads(done.stdout)
    return out if isinstance(out, list) else [out]


def fmt(value: float) -> float:
    """A score as sacrebleu's CLI prints it with ``-w WIDTH``."""
    return float(f"{value:.{WIDTH}f}")


@pytest.fixture(scope="module")
def flores_store(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """FLORES dev as a test set: run with --segment lines, both OPUS-MT systems, the reference."""
    out = tmp_path_factory.mktemp("flores") / "out"
    run = ["run", FLORES / "dev.vi", "--segment", "lines", "-o", out, "-q"]
    code, _, err = run_cli([*run, "--model", tiny_model_dir, *FAST])
    assert code == 0, err
    store = out / "corpus.sqlite"
    for name, file in SYSTEMS.items():
        code, _, err = run_cli(["systems", "add", store, FLORES / "systems" / file, "--name", name])
        assert code == 0, err
        assert err.startswith(f"songngu: system {name!r} (file:{name}): 499 translations from ")
    code, _, err = run_cli(["refs", "add", store, FLORES / "dev.en"])
    assert code == 0, err
    return store


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_test_set_scores_equal_sacrebleu_cli(flores_store: Path, name: str) -> None:
    hyp, ref = FLORES / "systems" / SYSTEMS[name], FLORES / "dev.en"
    cli = sacrebleu_json(ref, hyp, "-m", "bleu", "chrf", "ter", "-ci")
    cli += sacrebleu_json(ref, hyp, "-m", "chrf", "--chrf-word-order", "2", "-ci")
    argv = ["score", flores_store, "--system", name, "--metrics", "bleu,chrf,ter,chrf++", "--json"]
    code, out, err = run_cli(argv)
    assert code == 0, err
    ours = json.loads(out)
    assert (ours["system"], ours["name"], ours["reference"]) == (f"file:{name}", name, "ref")
    assert ours["segments"] == 499
    assert [s["name"] for s in ours["scores"]] == ["BLEU", "chrF2", "TER", "chrF2++"]
    assert [s["name"] for s in ours["scores"]] == [c["name"] for c in cli]
    for mine, theirs in zip(ours["scores"], cli, strict=True):
        assert mine["signature"] == theirs["signature"]
        assert fmt(mine["score"]) == theirs["score"]
        assert fmt(mine["confidence_mean"]) == float(str(theirs["confidence_mean"]))
        assert fmt(mine["confidence_var"]) == float(str(theirs["confidence_var"]))
    assert ours["scores"][0]["verbose_score"] == cli[0]["verbose_score"]
    # Without --confidence intervals: the same scores, signatures without bs:/seed:.
    code, out, _ = run_cli([*argv, "--confidence", "1"])
    plain = sacrebleu_json(ref, hyp, "-m", "bleu", "chrf", "ter")
    plain += sacrebleu_json(ref, hyp, "-m", "chrf", "--chrf-word-order", "2")
    assert [(s["signature"], fmt(s["score"])) for s in json.loads(out)["scores"]] == [
        (c["signature"], c["score"]) for c in plain
    ]


def test_systems_list_and_names(flores_store: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli(["systems", "list", flores_store, "--json"])
    assert code == 0
    listed = json.loads(out)
    assert [(s["name"], s["signature"], s["translations"], s["latest"]) for s in listed] == [
        ("opus-bt", "file:opus-bt", 499, True),
        ("opus-2020", "file:opus-2020", 499, False),
        (None, listed[2]["signature"], 499, False),
    ]
    assert listed[2]["signature"].startswith("model:tiny-")
    assert listed[0]["fields"]["lines"] == 499 and listed[0]["fields"]["file"] == "opus-bt"
    code, out, _ = run_cli(["systems", "list", flores_store])
    assert out.splitlines() == [
        "  name       translations  signature",
        "* opus-bt             499  file:opus-bt",
        "  opus-2020           499  file:opus-2020",
        f"  -                   499  {listed[2]['signature']}",
        "(* = latest, what --system latest means)",
    ]
    # Names work wherever --system does: export, check, compare.
    prefix = tmp_path / "corpus"
    code, _, err = run_cli(
        ["export", flores_store, "--system", "opus-2020", "--format", "moses", "-o", prefix]
    )
    assert code == 0, err
    assert lines(tmp_path / "corpus.en") == lines(FLORES / "systems" / SYSTEMS["opus-2020"])
    code, _, err = run_cli(["check", flores_store, "--system", "opus-bt", "--format", "json"])
    assert code == 0, err
    code, _, err = run_cli(["score", flores_store, "--system", "nope"])
    assert code == 2
    assert "--system 'nope' is not in" in err and "opus-bt  (file:opus-bt)" in err


def test_compare_by_name_equals_files(flores_store: Path, tmp_path: Path) -> None:
    argv = ["compare", flores_store, "--system", "opus-2020", "--system", "opus-bt"]
    code, out, err = run_cli([*argv, "--metrics", "chrf,bleu", "--samples", "100", "--json"])
    assert code == 0, err
    ours = json.loads(out)
    hyps = [FLORES / "systems" / f for f in SYSTEMS.values()]
    files = ["compare", "--hyp", hyps[0], "--hyp", hyps[1], "--ref", FLORES / "dev.en"]
    code, out, _ = run_cli([*files, "--metrics", "chrf,bleu", "--samples", "100", "--json"])
    theirs = json.loads(out)
    assert list(ours["metrics"]) == ["chrF2", "BLEU"]
    for name, metric in ours["metrics"].items():
        assert [s["system"] for s in metric["systems"]] == ["opus-2020", "opus-bt"]
        for s in metric["systems"]:
            s.pop("system")
        for s in theirs["metrics"][name]["systems"]:
            s.pop("system")
        assert metric == theirs["metrics"][name]
    code, _, err = run_cli(["compare", flores_store, "--system", "opus-bt", "--system", "latest"])
    assert code == 2 and "a system is given twice" in err


def test_systems_add_errors_and_replace(flores_store: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.en"
    short.write_text("One.\nTwo.\n", encoding="utf-8")
    code, _, err = run_cli(["systems", "add", flores_store, short, "--name", "x"])
    assert code == 65
    assert f"{short} has 2 lines but {flores_store} has 499 segments" in err
    hyp = FLORES / "systems" / SYSTEMS["opus-2020"]
    code, _, err = run_cli(["systems", "add", flores_store, hyp, "--name", "opus-2020"])
    assert code == 2 and "already has a system named 'opus-2020'" in err and "--replace" in err
    for bad in ("latest", "none", "a|b", " x", ""):
        code, _, err = run_cli(["systems", "add", flores_store, hyp, "--name", bad])
        assert code == 2 and "system name" in err, (bad, err)
    code, _, err = run_cli(["systems", "add", flores_store, tmp_path / "missing.en", "--name", "m"])
    assert code == 2 and "does not exist" in err


def test_replace_and_rename(tmp_path: Path, tiny_model_dir: Path) -> None:
    """--replace swaps a file system's outputs (its stored scores go stale and `score`
    recomputes); `systems rename` names a run's system."""
    test = tmp_path / "test.vi"
    test.write_text("\n".join(lines(FLORES / "dev.vi")[:20]) + "\n", encoding="utf-8")
    ref = tmp_path / "ref.en"
    ref.write_text("\n".join(lines(FLORES / "dev.en")[:20]) + "\n", encoding="utf-8")
    a = tmp_path / "a.en"
    a.write_text("\n".join(lines(FLORES / "systems" / SYSTEMS["opus-2020"])[:20]) + "\n", "utf-8")
    b = tmp_path / "b.en"
    b.write_text("\n".join(lines(FLORES / "systems" / SYSTEMS["opus-bt"])[:20]) + "\n", "utf-8")
    out = tmp_path / "out"
    run = ["run", test, "--segment", "lines", "-o", out, "--model", tiny_model_dir, *FAST, "-q"]
    assert run_cli(run)[0] == 0
    store = out / "corpus.sqlite"
    code, _, err = run_cli(["systems", "rename", store, "latest", "tiny"])
    assert code == 0 and err.startswith("songngu: system 'model:tiny-")
    assert err.endswith("' is now named 'tiny'\n")
    assert run_cli(["systems", "add", store, a, "--name", "sys", "-q"]) == (0, "", "")
    assert run_cli(["refs", "add", store, ref, "-q"]) == (0, "", "")
    score = ["score", store, "--system", "sys", "--confidence", "1", "--json"]
    first = json.loads(run_cli(score).out)["scores"]
    code, _, err = run_cli(["systems", "add", store, b, "--name", "sys", "--replace"])
    assert code == 0, err
    with open_store(store, create=False) as st:
        assert st.translation_texts("file:sys") == dict(
            zip([s.id for s in st.segment_texts()], lines(b), strict=True)
        )
        assert len(st.systems()) == 2
    second = json.loads(run_cli(score).out)["scores"]
    expected = sacrebleu_json(ref, b, "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2")
    assert [fmt(s["score"]) for s in second] == [c["score"] for c in expected]
    assert second != first
    # The run's system answers to its new name; a taken name is refused.
    code, out_, _ = run_cli(["systems", "list", store, "--json"])
    assert [(s["name"], s["latest"]) for s in json.loads(out_)] == [("sys", True), ("tiny", False)]
    code, _, err = run_cli(["systems", "rename", store, "tiny", "sys"])
    assert code == 2 and "already named 'sys'" in err
    assert run_cli(["systems", "rename", store, "tiny", "tiny-2", "-q"]) == (0, "", "")
    assert run_cli(["check", store, "--system", "tiny-2", "--format", "json"])[0] == 0


def test_score_by_document_equals_sacrebleu_on_each_document(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Two documents given in the order b, a: hypotheses and references follow that input
    order, and each document's row equals sacrebleu's CLI on that document's lines."""
    vi, en = lines(NTREX / "dev.vi"), lines(NTREX / "dev.en")
    hyp = lines(NTREX / "systems" / SYSTEMS["opus-bt"])
    parts = {"b.vi": slice(0, 60), "a.vi": slice(60, 100)}
    for name, part in parts.items():
        (tmp_path / name).write_text("\n".join(vi[part]) + "\n", encoding="utf-8")
        (tmp_path / f"{name}.hyp").write_text("\n".join(hyp[part]) + "\n", encoding="utf-8")
        (tmp_path / f"{name}.ref").write_text("\n".join(en[part]) + "\n", encoding="utf-8")
    (tmp_path / "hyp.en").write_text("\n".join(hyp[:100]) + "\n", encoding="utf-8")
    (tmp_path / "ref.en").write_text("\n".join(en[:100]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", tmp_path / "b.vi", tmp_path / "a.vi", "--segment", "lines", "-o", out,
         "--model", tiny_model_dir, "-q", *FAST]
    )  # fmt: skip
    assert code == 0, err
    store = out / "corpus.sqlite"
    assert run_cli(["systems", "add", store, tmp_path / "hyp.en", "--name", "bt", "-q"])[0] == 0
    assert run_cli(["refs", "add", store, tmp_path / "ref.en", "-q"])[0] == 0
    argv = ["score", store, "--by", "document", "--metrics", "bleu,chrf,ter", "--confidence", "1"]
    code, out_, err = run_cli([*argv, "--json"])
    assert code == 0, err
    ours = json.loads(out_)
    assert [(d["doc"], d["segments"]) for d in ours["documents"]] == [("b.vi", 60), ("a.vi", 40)]
    for doc in ours["documents"]:
        d = tmp_path / doc["doc"]
        cli = sacrebleu_json(Path(f"{d}.ref"), Path(f"{d}.hyp"), "-m", "bleu", "chrf", "ter")
        assert [fmt(v) for v in doc["scores"].values()] == [c["score"] for c in cli]
        assert list(doc["scores"]) == ["bleu", "chrf", "ter"]
    whole = sacrebleu_json(tmp_path / "ref.en", tmp_path / "hyp.en", "-m", "bleu", "chrf", "ter")
    assert [fmt(s["score"]) for s in ours["scores"]] == [c["score"] for c in whole]
    code, text, _ = run_cli(argv)
    table = text.splitlines()[-3:]
    assert table[0] == "document  segments     BLEU    chrF2      TER"
    first = ours["documents"][0]["scores"]
    assert table[1] == (
        f"b.vi            60  {first['bleu']:7.2f}  {first['chrf']:7.2f}  {first['ter']:7.2f}"
    )
    code, _, err = run_cli(["score", "--hyp", tmp_path / "hyp.en", "--ref", tmp_path / "ref.en",
                            "--by", "document"])  # fmt: skip
    assert code == 2 and "--by document needs a STORE" in err


def test_refs_list_remove_restore(flores_store: Path, tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "copy.sqlite"
    shutil.copy(flores_store, store)
    human = tmp_path / "human.en"
    human.write_text("\n".join(lines(FLORES / "dev.en")[:498]) + "\n\n", encoding="utf-8")
    assert run_cli(["refs", "add", store, human, "--name", "human", "-q"])[0] == 0
    code, out, _ = run_cli(["refs", "list", store, "--json"])
    listed = json.loads(out)
    assert [(r["name"], r["segments"], r["alignments"]) for r in listed] == [
        ("human", 498, {"1-1": 498}),
        ("ref", 499, {"1-1": 499}),
    ]
    code, out, _ = run_cli(["refs", "list", store])
    assert out.splitlines()[0] == "name          segments  alignments"
    assert out.splitlines()[1].startswith("human          498/499  1-1: 498  (added ")
    score = ["score", store, "--system", "opus-bt", "--ref", "human", "--confidence", "1", "-q"]
    assert run_cli(score)[0] == 0
    with open_store(store, create=False) as st:
        scored = st.db.execute("SELECT count(*) FROM scores WHERE reference = 'human'").fetchone()
    assert scored == (3 + 3 * 498,)
    code, _, err = run_cli(["refs", "remove", store, "human"])
    assert code == 0
    assert err.splitlines() == [
        f"songngu: removed reference 'human': 498 rows, kept in the store's history (songngu "
        f"history {store}); put it back with `songngu refs restore {store} human`",
        f"songngu: deleted {3 + 3 * 498} scores computed against 'human'",
    ]
    with open_store(store, create=False) as st:
        assert st.reference_names() == ["ref"]
        assert (
            st.db.execute("SELECT count(*) FROM scores WHERE reference = 'human'").fetchone()[0]
            == 0
        )
        kept = st.history()
    assert len(kept) == 498
    assert {(e.kind, e.reason) for e in kept} == {("ref", "removed by refs remove")}
    assert kept[0].payload["name"] == "human" and kept[0].payload["text"] == lines(human)[0]
    assert kept[0].source == lines(FLORES / "dev.vi")[0]
    code, _, err = run_cli(["refs", "remove", store, "human"])
    assert code == 2 and "reference 'human' is not in" in err and "references: ref" in err
    code, _, err = run_cli(["refs", "restore", store, "human"])
    assert (code, err) == (0, "songngu: restored reference 'human': 498 rows; score again with "
                           "`songngu score`\n")  # fmt: skip
    with open_store(store, create=False) as st:
        rows = st.reference_rows("human")
    assert [r.text for r in rows] == lines(human)[:498]
    code, _, err = run_cli(["refs", "restore", store, "human"])
    assert code == 2 and "is in" in err
    code, _, err = run_cli(["refs", "restore", store, "nope"])
    assert (
        code == 65 and "no removed reference 'nope'" in err and "removed references: human" in err
    )
