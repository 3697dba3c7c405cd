"""The local review server: the report view in review mode, saving decisions into the store.

Why the standard library (``http.server.ThreadingHTTPServer``): the server has one page and one
JSON endpoint, runs on the reviewer's own machine, and must not add a dependency (and its
security surface) to the package; the few checks a framework would give us are written out
here where they can be read and tested.

Security model (a page on another site must not be able to write to the store):

* it binds to 127.0.0.1 unless ``--host`` names another address (:func:`bind_policy`);
* every request's ``Host`` header must name this server (no DNS rebinding: a foreign page that
  re-points its own name at 127.0.0.1 cannot read the page, and so not the token);
* writes need the per-session token (``secrets.token_urlsafe``) in ``X-Songngu-Token``, an
  ``Origin`` (when sent) equal to the server's own, and ``Content-Type: application/json``
  (so no cross-site HTML form can post).

Concurrency: one SQLite connection per request (WAL, 30 s busy timeout, from :class:`Store`)
and one lock around writes, so concurrent reviewers never see "database is locked".
"""

from __future__ import annotations

import getpass
import ipaddress
import json
import secrets
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aligned.decisions import Decision, apply_decisions, check_decision
from aligned.store import Store, open_store
from corpus.errors import ConfigError, DataError, StoreBusyError

API_DECISION = "/api/decision"
API_DECISIONS = "/api/decisions"
TOKEN_HEADER = "X-Songngu-Token"
MAX_BODY = 1 << 20  # 1 MiB: one decision is a few hundred bytes
#: Seconds a decision waits for another writer of the store (a `songngu run`) before the
#: request fails with 503; the server takes the store's writer lock per saved decision only.
SAVE_WAIT = 10.0

#: ``render(store, signature, review) -> html``: the page; ``review`` is the report's
#: ``{"token": ..., "api": ...}`` review-mode argument.
Renderer = Callable[[Store, str, dict[str, str]], str]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_policy(host: str, *, explicit: bool) -> str | None:
    """Decide whether the server may bind to ``host``.

    Loopback: allowed, no warning (None). Any other address only when the user named it with
    ``--host`` (``explicit``): then a warning to print; otherwise a :class:`ConfigError`.
    """
    if is_loopback(host):
        return None
    if not explicit:
        raise ConfigError(
            f"refusing to serve the review page on non-loopback host {host!r}: anyone who can "
            "reach it could read the corpus. Pass --host explicitly to do so on purpose, or "
            "use --host 127.0.0.1"
        )
    return (
        f"serving on {host!r}, not loopback: anyone who can reach this address can read the "
        "corpus and, with the token in the printed URL's page, change reviews"
    )


def default_who() -> str:
    """The OS user name (the reviewer recorded with each decision), or 'reviewer'."""
    try:
        return getpass.getuser() or "reviewer"
    except Exception:  # no user name in the environment (containers): still review
        return "reviewer"


def default_renderer(store: Store, signature: str, review: dict[str, str]) -> str:
    """The HTML report in review mode (imported here: only the server needs it)."""
    from aligned.report import render_report

    return render_report(store, systems=[signature], review=review)


class RequestError(Exception):
    """A request the server refuses: HTTP status and a message naming the fix."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class PostedDecision:
    """One validated POST body (applied as an :class:`aligned.decisions.Decision`)."""

    segment: int
    signature: str
    decision: str
    text: str | None


def parse_decision(body: bytes) -> PostedDecision:
    """Validate a decision POST body, or raise :class:`RequestError` (400) saying what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"the body must be a JSON object with segment, signature, decision, text; "
            f"got {type(data).__name__}",
        )
    segment = data.get("segment")
    signature = data.get("signature")
    decision = data.get("decision")
    text = data.get("text")
    if not isinstance(segment, int) or isinstance(segment, bool):
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'segment' must be a segment id (integer), got {segment!r}"
        )
    if not isinstance(signature, str) or not signature:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'signature' must be a system signature, got {signature!r}"
        )
    problem = check_decision(decision, text)
    if problem is not None:
        raise RequestError(HTTPStatus.BAD_REQUEST, problem)
    edited = str(text) if decision == "edit" and text is not None else None
    return PostedDecision(segment, signature, str(decision), edited)


class ReviewServer(ThreadingHTTPServer):
    """Serves one store's review page and saves decisions (see the module docstring)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops connections of a burst of reviewers/tabs

    def __init__(
        self,
        store_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        system: str = "latest",
        who: str | None = None,
        token: str | None = None,
        render: Renderer | None = None,
        log: bool = True,
    ) -> None:
        self.store_path = Path(store_path)
        with open_store(self.store_path, create=False) as store:
            self.signature = store.resolve_system(system)
        self.who = who or default_who()
        self.token = token or secrets.token_urlsafe(32)
        self.render = render or default_renderer
        self.log = log
        self.write_lock = threading.Lock()
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), ReviewHandler)
        self.host = host

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}/"

    def allowed_hosts(self) -> set[str] | None:
        """``Host`` header values naming this server; None = any (bound to a wildcard)."""
        if self.host in ("0.0.0.0", "::", ""):
            return None
        names = {self.host if ":" not in self.host else f"[{self.host}]"}
        if is_loopback(self.host):
            names |= {"localhost", "127.0.0.1", "[::1]"}
        return {f"{n}:{self.port}".lower() for n in names}

    # -- the store ----------------------------------------------------------------------------

    def page(self) -> str:
        with open_store(self.store_path, create=False) as store:
            return self.render(store, self.signature, {"token": self.token, "api": API_DECISION})

    def save(self, d: PostedDecision) -> dict[str, Any]:
        """Save one decision now, through :func:`aligned.decisions.apply_decisions` (as
        ``songngu review --apply`` does); 422 for a segment or system the store does not have,
        503 when another process keeps the store busy for :data:`SAVE_WAIT` seconds.
        """
        try:
            store = open_store(self.store_path, create=False, writer=True, wait=SAVE_WAIT)
        except StoreBusyError as exc:
            raise RequestError(
                HTTPStatus.SERVICE_UNAVAILABLE, f"{exc}; the decision was not saved, try again"
            ) from None
        with self.write_lock, store:
            position = store.translated_position(d.segment, d.signature)
            if position is None:
                what = (
                    f"segment {d.segment} has no translation under system {d.signature!r}"
                    if store.has_segment(d.segment)
                    else f"segment {d.segment} is not in the store"
                )
                raise RequestError(
                    HTTPStatus.UNPROCESSABLE_ENTITY, f"{what}; reload the page and try again"
                )
            decision = Decision(store.segment_uid_of(d.segment), d.decision, d.text, self.who)
            try:
                applied = apply_decisions(store, [decision], d.signature)
            except DataError as exc:
                raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
            at = applied.at[0]
            state = store.review_states(d.signature, [d.segment]).get(d.segment)
            return {
                "ok": True,
                "segment": d.segment,
                "signature": d.signature,
                "decision": d.decision,
                "text": d.text,
                "who": self.who,
                "at": at,
                "effective": None
                if state is None
                else {"decision": state.decision, "text": state.text, "machine": state.machine},
            }

    def decisions(self) -> list[dict[str, Any]]:
        """The effective decision per segment under the served system, in segment order."""
        with open_store(self.store_path, create=False) as store:
            rows = store.latest_decisions(self.signature)
        return [
            {"segment": r.segment, "decision": r.decision, "text": r.text, "who": r.who, "at": r.at}
            for r in rows
        ]


class ReviewHandler(BaseHTTPRequestHandler):
    """One request; every failure becomes a JSON error (see :meth:`_guard`)."""

    server: ReviewServer
    server_version = "songngu-review"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log:
            sys.stderr.write(f"songngu: review: {self.address_string()} {format % args}\n")

    # -- dispatch ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._guard(self._get)

    def do_HEAD(self) -> None:
        self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET or POST"})

    def do_POST(self) -> None:
        self._guard(self._post)

    def do_PUT(self) -> None:
        self._send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET or POST"})

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def _guard(self, action: Callable[[], None]) -> None:
        """The handler boundary: refusals are JSON 4xx, anything else a logged JSON 500."""
        try:
            self._check_host()
            action()
        except RequestError as exc:
            self._send_json(exc.status, {"error": exc.message})
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"error": "internal error; the server's terminal shows the details"},
            )

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _get(self) -> None:
        path = self._path()
        if path in ("/", "/index.html"):
            body = self.server.page().encode("utf-8")
            self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")
        elif path == API_DECISIONS:
            self._send_json(
                HTTPStatus.OK,
                {"signature": self.server.signature, "decisions": self.server.decisions()},
            )
        else:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no page {path!r}; the review page is /")

    def _post(self) -> None:
        path = self._path()
        if path != API_DECISION:
            raise RequestError(
                HTTPStatus.NOT_FOUND, f"no endpoint {path!r}; decisions go to {API_DECISION}"
            )
        self._check_write()
        d = parse_decision(self._body())
        self._send_json(HTTPStatus.OK, self.server.save(d))

    # -- checks --------------------------------------------------------------------------------

    def _check_host(self) -> None:
        allowed = self.server.allowed_hosts()
        host = (self.headers.get("Host") or "").lower()
        if allowed is not None and host not in allowed:
            raise RequestError(
                HTTPStatus.FORBIDDEN,
                f"Host header {host!r} does not name this server; open {self.server.url}",
            )

    def _check_write(self) -> None:
        token = self.headers.get(TOKEN_HEADER)
        if token is None or not secrets.compare_digest(
            token.encode("utf-8", "replace"), self.server.token.encode("utf-8")
        ):
            raise RequestError(
                HTTPStatus.FORBIDDEN,
                f"missing or wrong {TOKEN_HEADER} header; reload the review page "
                f"({self.server.url}) to get this session's token",
            )
        origin = self.headers.get("Origin")
        own = f"http://{self.headers.get('Host', '')}".lower()
        if origin is not None and origin.lower() != own:
            raise RequestError(
                HTTPStatus.FORBIDDEN,
                f"cross-site request from Origin {origin!r} refused; only {own} may write",
            )
        if (self.headers.get("Sec-Fetch-Site") or "same-origin") not in ("same-origin", "none"):
            raise RequestError(HTTPStatus.FORBIDDEN, "cross-site request refused")
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"Content-Type {ctype or 'none'!r} refused; send the decision as application/json",
            )

    def _body(self) -> bytes:
        raw = self.headers.get("Content-Length")
        try:
            length = int(raw or "")
        except ValueError:
            raise RequestError(
                HTTPStatus.LENGTH_REQUIRED, f"Content-Length {raw!r} is not a number"
            ) from None
        if length < 0 or length > MAX_BODY:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body of {length} bytes refused; a decision is at most {MAX_BODY} bytes",
            )
        return self.rfile.read(length)

    # -- responses -----------------------------------------------------------------------------

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        if status >= 400:
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
