"""The review server (``aligned.server``, Starlette on uvicorn) over loopback, without a browser:
the JSON API with exact totals for every parameter, decisions and judgements, the security
checks of the first server, 50 concurrent writers and the CLI.

The known store (:func:`ab_store`): document ``a`` (5 sentences, fake MT upper-cases) and
document ``0b`` (2 sentences, added second: document order differs from id order), system A
``SIG`` and system B ``SIG2`` (upper-cases + " NOW"), a reference for 6 of the 7 segments,
checks and sentence scores of both systems.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aligned.cli import main
from aligned.server.app import ReviewServer
from aligned.server.policy import bind_policy, is_loopback
from aligned.store import open_store
from corpus.errors import ConfigError
from tests.cli import songngu_command
from tests.fakes import (
    DOC_B,
    SIG,
    SIG2,
    TIMEOUT,
    XSS,
    build_ab_store,
    build_translated_store,
    make_document,
    serving_app,
)

A, B = str(SIG), str(SIG2)
# Source texts in document order: a's five, then 0b's two (0b was added second).
ORDER = ["Xin chào.", "Tôi đi học.", "Trời mưa.", *XSS, *DOC_B]


def call(
    server: ReviewServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """(status, Content-Type, body text) of one request; HTTP errors are answers, not raises."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}", data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers["Content-Type"], err.read().decode("utf-8")


def get(server: ReviewServer, path: str, **params: Any) -> tuple[int, Any]:
    query = urllib.parse.urlencode(params)
    status, ctype, text = call(server, "GET", path + (f"?{query}" if query else ""))
    assert ctype == "application/json; charset=utf-8"
    return status, json.loads(text)


def listing(server: ReviewServer, **params: Any) -> dict[str, Any]:
    status, got = get(server, "/api/segments", **params)
    assert status == 200, got
    return got


def sources(server: ReviewServer, **params: Any) -> list[str]:
    return [s["vi"] for s in listing(server, **params)["segments"]]


def total(server: ReviewServer, **params: Any) -> int:
    return int(listing(server, **params)["total"])


def decision_path(uid: str) -> str:
    return f"/api/segments/{urllib.parse.quote(uid, safe='')}/decision"


def post(
    server: ReviewServer,
    uid: str,
    payload: object,
    *,
    headers: dict[str, str] | None = None,
    path: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST a decision with the right token and content type unless ``headers`` override."""
    sent = {"Content-Type": "application/json", "X-Songngu-Token": server.token}
    sent.update(headers or {})
    status, ctype, text = call(
        server, "POST", path or decision_path(uid), json.dumps(payload).encode("utf-8"), sent
    )
    assert ctype == "application/json; charset=utf-8"
    return status, json.loads(text)


def uids(path: Path) -> dict[str, str]:
    with open_store(path, create=False) as store:
        rows = store.db.execute("SELECT text, uid FROM segments").fetchall()
    return {str(t): str(u) for t, u in rows}


def reviews(path: Path) -> list[tuple[Any, ...]]:
    with open_store(path, create=False) as store:
        return store.db.execute(
            "SELECT s.text, r.signature, r.decision, r.text, r.judged, r.who, r.comment, "
            "r.category, r.severity, r.at FROM reviews r JOIN segments s ON s.id = r.segment "
            "ORDER BY r.id"
        ).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ab") / "corpus.sqlite"
    build_ab_store(path)
    return path


@pytest.fixture
def ab_store(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    shutil.copy(built, path)
    return path


@pytest.fixture(params=["now", "off"])
def index(request: pytest.FixtureRequest) -> str:
    """Both query paths: with the derived search structures ("now") and without ("off")."""
    return str(request.param)


def stored_metric(path: Path, sig: str, metric: str) -> dict[str, float]:
    """Source text → the stored sentence score (read straight from the table)."""
    with open_store(path, create=False) as store:
        rows = store.db.execute(
            "SELECT s.text, c.value FROM scores c JOIN segments s ON s.id = c.segment "
            "WHERE c.signature = ? AND c.metric = ? AND c.reference = 'ref'",
            (sig, {"chrf": "chrf++"}.get(metric, metric)),  # the API's chrf is sentence chrF++
        ).fetchall()
    return {str(t): float(v) for t, v in rows}


# -- GET /api/segments ------------------------------------------------------------------------


def test_listing_shape_and_document_order(ab_store: Path, index: str) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store, index=index) as server:
        got = listing(server)
    assert got["total"] == 7 and got["offset"] == 0 and got["limit"] == 50
    assert got["search"] == ("index" if index == "now" else "scan")
    assert [s["vi"] for s in got["segments"]] == ORDER
    first = got["segments"][5]
    assert first["id"] == ids[DOC_B[0]] and re.fullmatch(r"0b#[0-9a-f]{10}", first["id"])
    assert (first["doc"], first["para"], first["sent"]) == ("0b", 1, 1)
    assert first["en"] == "Today people."
    assert first["a"]["system"] == A and first["a"]["text"] == "Today people."
    assert first["b"]["system"] == B and first["b"]["text"] == "HÔM NAY 5 NGƯỜI. NOW"
    assert first["ref"] == {"text": "Today five people.", "alignment": "1-1"}
    assert first["a"]["checks"] == [{"name": "check:numbers", "value": 1.0, "detail": "5"}]
    assert set(first["a"]["metrics"]) == {"bleu", "chrf", "ter"}
    assert first["a"]["diff_against"] == first["b"]["diff_against"] == "reference"
    assert first["a"]["diff"] == [["Today", False], ["people.", False]]
    assert first["status"] == "unreviewed" and first["review"] is None
    last = got["segments"][6]
    assert last["flags"] == ["boilerplate"] and last["ref"] is None


def test_text_search_covers_source_translations_and_references(ab_store: Path) -> None:
    with serving_app(ab_store) as server:
        assert sources(server, q="mưa") == ["Trời mưa."]
        assert sources(server, q="MƯA") == ["Trời mưa."]  # case-folded, Vietnamese letters too
        assert sources(server, q="i đi h") == ["Tôi đi học."]  # a substring across words
        assert total(server, q="NOW") == 7  # system B's translations
        assert sources(server, q="school") == ["Tôi đi học."]  # the reference only
        assert sources(server, q="Today") == [DOC_B[0]]  # A and the reference
        assert sources(server, q="ưa") == ["Trời mưa."]  # 2 characters: a scan, case-folded
        assert sources(server, q="onerror") == [XSS[1]]
        assert total(server, q='"quoted"') == 0  # FTS syntax is text, not a query
        assert total(server, q="zzzz") == 0


def test_search_scans_without_an_index(ab_store: Path) -> None:
    with serving_app(ab_store, index="off") as server:
        got = listing(server, q="mưa")
        assert got["search"] == "scan" and [s["vi"] for s in got["segments"]] == ["Trời mưa."]
        assert total(server, q="NOW") == 7


def test_doc_flag_and_system_filters(ab_store: Path, index: str) -> None:
    with serving_app(ab_store, index=index) as server:
        assert sources(server, doc="0b") == DOC_B
        assert total(server, doc="a") == 5 and total(server, doc="nope") == 0
        assert sources(server, flag="boilerplate") == [DOC_B[1]]
        assert sources(server, flag="check:numbers") == [DOC_B[0]]
        # a check flag of either system: B's vietnamese-left also on both 0b sentences
        assert sources(server, flag="check:vietnamese-left") == [
            "Tôi đi học.",
            "Trời mưa.",
            *DOC_B,
        ]
        assert sources(server, flag="check:copy") == [XSS[1]]
        assert sources(server, flag="none") == ["Xin chào."]
        assert total(server, flag="any") == 6
        assert total(server, flag="check:nothing") == 0
        assert total(server, flag="check:numbers", doc="a") == 0  # filters combine (AND)
        assert total(server, system=A) == 7 and total(server, system=B) == 7
        status, err = get(server, "/api/segments", system="other")
        _, flags = get(server, "/api/stats")
    assert status == 400 and "'system' must be one of the served systems" in err["error"]
    assert "boilerplate" in flags["flags"] and "check:numbers" in flags["flags"]


def test_offset_and_limit_page_with_the_full_total(ab_store: Path, index: str) -> None:
    with serving_app(ab_store, index=index) as server:
        assert sources(server, offset=5, limit=5) == DOC_B
        got = listing(server, offset=2, limit=2)
        assert got["total"] == 7 and [s["vi"] for s in got["segments"]] == ORDER[2:4]
        assert listing(server, offset=7)["segments"] == []
        assert listing(server, limit=0) == {
            "total": 7,
            "offset": 0,
            "limit": 0,
            "search": "index" if index == "now" else "scan",
            "segments": [],
        }


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_sort_by_each_score_and_by_the_a_minus_b_difference(
    ab_store: Path, index: str, metric: str
) -> None:
    a = stored_metric(ab_store, A, metric)
    b = stored_metric(ab_store, B, metric)
    assert len(a) == len(b) == 6  # 0b's second sentence has no reference: no score
    no_score = [DOC_B[1]]

    seg_id = {t: i for i, t in enumerate(ORDER)}  # this store's ids follow document order

    def expect(values: dict[str, float], reverse: bool) -> list[str]:
        # ties by segment id in the sort's direction; rows without a score last
        sign = -1 if reverse else 1
        return sorted(values, key=lambda t: (sign * values[t], sign * seg_id[t])) + no_score

    diff = {t: a[t] - b[t] for t in a}
    with serving_app(ab_store, index=index) as server:
        assert sources(server, sort=metric) == expect(a, False)
        assert sources(server, sort=f"-{metric}") == expect(a, True)
        assert sources(server, sort=f"{metric}_b") == expect(b, False)
        assert sources(server, sort=f"diff_{metric}") == expect(diff, False)
        assert sources(server, sort=f"-diff_{metric}") == expect(diff, True)
        assert sources(server, sort=f"-diff_{metric}", offset=1, limit=2) == expect(diff, True)[1:3]


def test_sort_by_length_model_score_and_document_order(ab_store: Path, index: str) -> None:
    pos = {t: i for i, t in enumerate(ORDER)}
    with serving_app(ab_store, index=index) as server:
        assert sources(server, sort="length") == sorted(ORDER, key=lambda t: (len(t), pos[t]))
        assert sources(server, sort="-length") == sorted(ORDER, key=lambda t: (-len(t), pos[t]))
        assert sources(server, sort="-doc") == ORDER[::-1]
        # model scores: A's fake MT -0.5 (table rows: none), B's -0.25 everywhere
        assert sources(server, sort="score") == ORDER  # five of -0.5, then two without
        assert sources(server, sort="diff_score") == ORDER  # -0.25 each, then none


def test_status_filter_after_decisions_and_progress(ab_store: Path, index: str) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store, who="lan", index=index) as server:
        assert post(server, ids["Xin chào."], {"decision": "accept"})[0] == 200
        assert post(server, ids["Tôi đi học."], {"decision": "edit", "text": "I study."})[0] == 200
        assert post(server, ids["Trời mưa."], {"decision": "reject"})[0] == 200
        assert post(server, ids[DOC_B[0]], {"decision": "accept", "system": B})[0] == 200
        # The latest decision counts: XSS[0] accepted, then rejected.
        assert post(server, ids[XSS[0]], {"decision": "accept"})[0] == 200
        assert post(server, ids[XSS[0]], {"decision": "reject"})[0] == 200
        assert sources(server, status="accepted") == ["Xin chào.", DOC_B[0]]
        assert sources(server, status="edited") == ["Tôi đi học."]
        assert sources(server, status="rejected") == ["Trời mưa.", XSS[0]]
        assert sources(server, status="unreviewed") == [XSS[1], DOC_B[1]]
        assert total(server, status="rejected", q="mưa") == 1
        _, stats = get(server, "/api/stats")
        chosen_b = listing(server, doc="0b")["segments"][0]
        edited = listing(server, status="edited")["segments"][0]
    assert (stats["reviewed"], stats["total"]) == (5, 7)
    assert chosen_b["status"] == "accepted" and chosen_b["review"]["which"] == "B"
    assert chosen_b["en"] == "HÔM NAY 5 NGƯỜI. NOW"  # B's text is the English now
    assert edited["en"] == "I study." and edited["review"]["judged"] == "TÔI ĐI HỌC."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "colour"}, "'sort' must be one of doc, length, score"),
        ({"status": "maybe"}, "'status' must be one of unreviewed, accepted, edited, rejected"),
        ({"limit": "1000"}, "'limit' must be 0..500, got 1000"),
        ({"offset": "-1"}, "'offset' must be 0 or more, got -1"),
        ({"offset": "x"}, "'offset' must be a whole number, got 'x'"),
        ({"page": "2"}, "unknown parameter 'page'"),
    ],
)
def test_bad_parameters_are_json_400(ab_store: Path, params: dict[str, str], message: str) -> None:
    with serving_app(ab_store) as server:
        status, got = get(server, "/api/segments", **params)
    assert status == 400 and message in got["error"]


def test_one_segment_by_id_and_unknown_ids(ab_store: Path) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store) as server:
        status, got = get(server, "/api/segments/" + urllib.parse.quote(ids["Trời mưa."], safe=""))
        missing = get(server, "/api/segments/a%23nothing")
    assert status == 200 and got["vi"] == "Trời mưa." and got["id"] == ids["Trời mưa."]
    assert missing == (404, {"error": "no segment 'a#nothing' in the store"})


def test_sort_needing_b_without_b_is_400(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    with serving_app(path) as server:
        status, got = get(server, "/api/segments", sort="diff_bleu")
        only_a = listing(server)["segments"][0]
    assert status == 400 and "needs a system B; start with --compare SIG" in got["error"]
    assert only_a["b"] is None and only_a["ref"] is None and only_a["a"]["diff"] is None


def test_without_reference_a_is_diffed_against_b(ab_store: Path) -> None:
    with serving_app(ab_store, reference=None) as server:
        seg = listing(server, q="Xin")["segments"][0]
    # the store has one reference, which is the default; the diff is against it
    assert seg["a"]["diff_against"] == "reference"
    with open_store(ab_store) as store:
        store.db.execute("DELETE FROM refs")
    with serving_app(ab_store) as server:
        seg = listing(server, q="Xin")["segments"][0]
    assert seg["ref"] is None
    assert (seg["a"]["diff_against"], seg["b"]["diff_against"]) == ("B", "A")
    assert seg["a"]["diff"] == [["XIN CHÀO.", False]]
    assert seg["b"]["diff"] == [["XIN CHÀO.", False], ["NOW", True]]


# -- POST /api/segments/{id}/decision ---------------------------------------------------------


def test_decisions_are_saved_with_who_time_judged_and_notes(ab_store: Path) -> None:
    ids = uids(ab_store)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    with serving_app(ab_store, who="lan") as server:
        a = post(server, ids["Xin chào."], {"decision": "accept"})
        e = post(
            server,
            ids["Tôi đi học."],
            {
                "decision": "edit",
                "text": "I go to school.",
                "comment": "verb form",
                "category": "fluency",
                "severity": "minor",
            },
        )
        r = post(server, ids["Trời mưa."], {"decision": "reject", "category": "accuracy"})
        b = post(server, ids[DOC_B[0]], {"decision": "accept", "system": B})
    after = datetime.now(timezone.utc)
    assert a[0] == e[0] == r[0] == b[0] == 200
    assert e[1] == {
        "ok": True,
        "id": ids["Tôi đi học."],
        "system": A,
        "decision": "edit",
        "text": "I go to school.",
        "judged": "TÔI ĐI HỌC.",
        "who": "lan",
        "at": e[1]["at"],
        "comment": "verb form",
        "category": "fluency",
        "severity": "minor",
    }
    rows = reviews(ab_store)
    assert [row[:9] for row in rows] == [
        ("Xin chào.", A, "accept", None, "XIN CHÀO.", "lan", None, None, None),
        (
            "Tôi đi học.",
            A,
            "edit",
            "I go to school.",
            "TÔI ĐI HỌC.",
            "lan",
            "verb form",
            "fluency",
            "minor",
        ),
        ("Trời mưa.", A, "reject", None, "TRỜI MƯA.", "lan", None, "accuracy", None),
        (DOC_B[0], B, "accept", None, "HÔM NAY 5 NGƯỜI. NOW", "lan", None, None, None),
    ]
    for row in rows:
        assert before <= datetime.fromisoformat(row[9]) <= after


def test_decisions_survive_a_restart_and_show_on_the_page(ab_store: Path) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store) as first:
        assert post(first, ids["Tôi đi học."], {"decision": "edit", "text": "I study."})[0] == 200
        token = first.token
    with serving_app(ab_store) as second:
        assert second.token != token
        _, _, page = call(second, "GET", "/")
        edited = listing(second, status="edited")["segments"]
    assert [s["vi"] for s in edited] == ["Tôi đi học."]
    row = re.search(rf'<div class="row" data-id="{re.escape(ids["Tôi đi học."])}"[^>]*>', page)
    assert row is not None and 'data-status="edited"' in row.group(0)
    assert '<div class="edited">I study.</div>' in page
    assert '<span class="lbl">MT replaced:</span> <del>TÔI ĐI HỌC.</del>' in page


def test_exports_carry_edits_and_reviewed_only(ab_store: Path, tmp_path: Path) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store) as server:
        assert post(server, ids["Tôi đi học."], {"decision": "edit", "text": "I go."})[0] == 200
        assert post(server, ids["Xin chào."], {"decision": "accept"})[0] == 200
        assert post(server, ids["Trời mưa."], {"decision": "reject"})[0] == 200
    only = tmp_path / "only.tsv"
    args = ["export", str(ab_store), "--system", A, "--format", "tsv", "-o", str(only)]
    assert main([*args, "--reviewed-only", "--drop", "none", "-q"]) == 0
    lines = only.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    got = [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:]]
    assert sorted((c["vi"], c["en"]) for c in got) == [
        ("Tôi đi học.", "I go."),
        ("Xin chào.", "XIN CHÀO."),
    ]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not UTF-8 JSON"),
        (b"[1, 2]", 400, "the body must be a JSON object"),
        (b'{"decision": "maybe"}', 400, "got 'maybe'"),
        (b'{"decision": "edit"}', 400, "needs the edited text"),
        (b'{"decision": "edit", "text": 5}', 400, "'text' must"),
        (b'{"decision": "accept", "system": "other"}', 400, "'system' must be one of the shown"),
        (b'{"decision": "reject", "category": "grammar"}', 400, "'category' must be one of accu"),
        (b'{"decision": "reject", "severity": "fatal"}', 400, "'severity' must be one of minor"),
        (b'{"decision": "reject", "comment": 3}', 400, "'comment' must be a string or null"),
        (b"\xff\xfe", 400, "the body is not UTF-8 JSON"),
    ],
)
def test_bad_decisions_are_json_4xx(ab_store: Path, body: bytes, status: int, message: str) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store) as server:
        got, ctype, text = call(
            server,
            "POST",
            decision_path(ids["Xin chào."]),
            body,
            {"Content-Type": "application/json", "X-Songngu-Token": server.token},
        )
    assert (got, ctype) == (status, "application/json; charset=utf-8")
    assert message in json.loads(text)["error"]
    assert reviews(ab_store) == []


def test_unknown_segment_and_missing_translation_are_422(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    with open_store(path) as store:
        store.add_documents([make_document("z", ["Chưa dịch."])])  # no translation
    ids = uids(path)
    with serving_app(path) as server:
        unknown = post(server, "a#0000000000", {"decision": "accept"})
        untranslated = post(server, ids["Chưa dịch."], {"decision": "accept"})
    assert unknown[0] == 422
    assert unknown[1]["error"].startswith(f"id 'a#0000000000' is not a segment of {path}; ")
    assert unknown[1]["error"].endswith("; reload the page and try again")
    assert untranslated[0] == 422 and "has no translation under system" in untranslated[1]["error"]


# -- security (carried over from the first server) --------------------------------------------


def test_page_has_token_rows_escaping_and_security_headers(ab_store: Path) -> None:
    ids = uids(ab_store)
    with serving_app(ab_store) as server:
        req = urllib.request.Request(f"http://127.0.0.1:{server.port}/")
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            status, headers, page = resp.status, resp.headers, resp.read().decode("utf-8")
        js = call(server, "GET", "/static/review.js")
        css = call(server, "GET", "/static/review.css")
        missing = call(server, "GET", "/static/../app.py")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'; script-src 'self'")
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert len(server.token) >= 40 and json.dumps(server.token) in page
    found = re.findall(r'<div class="row" data-id="([^"]+)"', page)
    assert found == [ids[t] for t in ORDER]
    assert "<script>alert(1)</script>" not in page  # escaped in every column and the JSON
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\u003cscript\\u003e" in page  # the first page's JSON inside <script>
    assert '<b id="reviewed">0</b> of <b id="total-all">7</b> reviewed' in page
    assert js[0] == 200 and js[1] == "text/javascript; charset=utf-8" and "innerHTML" not in js[2]
    assert css[0] == 200 and css[1] == "text/css; charset=utf-8"
    assert missing[0] == 404


def announced_too_big(server: ReviewServer, path: str) -> tuple[int, Any]:
    """A POST announcing a 2 MB body: refused from its header, before any body is sent."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("X-Songngu-Token", server.token)
        conn.putheader("Content-Length", "2000000")
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read().decode("utf-8"))
    finally:
        conn.close()


def test_writes_need_the_token_same_origin_and_json(ab_store: Path) -> None:
    seg = uids(ab_store)["Xin chào."]
    accept = {"decision": "accept"}
    with serving_app(ab_store) as server:
        own = f"http://127.0.0.1:{server.port}"
        no_token = post(server, seg, accept, headers={"X-Songngu-Token": ""})
        wrong = post(server, seg, accept, headers={"X-Songngu-Token": "x" * 43})
        foreign = post(server, seg, accept, headers={"Origin": "http://evil.example"})
        cross = post(server, seg, accept, headers={"Sec-Fetch-Site": "cross-site"})
        rebound = post(server, seg, accept, headers={"Host": "evil.example:80"})
        form = call(
            server,
            "POST",
            decision_path(seg),
            b"decision=accept",
            {"Content-Type": "application/x-www-form-urlencoded", "X-Songngu-Token": server.token},
        )
        too_big = announced_too_big(server, decision_path(seg))
        same_origin = post(server, seg, accept, headers={"Origin": own})
        page_status, _, page_body = call(server, "GET", "/", headers={"Host": "evil.example"})
        api_status, _, _ = call(server, "GET", "/api/segments", headers={"Host": "evil.example"})
    assert no_token[0] == wrong[0] == 403
    assert "missing or wrong X-Songngu-Token header" in no_token[1]["error"]
    assert foreign == (
        403,
        {
            "error": "cross-site request from Origin 'http://evil.example' refused; only "
            f"{own} may write"
        },
    )
    assert cross == (403, {"error": "cross-site request refused"})
    assert rebound[0] == 403 and "Host header 'evil.example:80'" in rebound[1]["error"]
    assert form[0] == 415
    assert json.loads(form[2]) == {
        "error": "Content-Type 'application/x-www-form-urlencoded' refused; send the decision "
        "as application/json"
    }
    assert too_big == (
        413,
        {"error": "body of 2000000 bytes refused; a decision is at most 1048576 bytes"},
    )
    assert page_status == api_status == 403 and server.token not in page_body
    assert same_origin[0] == 200
    assert [r[2] for r in reviews(ab_store)] == ["accept"]


def test_unknown_paths_and_methods_are_json(ab_store: Path) -> None:
    with serving_app(ab_store) as server:
        page = call(server, "GET", "/etc/passwd")
        other = call(server, "POST", "/api/other", b"{}", {"X-Songngu-Token": server.token})
        put = call(server, "PUT", "/api/segments", b"{}")
    assert page == (
        404,
        "application/json; charset=utf-8",
        json.dumps({"error": "no page '/etc/passwd'; the review page is /"}),
    )
    assert other[0] == 404
    assert json.loads(other[2]) == {
        "error": "no endpoint '/api/other'; decisions go to /api/segments/ID/decision"
    }
    assert put[0] == 405 and put[1] == "application/json; charset=utf-8"


def test_internal_errors_are_json_500_not_a_trace(
    ab_store: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: ReviewServer) -> dict[str, Any]:
        raise RuntimeError("stats exploded")

    monkeypatch.setattr(ReviewServer, "stats", broken)
    with serving_app(ab_store) as server:
        status, ctype, body = call(server, "GET", "/api/stats")
        page = call(server, "GET", "/")
    assert (status, ctype) == (500, "application/json; charset=utf-8")
    assert json.loads(body) == {"error": "internal error; the server's terminal shows the details"}
    assert page[0] == 500
    assert "RuntimeError: stats exploded" in capsys.readouterr().err


def test_fifty_concurrent_clients_all_saved(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    sentences = tuple(f"Câu số {i}." for i in range(50))
    build_translated_store(path, sentences)
    ids = uids(path)
    results: list[int] = []
    lock = threading.Lock()
    with serving_app(path) as server:
        barrier = threading.Barrier(50, timeout=TIMEOUT)

        def client(i: int) -> None:
            barrier.wait()
            status, _ = post(
                server, ids[sentences[i]], {"decision": "edit", "text": f"Sentence {i}."}
            )
            with lock:
                results.append(status)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
        assert total(server, status="edited") == 50
    assert results == [200] * 50
    assert sorted((r[0], r[3]) for r in reviews(path)) == sorted(
        (s, f"Sentence {i}.") for i, s in enumerate(sentences)
    )


def test_search_index_is_rebuilt_when_the_store_changed(ab_store: Path) -> None:
    with serving_app(ab_store) as server:
        assert total(server, q="mèo") == 0
    with open_store(ab_store) as store:
        assert store.search_index_fresh()
        store.add_documents([make_document("c", ["Con mèo."])])
        assert not store.search_index_fresh()
    with serving_app(ab_store) as server:
        assert sources(server, q="mèo") == ["Con mèo."]


def test_unknown_system_and_compare_are_config_errors(ab_store: Path) -> None:
    with pytest.raises(ConfigError, match="--system 'nope' is not in"):
        ReviewServer(ab_store, port=0, system="nope", log=False, index="off")
    with pytest.raises(ConfigError, match="is system A itself"):
        ReviewServer(ab_store, port=0, compare=A, log=False, index="off")


# -- blind A/B --------------------------------------------------------------------------------


def judge(server: ReviewServer, ticket: object, preference: str) -> tuple[int, dict[str, Any]]:
    return post(
        server, "", {"ticket": ticket, "preference": preference}, path="/api/blind/judgement"
    )


def test_blind_pairs_hide_names_and_store_judgements(ab_store: Path) -> None:
    with open_store(ab_store) as store:
        texts = {
            str(s): (str(a), str(b))
            for s, a, b in store.db.execute(
                "SELECT s.text, a.text, b.text FROM segments s "
                "JOIN translations a ON a.segment = s.id AND a.signature = ? "
                "JOIN translations b ON b.segment = s.id AND b.signature = ?",
                (A, B),
            )
        }
    seen: set[str] = set()
    sides: list[tuple[str, str]] = []
    with serving_app(ab_store, who="mai") as server:
        for _ in range(7):
            status, pair = get(server, "/api/blind/next")
            assert status == 200 and pair["done"] is False
            assert set(pair) == {"done", "ticket", "id", "vi", "left", "right", "judged"}
            assert A not in json.dumps(pair) and B not in json.dumps(pair)
            a_text, b_text = texts[pair["vi"]]
            assert {pair["left"], pair["right"]} == {a_text, b_text}
            sides.append(("A" if pair["left"] == a_text else "B", pair["vi"]))
            seen.add(pair["vi"])
            # always prefer B: "left" when B is on the left
            assert (
                judge(server, pair["ticket"], "left" if sides[-1][0] == "B" else "right")[0] == 200
            )
            reused = judge(server, pair["ticket"], "equal")
            assert reused[0] == 409 and "unknown or used" in reused[1]["error"]
        status, done = get(server, "/api/blind/next")
        bad = judge(server, "x", "better")
    assert seen == set(ORDER) and done == {"done": True, "judged": 7}
    assert bad[0] == 400 and "'preference' must be one of left, equal, right" in bad[1]["error"]
    with open_store(ab_store) as store:
        stored = store.judgements()
    assert len(stored) == 7 and all(j.winner == B and j.who == "mai" for j in stored)
    assert {j.left for j in stored} | {j.right for j in stored} == {A, B}


def test_blind_needs_two_systems_and_the_token(tmp_path: Path, ab_store: Path) -> None:
    path = tmp_path / "one.sqlite"
    build_translated_store(path)
    with serving_app(path) as server:
        status, got = get(server, "/api/blind/next")
    assert status == 409 and "start the server with --compare SIG" in got["error"]
    with serving_app(ab_store) as server:
        _, pair = get(server, "/api/blind/next")
        status, got = post(
            server,
            "",
            {"ticket": pair["ticket"], "preference": "left"},
            path="/api/blind/judgement",
            headers={"X-Songngu-Token": "wrong"},
        )
    assert status == 403 and "missing or wrong X-Songngu-Token" in got["error"]


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_serves_on_a_free_port_and_stops_on_ctrl_c(ab_store: Path) -> None:
    proc = subprocess.Popen(
        songngu_command("review", ab_store, "--port", "0", "--who", "x", "-q"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        with urllib.request.urlopen(url + "api/stats", timeout=TIMEOUT) as resp:
            stats = json.loads(resp.read().decode("utf-8"))
        assert stats["systems"] == {"a": A, "b": B} and stats["total"] == 7
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            assert "XIN CHÀO." in resp.read().decode("utf-8")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(TIMEOUT) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert f"songngu: reviewing system {A} as 'x'" in err
        assert f"songngu: system B (compared): {B}" in err
        assert "review server stopped; decisions are saved" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_comment_and_mqm_category_are_exported_in_jsonl_extra(
    ab_store: Path, tmp_path: Path
) -> None:
    ids = uids(ab_store)
    note = {"comment": "wrong tense", "category": "fluency", "severity": "major"}
    with serving_app(ab_store) as server:
        edit = {"decision": "edit", "text": "I went.", **note}
        assert post(server, ids["Tôi đi học."], edit)[0] == 200
        assert post(server, ids["Xin chào."], {"decision": "accept", "comment": "fine"})[0] == 200
    out = tmp_path / "c.jsonl"
    args = ["export", str(ab_store), "--system", A, "--format", "jsonl", "-o", str(out), "-q"]
    assert main(args) == 0
    got = {
        row["vi"]: (row["en"], row["extra"])
        for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())
    }
    assert got["Tôi đi học."] == (
        "I went.",
        {
            "x-review-comment": "wrong tense",
            "x-review-category": "fluency",
            "x-review-severity": "major",
            "edited_from": "TÔI ĐI HỌC.",  # the machine text the edit replaced
        },
    )
    assert got["Xin chào."] == ("XIN CHÀO.", {"x-review-comment": "fine"})
    assert got["Trời mưa."] == ("TRỜI MƯA.", {})


def test_a_store_changed_while_serving_is_reindexed(
    ab_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aligned.server import app

    monkeypatch.setattr(app, "FRESH_CHECK_S", 0.0)
    with serving_app(ab_store) as server:
        assert total(server) == 7
        with open_store(ab_store) as store:
            store.add_documents([make_document("c", ["Con mèo."])])
        assert total(server) == 8  # noticed: answered from the tables while it rebuilds
        assert server.wait_for_index(TIMEOUT)
        got = listing(server, q="mèo")
        assert got["search"] == "index" and [s["vi"] for s in got["segments"]] == ["Con mèo."]
        assert sources(server, offset=7) == ["Con mèo."]


def test_bind_policy() -> None:
    assert bind_policy("127.0.0.1", explicit=False) is None
    assert bind_policy("localhost", explicit=False) is None
    assert bind_policy("::1", explicit=True) is None
    assert bind_policy("127.0.0.2", explicit=False) is None
    with pytest.raises(ConfigError, match=r"non-loopback host '0\.0\.0\.0'.*Pass --host"):
        bind_policy("0.0.0.0", explicit=False)
    with pytest.raises(ConfigError, match=r"non-loopback host '192\.168\.1\.5'"):
        bind_policy("192.168.1.5", explicit=False)
    warning = bind_policy("0.0.0.0", explicit=True)
    assert warning is not None and warning.startswith("serving on '0.0.0.0', not loopback")
    assert is_loopback("[::1]") and not is_loopback("example.com")


def test_cli_refuses_a_bad_port(ab_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(ab_store), "--port", "70000"]) == 2
    assert "--port must be 0..65535, got 70000" in capsys.readouterr().err
