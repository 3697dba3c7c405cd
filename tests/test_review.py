"""The review server over loopback, without a browser: page, decisions, security checks, exports.

A fake translator (upper-cases) fills the store, as in ``tests/test_store.py``: no model, so the
whole file runs in a few seconds. Every server binds to 127.0.0.1 port 0.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aligned.cli import main
from aligned.review import ReviewServer, bind_policy, is_loopback
from corpus.errors import ConfigError
from tests.cli import songngu_command
from tests.fakes import (
    SENTENCES,
    SIG,
    TIMEOUT,
    XSS,
    build_translated_store,
    review_rows,
    serving,
)


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


def post(
    server: ReviewServer, payload: object, *, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """POST a decision with the right token and content type unless ``headers`` override."""
    sent = {"Content-Type": "application/json", "X-Songngu-Token": server.token}
    sent.update(headers or {})
    status, ctype, text = call(
        server, "POST", "/api/decision", json.dumps(payload).encode("utf-8"), sent
    )
    assert ctype == "application/json; charset=utf-8"
    return status, json.loads(text)


def decision(segment: int, kind: str, text: str | None = None) -> dict[str, object]:
    return {"segment": segment, "signature": str(SIG), "decision": kind, "text": text}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    build_translated_store(path)
    return path


def test_page_has_token_rows_and_security_headers(store_path: Path) -> None:
    ids = build_translated_store(store_path)  # re-adding is a no-op: the same ids
    with serving(store_path) as server:
        req = urllib.request.Request(f"http://127.0.0.1:{server.port}/")
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            status, headers, page = resp.status, resp.headers, resp.read().decode("utf-8")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert len(server.token) >= 40
    assert json.dumps(server.token) in page
    assert '"api": "/api/decision"' in page or '"api":"/api/decision"' in page
    assert re.findall(r'<tr class="row[^"]*" id="seg-(\d+)"', page) == [
        str(ids[s]) for s in SENTENCES
    ]
    assert "XIN CHÀO." in page and "TÔI ĐI HỌC." in page
    assert "<script>alert(1)</script>" not in page  # escaped, in every column
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<button type="button" class="accept">accept</button>') == len(SENTENCES)


def test_accept_edit_reject_are_saved_with_who_and_time(store_path: Path) -> None:
    ids = build_translated_store(store_path)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    with serving(store_path, who="lan") as server:
        a = post(server, decision(ids["Xin chào."], "accept"))
        e = post(server, decision(ids["Tôi đi học."], "edit", "I go to school."))
        r = post(server, decision(ids["Trời mưa."], "reject"))
    after = datetime.now(timezone.utc)
    assert a[0] == e[0] == r[0] == 200
    assert e[1]["ok"] is True
    assert e[1]["decision"] == "edit" and e[1]["text"] == "I go to school."
    assert e[1]["who"] == "lan" and e[1]["segment"] == ids["Tôi đi học."]
    rows = review_rows(store_path)
    assert [r[:5] for r in rows] == [
        (ids["Xin chào."], str(SIG), "accept", None, "lan"),
        (ids["Tôi đi học."], str(SIG), "edit", "I go to school.", "lan"),
        (ids["Trời mưa."], str(SIG), "reject", None, "lan"),
    ]
    for row in rows:
        at = datetime.fromisoformat(row[5])
        assert before <= at <= after
    assert e[1]["at"] == rows[1][5]


def test_decisions_survive_a_restart_and_are_shown(store_path: Path) -> None:
    ids = build_translated_store(store_path)
    with serving(store_path) as first:
        assert post(first, decision(ids["Tôi đi học."], "edit", "I study."))[0] == 200
        assert post(first, decision(ids["Xin chào."], "accept"))[0] == 200
        assert post(first, decision(ids["Xin chào."], "reject"))[0] == 200  # latest counts
        token = first.token
    with serving(store_path) as second:
        assert second.token != token
        status, _, body = call(second, "GET", "/api/decisions")
        _, _, page = call(second, "GET", "/")
    assert status == 200
    got = json.loads(body)
    assert got["signature"] == str(SIG)
    assert [(d["segment"], d["decision"], d["text"], d["who"]) for d in got["decisions"]] == [
        (ids["Xin chào."], "reject", None, "tester"),
        (ids["Tôi đi học."], "edit", "I study.", "tester"),
    ]
    row = re.search(rf'<tr [^>]*id="seg-{ids["Tôi đi học."]}"[^>]*>', page)
    assert row is not None and 'data-decision="edit"' in row.group(0)
    assert ">I study.</textarea>" in page
    cell = '<td class="mt edited">I study.<span class="mt-replaced">MT: <s>TÔI ĐI HỌC.</s></span>'
    assert cell in page  # the edit, with the machine text it replaced
    row = re.search(rf'<tr [^>]*id="seg-{ids["Xin chào."]}"[^>]*>', page)
    assert row is not None and 'data-decision="reject"' in row.group(0)


def test_exports_carry_edits_and_reviewed_only(store_path: Path, tmp_path: Path) -> None:
    ids = build_translated_store(store_path)
    with serving(store_path) as server:
        assert post(server, decision(ids["Tôi đi học."], "edit", "I go to school."))[0] == 200
        assert post(server, decision(ids["Xin chào."], "accept"))[0] == 200
        assert post(server, decision(ids["Trời mưa."], "reject"))[0] == 200
    tsv, tmx, only = tmp_path / "c.tsv", tmp_path / "c.tmx", tmp_path / "only.tsv"
    assert main(["export", str(store_path), "--format", "tsv", "-o", str(tsv), "-q"]) == 0
    assert main(["export", str(store_path), "--format", "tmx", "-o", str(tmx), "-q"]) == 0
    args = ["export", str(store_path), "--format", "tsv", "-o", str(only), "--reviewed-only"]
    assert main([*args, "-q"]) == 0

    def tsv_rows(path: Path) -> list[tuple[str, str, str]]:
        lines = path.read_text(encoding="utf-8").splitlines()
        head = lines[0].split("\t")
        cols = [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:]]
        return [(c["vi"], c["en"], c["reviewed"]) for c in cols]

    assert tsv_rows(tsv) == [
        ("Xin chào.", "XIN CHÀO.", "1"),
        ("Tôi đi học.", "I go to school.", "1"),
        (XSS[0], XSS[0].upper(), "0"),
        (XSS[1], XSS[1].upper(), "0"),
    ]
    assert tsv_rows(only) == [
        ("Xin chào.", "XIN CHÀO.", "1"),
        ("Tôi đi học.", "I go to school.", "1"),
    ]
    tus = ET.parse(tmx).getroot().findall("./body/tu")
    got = [
        (
            tu.findtext("./tuv[@{http://www.w3.org/XML/1998/namespace}lang='en']/seg"),
            tu.findtext("./prop[@type='x-reviewed']"),
        )
        for tu in tus
    ]
    assert got == [
        ("XIN CHÀO.", "true"),
        ("I go to school.", "true"),
        (XSS[0].upper(), "false"),
        (XSS[1].upper(), "false"),
    ]


def test_writes_need_the_token_same_origin_and_json(store_path: Path) -> None:
    ids = build_translated_store(store_path)
    seg = ids["Xin chào."]
    with serving(store_path) as server:
        own = f"http://127.0.0.1:{server.port}"
        no_token = post(server, decision(seg, "accept"), headers={"X-Songngu-Token": ""})
        wrong = post(server, decision(seg, "accept"), headers={"X-Songngu-Token": "x" * 43})
        foreign = post(server, decision(seg, "accept"), headers={"Origin": "http://evil.example"})
        cross = post(server, decision(seg, "accept"), headers={"Sec-Fetch-Site": "cross-site"})
        rebound = post(server, decision(seg, "accept"), headers={"Host": "evil.example:80"})
        status, _, body = call(
            server,
            "POST",
            "/api/decision",
            b"segment=1&decision=accept",
            {"Content-Type": "application/x-www-form-urlencoded", "X-Songngu-Token": server.token},
        )
        same_origin = post(server, decision(seg, "accept"), headers={"Origin": own})
        page_status, _, page_body = call(server, "GET", "/", headers={"Host": "evil.example"})
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
    assert status == 415
    assert json.loads(body) == {
        "error": "Content-Type 'application/x-www-form-urlencoded' refused; send the decision "
        "as application/json"
    }
    assert page_status == 403 and server.token not in page_body  # no token for a rebound name
    assert same_origin[0] == 200
    assert [r[2] for r in review_rows(store_path)] == ["accept"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not UTF-8 JSON"),
        (b"[1, 2]", 400, "the body must be a JSON object"),
        (b'{"segment": "1", "signature": "s", "decision": "accept"}', 400, "'segment' must be"),
        (b'{"segment": true, "signature": "s", "decision": "accept"}', 400, "'segment' must be"),
        (b'{"segment": 1, "decision": "accept"}', 400, "'signature' must be a system"),
        (b'{"segment": 1, "signature": "s", "decision": "maybe"}', 400, "got 'maybe'"),
        (b'{"segment": 1, "signature": "s", "decision": "edit"}', 400, "needs the edited text"),
        (b'{"segment": 1, "signature": "s", "decision": "edit", "text": 5}', 400, "'text' must"),
        (b'{"segment": 999, "signature": "SIG", "decision": "accept"}', 422, "segment 999 is not"),
        (b'{"segment": 1, "signature": "other", "decision": "accept"}', 422, "no translation"),
        (b"\xff\xfe", 400, "the body is not UTF-8 JSON"),
    ],
)
def test_bad_requests_are_json_4xx(
    store_path: Path, body: bytes, status: int, message: str
) -> None:
    body = body.replace(b'"SIG"', json.dumps(str(SIG)).encode())
    with serving(store_path) as server:
        got, ctype, text = call(
            server,
            "POST",
            "/api/decision",
            body,
            {"Content-Type": "application/json", "X-Songngu-Token": server.token},
        )
    assert (got, ctype) == (status, "application/json; charset=utf-8")
    assert message in json.loads(text)["error"]
    assert review_rows(store_path) == []


def test_unknown_paths_and_methods(store_path: Path) -> None:
    with serving(store_path) as server:
        get = call(server, "GET", "/etc/passwd")
        post_other = call(server, "POST", "/api/other", b"{}", {"X-Songngu-Token": server.token})
        put = call(server, "PUT", "/api/decision", b"{}")
    assert get == (404, "application/json; charset=utf-8", json.dumps(
        {"error": "no page '/etc/passwd'; the review page is /"}
    ))  # fmt: skip
    assert post_other[0] == 404
    assert json.loads(post_other[2]) == {
        "error": "no endpoint '/api/other'; decisions go to /api/decision"
    }
    assert put[0] == 405


def test_internal_errors_are_json_500_not_a_trace(
    store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> str:
        raise RuntimeError("template exploded")

    with serving(store_path, render=broken) as server:
        status, ctype, body = call(server, "GET", "/")
    assert (status, ctype) == (500, "application/json; charset=utf-8")
    assert json.loads(body) == {"error": "internal error; the server's terminal shows the details"}
    assert "RuntimeError: template exploded" in capsys.readouterr().err


def test_fifty_concurrent_clients_all_saved(tmp_path: Path) -> None:
    path = tmp_path / "corpus.sqlite"
    sentences = tuple(f"Câu số {i}." for i in range(50))
    ids = build_translated_store(path, sentences)
    results: list[int] = []
    lock = threading.Lock()
    with serving(path) as server:
        barrier = threading.Barrier(50, timeout=TIMEOUT)

        def client(i: int) -> None:
            barrier.wait()
            status, _ = post(server, decision(ids[sentences[i]], "edit", f"Sentence {i}."))
            with lock:
                results.append(status)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
    assert results == [200] * 50
    rows = review_rows(path)
    assert sorted((r[0], r[3]) for r in rows) == sorted(
        (ids[s], f"Sentence {i}.") for i, s in enumerate(sentences)
    )


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


def test_unknown_system_is_a_config_error(store_path: Path) -> None:
    with pytest.raises(ConfigError, match="--system 'nope' is not in"):
        ReviewServer(store_path, port=0, system="nope", log=False)


def test_cli_serves_on_a_free_port_and_stops_on_ctrl_c(store_path: Path) -> None:
    proc = subprocess.Popen(
        songngu_command("review", store_path, "--port", "0", "--who", "x"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            assert resp.status == 200
            assert "XIN CHÀO." in resp.read().decode("utf-8")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(TIMEOUT) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert f"songngu: reviewing system {SIG} as 'x'" in err
        assert "review server stopped; decisions are saved" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_cli_refuses_a_bad_port(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(store_path), "--port", "70000"]) == 2
    assert "--port must be 0..65535, got 70000" in capsys.readouterr().err
