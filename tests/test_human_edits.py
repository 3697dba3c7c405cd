"""Human work survives change (issue 12, scenarios 3, 6 and 7) and ``songngu review --apply``.

Every command is a real ``songngu`` process on the trained tiny model (exact English), over a
document of ``TRAINED_PAIRS`` sentences. System A is the model with ``FAST`` options; system B
is the same model with ``--max-length 8`` (another signature), which truncates every output
but the first, so "the same text" and "a different text" under two systems are both at hand.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from aligned.store.reviews import LoggedReview, effective_review
from tests.cli import FAST, ROOT, songngu, songngu_command
from tests.fakes import TIMEOUT
from tests.tinymodels import TRAINED_PAIRS

PAIRS = [TRAINED_PAIRS[i] for i in (0, 1, 3, 2, 4, 6)]  # short ones; outputs exact under A
VI = [vi for vi, _ in PAIRS]
EN = [en for _, en in PAIRS]
_MAXLEN = FAST.index("--max-length")
FAST_B = [*FAST[:_MAXLEN], "--max-length", "8", *FAST[_MAXLEN + 2 :]]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def ok(res: subprocess.CompletedProcess[bytes]) -> str:
    """stderr of a command that must succeed."""
    err = res.stderr.decode("utf-8")
    assert res.returncode == 0, err
    assert "Traceback" not in err
    return err


def run_system(doc: Path, out: Path, model: Path, options: list[str]) -> None:
    ok(songngu("run", doc, "-o", out, "--model", model, *options, "-q"))


def exported(store: Path, *args: str) -> list[dict[str, Any]]:
    res = songngu("export", store, "--format", "jsonl", "-o", "-", "-q", *args)
    ok(res)
    return [json.loads(line) for line in res.stdout.decode("utf-8").splitlines()]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def stored_reviews(store: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store) as db:
        return db.execute(
            "SELECT s.text, r.decision, r.text, r.judged, r.who FROM reviews r "
            "JOIN segments s ON s.id = r.segment ORDER BY r.id"
        ).fetchall()


def uids(store: Path) -> list[str]:
    with sqlite3.connect(store) as db:
        return [r[0] for r in db.execute("SELECT uid FROM segments ORDER BY doc, para, sent")]


def mt_cells(html: str) -> list[tuple[str, str, str]]:
    """(cell classes, shown text, replaced machine text) of every row's system-A cell."""
    tree = lxml.html.document_fromstring(html)
    out = []
    for td in tree.xpath(
        "//tr[contains(@class, 'row')]/td[contains(@class, 'mt ') or @class='mt']"
    ):
        replaced = td.xpath("./span[@class='mt-replaced']/s")
        shown = "".join(t for t in td.xpath("./text() | ./*[not(@class='mt-replaced')]//text()"))
        out.append((td.get("class"), shown, replaced[0].text_content() if replaced else ""))
    return out


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.txt"
    path.write_text("".join(f"{vi}\n" for vi in VI), encoding="utf-8")
    return path


@pytest.fixture
def out_a(doc: Path, tmp_path: Path, trained_model_dir: Path) -> Path:
    """OUT with system A's run; its exported pairs are exactly ``PAIRS``."""
    out = tmp_path / "out"
    run_system(doc, out, trained_model_dir, FAST)
    assert [(p["vi"], p["en"]) for p in exported(out / "corpus.sqlite")] == PAIRS
    return out


# -- review --apply -----------------------------------------------------------------------------


def test_apply_a_good_file(out_a: Path, tmp_path: Path) -> None:
    store = out_a / "corpus.sqlite"
    ids = [p["id"] for p in exported(store)]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_bytes(
        jsonl(
            [
                {"id": ids[0], "decision": "accept", "who": "lan"},
                {"id": ids[1], "decision": "edit", "text": "Well done!", "who": "lan"},
                {"id": uids(store)[2], "decision": "reject"},  # the uid form, default reviewer
            ]
        )
        + b"\n"  # a blank line is skipped
    )
    err = ok(songngu("review", store, "--apply", decisions, "--who", "minh"))
    assert err == f"songngu: applied 3 decisions (1 accept, 1 edit, 1 reject) to {store}\n"
    assert stored_reviews(store) == [
        (VI[0], "accept", None, EN[0], "lan"),
        (VI[1], "edit", "Well done!", EN[1], "lan"),
        (VI[2], "reject", None, EN[2], "minh"),
    ]
    pairs = exported(store)
    assert [(p["vi"], p["en"], p["reviewed"], p["extra"]) for p in pairs] == [
        (VI[0], EN[0], True, {}),
        (VI[1], "Well done!", True, {"edited_from": EN[1]}),
        *((vi, en, False, {}) for vi, en in PAIRS[3:]),
    ]  # the rejected pair is left out
    reviewed = exported(store, "--reviewed-only")
    assert [(p["vi"], p["en"]) for p in reviewed] == [(VI[0], EN[0]), (VI[1], "Well done!")]

    # stdin works the same; a reject of the edit in effect removes that text too.
    res = songngu(
        "review", store, "--apply", "-", stdin=jsonl([{"id": ids[1], "decision": "reject"}])
    )
    assert ok(res).startswith("songngu: applied 1 decision (1 reject) to ")
    assert stored_reviews(store)[-1][1:4] == ("reject", None, "Well done!")
    assert [p["vi"] for p in exported(store)] == [VI[0], *VI[3:]]


def test_apply_an_unknown_id_applies_nothing(out_a: Path, tmp_path: Path) -> None:
    store = out_a / "corpus.sqlite"
    ids = [p["id"] for p in exported(store)]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_bytes(
        jsonl(
            [
                {"id": ids[0], "decision": "accept", "who": "lan"},
                {"id": ids[1], "decision": "edit", "text": "Well done!", "who": "lan"},
                {"id": "doc.txt#0123456789", "decision": "accept", "who": "lan"},
            ]
        )
    )
    res = songngu("review", store, "--apply", decisions)
    assert res.returncode == 65
    assert res.stderr.decode("utf-8") == (
        f"songngu: error: {decisions}: line 3: id 'doc.txt#0123456789' is not a segment of "
        f"{store}; use the 'id' of a pair exported from this store (such as "
        f"{uids(store)[0]!r}); nothing was applied\n"
    )
    assert stored_reviews(store) == []
    assert [p["reviewed"] for p in exported(store)] == [False] * len(PAIRS)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "x", "decision": "accept"', "not valid JSON ("),
        (b'["accept"]', "expected a JSON object, got list"),
        (b'{"id": "ID", "decision": "edit"}', "an 'edit' decision needs the edited text"),
        (b'{"id": "ID", "decision": "maybe"}', "'decision' must be one of accept, edit, reject"),
        (b'{"id": "ID", "decision": "accept", "text": "x"}', "'text' is only for an 'edit'"),
        (b'{"id": "ID", "decison": "accept"}', "unknown key(s) 'decison'"),
        (b'{"id": 7, "decision": "accept"}', "'id' must be the exported id of a pair"),
    ],
)
def test_apply_a_bad_line_names_it(out_a: Path, tmp_path: Path, line: bytes, message: str) -> None:
    store = out_a / "corpus.sqlite"
    first = exported(store)[0]["id"]
    decisions = tmp_path / "decisions.jsonl"
    good = jsonl([{"id": first, "decision": "accept"}])
    decisions.write_bytes(good + good + line.replace(b'"ID"', json.dumps(first).encode()) + b"\n")
    res = songngu("review", store, "--apply", decisions)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 65, err
    assert err.startswith(f"songngu: error: {decisions}: line 3: {message}"), err
    assert err.endswith("; nothing was applied\n") and "Traceback" not in err
    assert stored_reviews(store) == []


# -- scenario 6: the page and the report show the edit ------------------------------------------


def serve(store: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        songngu_command("review", store, "--port", "0", "--who", "ana", "-q"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
    return proc, url


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
        return str(resp.read().decode("utf-8"))


def post_edit(url: str, page: str, uid: str, text: str) -> dict[str, Any]:
    """POST an edit of segment ``uid`` to the review server, with the page's token."""
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', page)
    assert found is not None
    config = json.loads(found.group(1))
    req = urllib.request.Request(
        url + config["api"].lstrip("/") + "/" + urllib.parse.quote(uid, safe="") + "/decision",
        data=json.dumps({"decision": "edit", "text": text}).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "X-Songngu-Token": config["token"]},
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return dict(json.loads(resp.read().decode("utf-8")))


def review_cells(html: str) -> list[tuple[str, str]]:
    """(shown English, replaced machine text or '') of every row of the review page."""
    tree = lxml.html.document_fromstring(html)
    out = []
    for cell in tree.xpath("//div[contains(@class, 'sys-a')]"):
        edited = cell.xpath("./div[@class='edited']")
        if edited:
            out.append((edited[0].text_content(), cell.xpath(".//del")[0].text_content()))
        else:
            out.append((cell.xpath("./div[@class='mt']")[0].text_content(), ""))
    return out


def test_scenario_6_edits_show_in_page_and_report(
    out_a: Path, doc: Path, tmp_path: Path, trained_model_dir: Path
) -> None:
    store = out_a / "corpus.sqlite"
    ids = [p["id"] for p in exported(store)]
    ok(
        songngu(
            "review",
            store,
            "--apply",
            "-",
            stdin=jsonl([{"id": ids[1], "decision": "edit", "text": "Well done!"}]),
        )
    )
    proc, url = serve(store)
    try:
        page = get(url)
        answer = post_edit(url, page, ids[3], "Watch out!")
        reloaded = get(url)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=TIMEOUT)
    assert (answer["decision"], answer["text"], answer["judged"]) == ("edit", "Watch out!", EN[3])
    assert stored_reviews(store)[-1] == (VI[3], "edit", "Watch out!", EN[3], "ana")
    plain = [("mt", en, "") for en in EN]
    shown = [(en, "") for en in EN]
    assert review_cells(page) == [shown[0], ("Well done!", EN[1]), *shown[2:]]
    assert review_cells(reloaded) == [
        shown[0], ("Well done!", EN[1]), shown[2], ("Watch out!", EN[3]), *shown[4:],
    ]  # fmt: skip
    expected = [plain[0], ("mt edited", "Well done!", EN[1]), plain[2]]
    expected += [("mt edited", "Watch out!", EN[3]), *plain[4:]]

    report = tmp_path / "report.html"
    ok(songngu("report", store, "-o", report))
    assert mt_cells(report.read_text("utf-8")) == expected
    run_system(doc, out_a, trained_model_dir, FAST)  # the run's own report.html shows them too
    assert mt_cells((out_a / "report.html").read_text("utf-8")) == expected


# -- scenario 7: another system into the same OUT ------------------------------------------------


def test_scenario_7_edits_survive_another_system(
    out_a: Path, doc: Path, trained_model_dir: Path
) -> None:
    store = out_a / "corpus.sqlite"
    ids = [p["id"] for p in exported(store)]
    sig_a = exported(store)[0]["signature"]
    decisions = [
        {"id": ids[0], "decision": "accept", "who": "lan"},  # B's text is the same
        {"id": ids[1], "decision": "edit", "text": "Well done!", "who": "lan"},
        {"id": ids[2], "decision": "accept", "who": "lan"},  # B's text differs
        {"id": ids[5], "decision": "reject", "who": "lan"},  # B's text differs
    ]
    ok(songngu("review", store, "--apply", "-", stdin=jsonl(decisions)))
    run_system(doc, out_a, trained_model_dir, FAST_B)
    b_pairs = exported(store)
    sig_b = b_pairs[0]["signature"]
    assert sig_b != sig_a and "maxlen:8" in sig_b
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT source, text FROM translations WHERE signature = ?", (sig_b,))
        mt_b = dict(rows.fetchall())
    assert mt_b[VI[0]] == EN[0]  # the same text under both systems
    assert all(mt_b[vi] != en for vi, en in PAIRS[1:])  # every other one differs

    en_lines = (out_a / "corpus.en").read_text("utf-8").splitlines()
    assert en_lines == [EN[0], "Well done!", *(mt_b[vi] for vi in VI[2:])]
    tus = ET.parse(out_a / "corpus.tmx").getroot().findall("./body/tu")
    got = [
        (
            tu.findtext(f"./tuv[@{XML_LANG}='en']/seg"),
            tu.findtext("./prop[@type='x-reviewed']"),
            tu.findtext("./prop[@type='edited_from']"),
            tu.findtext("./prop[@type='x-signature']"),
        )
        for tu in tus
    ]
    assert got[:3] == [
        (EN[0], "true", None, sig_b),  # accepted under A: the same text, so reviewed
        ("Well done!", "true", mt_b[VI[1]], sig_b),  # the human edit, whichever system
        (mt_b[VI[2]], "false", None, sig_b),  # accepted under A, but B's text differs
    ]
    assert [g[0] for g in got] == en_lines  # B's different output of the rejected one stays

    reviewed = exported(store, "--reviewed-only")
    assert [(p["vi"], p["en"]) for p in reviewed] == [(VI[0], EN[0]), (VI[1], "Well done!")]
    reviewed_a = exported(store, "--reviewed-only", "--system", sig_a)
    assert [(p["vi"], p["en"]) for p in reviewed_a] == [
        (VI[0], EN[0]),
        (VI[1], "Well done!"),
        (VI[2], EN[2]),
    ]
    assert VI[5] not in [p["vi"] for p in exported(store, "--system", sig_a)]


# -- scenario 3: a reference replaced under the same name ----------------------------------------


def corpus_table(html: str) -> list[tuple[str, str, str]]:
    tree = lxml.html.document_fromstring(html)
    rows = tree.xpath("//div[@id='corpus-scores']//table[@class='corpus']//tr")
    return [
        (r.xpath("./td[2]")[0].text_content(), r.xpath("./td[3]")[0].text_content(),
         r.xpath("./td[4]")[0].text_content())
        for r in rows
    ]  # fmt: skip


def test_scenario_3_replaced_reference_is_never_scored_with_old_numbers(
    out_a: Path, tmp_path: Path
) -> None:
    store = out_a / "corpus.sqlite"
    old = tmp_path / "old.en"
    new = tmp_path / "new.en"
    old.write_text("".join(f"{en}\n" for en in EN), "utf-8")
    replaced = ["Come with me now.", "Congratulations to you!", "Am I arrested?"]
    replaced += ["Careful, please!", "You are not hungry?", "Are we done yet?"]
    new.write_text("".join(f"{en}\n" for en in replaced), "utf-8")
    ok(songngu("refs", "add", store, old))
    first = json.loads(ok_out(songngu("score", store, "--format", "json", "--confidence", "1")))
    old_bleu = BLEU().corpus_score(EN, [EN]).score
    assert [s["score"] for s in first["scores"]] == [old_bleu, 100.0, 0.0]
    assert f"{old_bleu:.2f}" == "100.00"

    ok(songngu("refs", "add", store, new))  # the same name, 'ref': replaces it
    hyps = EN  # system A's output
    bleu = BLEU().corpus_score(hyps, [replaced]).score
    chrf = CHRF(word_order=2).corpus_score(hyps, [replaced]).score
    ter = TER().corpus_score(hyps, [replaced]).score
    assert f"{bleu:.2f}" != "100.00"

    report = tmp_path / "report.html"
    ok(songngu("report", store, "-o", report))
    html = report.read_text("utf-8")
    table = corpus_table(html)
    assert [(name, value) for name, value, _ in table] == [
        ("BLEU", f"{bleu:.2f}"),
        ("chrF2++", f"{chrf:.2f}"),
        ("TER", f"{ter:.2f}"),
    ]
    assert all("the stored score is stale" in note for _, _, note in table)
    scores_div = re.search(r'<div id="corpus-scores">.*?</table>', html, re.S)
    assert scores_div is not None and "100.00" not in scores_div.group(0)  # the old BLEU
    sentence = re.findall(r'data-bleu="([0-9.]*)"', html)
    sentence_bleu = BLEU(effective_order=True)
    expected = [
        sentence_bleu.sentence_score(h, [r]).score for h, r in zip(hyps, replaced, strict=True)
    ]
    assert sentence == [f"{v:.2f}" for v in expected]

    again = json.loads(ok_out(songngu("score", store, "--format", "json", "--confidence", "1")))
    assert [s["score"] for s in again["scores"]] == [bleu, chrf, ter]
    ok(songngu("report", store, "-o", report, "--force"))
    table = corpus_table(report.read_text("utf-8"))
    assert [(name, value) for name, value, _ in table] == [
        ("BLEU", f"{bleu:.2f}"),
        ("chrF2++", f"{chrf:.2f}"),
        ("TER", f"{ter:.2f}"),
    ]
    assert not any("stale" in note or "computed" in note for _, _, note in table)


def ok_out(res: subprocess.CompletedProcess[bytes]) -> str:
    ok(res)
    return res.stdout.decode("utf-8")


# -- the rule itself -----------------------------------------------------------------------------


def log(*rows: tuple[str, str | None, str | None]) -> list[LoggedReview]:
    """Decision log rows (decision, edited text, judged text), oldest first."""
    return [LoggedReview(i, d, t, j, "lan", f"t{i}") for i, (d, t, j) in enumerate(rows)]


def state(rows: list[LoggedReview], machine: str | None) -> tuple[str, str | None] | None:
    found = effective_review(1, rows, machine)
    return None if found is None else (found.decision, found.text)


def test_effective_review_rule() -> None:
    accept_a = log(("accept", None, "A."))
    assert state(accept_a, "A.") == ("accept", "A.")
    assert state(accept_a, "B.") is None  # another system's different text: unreviewed
    assert state(log(("reject", None, "A.")), "A.") == ("reject", None)
    edit = log(("edit", "Mine.", "A."))
    assert state(edit, "B.") == ("edit", "Mine.")  # whichever system
    assert state(edit, None) == ("edit", "Mine.")
    undone = log(("edit", "Mine.", "A."), ("reject", None, "Mine."))
    assert state(undone, "A.") == ("reject", None)  # A. was replaced, the edit rejected
    assert state(undone, "B.") is None
    assert state(log(("edit", "Mine.", "A."), ("reject", None, "A.")), "A.") == ("edit", "Mine.")
    redone = log(("edit", "Mine.", "A."), ("reject", None, "Mine."), ("edit", "Mine.", "A."))
    assert state(redone, "A.") == ("edit", "Mine.")
    latest = log(("edit", "One.", "A."), ("edit", "Two.", "One."))
    assert state(latest, "A.") == ("edit", "Two.")
    assert state(log(("reject", None, "A."), ("accept", None, "A.")), "A.") == ("accept", "A.")
