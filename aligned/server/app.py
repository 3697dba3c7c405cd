"""The review server: Starlette routes on uvicorn, pages and queries answered from the store.

Why Starlette + uvicorn (not ``http.server``): the server now has a JSON API that scripts call
and a page that asks it for every filter, sort and page, with concurrent reviewers; a
maintained ASGI stack gives routing, HTTP/1.1 keep-alive and a thread pool for the SQLite
work, and the security rules below stay ours, written out and tested
(``tests/test_server.py``).

Security model:

* it binds to 127.0.0.1 unless ``--host`` names another address
  (:func:`aligned.server.policy.bind_policy`);
* every request's ``Host`` header must name this server (no DNS rebinding);
* writes need the per-session token in ``X-Songngu-Token``, an ``Origin`` (when sent) equal to
  the server's own, no cross-site ``Sec-Fetch-Site`` and ``Content-Type: application/json``;
* every answer has ``Content-Security-Policy`` (scripts and styles from this server only, no
  inline script), ``X-Frame-Options: DENY``, ``nosniff``, ``no-store``; errors are JSON
  ``{"error": "..."}`` with a 4xx status (a logged 500 for a bug); pages are Jinja2 templates
  with autoescaping and the page's JavaScript writes text with ``textContent`` only.

Queries (paging, filters, sort, FTS5 search) are :class:`aligned.store.search.Search`'s; the
search index is built in a background thread at start when missing or stale, and text
search scans the tables until it is ready (``"search": "scan"`` in the answer).
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aligned.report import word_diff
from aligned.server.policy import bind_policy, default_who, is_loopback
from aligned.store import ReviewRow, SegmentQuery, Side, Store, open_store
from aligned.store.search import (
    MAX_LIMIT,
    MQM_CATEGORIES,
    MQM_SEVERITIES,
    SORT_FIELDS,
    STATUSES,
)
from corpus.errors import ConfigError, DataError, StoreBusyError

__all__ = ["ReviewServer", "bind_policy"]

TOKEN_HEADER = "X-Songngu-Token"
MAX_BODY = 1 << 20  # 1 MiB: one decision is a few hundred bytes
DECISIONS = ("accept", "edit", "reject")
PAGE_SIZE = 50
#: Seconds a decision waits for another writer of the store (a `songngu run`) before the
#: request fails with 503; the server takes the store's writer lock per saved decision only.
SAVE_WAIT = 10.0
FRESH_CHECK_S = 30.0  # how often a request checks that the search index is still current
STATIC = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": CSP,
}


class RequestError(Exception):
    """A request the server refuses: HTTP status and a message naming the fix."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- the one place a decision is saved --------------------------------------------------------


def _save_decision(
    store: Store,
    segment_uid: str,
    decision: str,
    text: str | None,
    who: str,
    system: str,
    comment: str | None,
    category: str | None,
    severity: str | None,
) -> dict[str, Any]:
    """Save one reviewer decision on segment ``segment_uid`` under ``system``.

    The only function of the server that writes a review: one ``Decision`` through
    :func:`aligned.decisions.apply_decisions`, as ``songngu review --apply`` does (same checks,
    same rules). Raises RequestError 422 for a segment or system the store does not have.
    """
    from aligned.decisions import Decision, apply_decisions

    d = Decision(
        segment_uid,
        decision,
        text if decision == "edit" else None,
        who,
        comment=comment,
        where="",
        category=category,
        severity=severity,
    )
    try:
        seg = store.segment_by_uid(segment_uid)
        judged = None if seg is None else store.judged_text(seg, store.resolve_system(system))
        applied = apply_decisions(store, [d], system)
    except (DataError, ConfigError) as exc:
        raise RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY, f"{exc}; reload the page and try again"
        ) from None
    at = applied.at[0]
    return {
        "ok": True,
        "id": segment_uid,
        "system": system,
        "decision": decision,
        "text": text if decision == "edit" else None,
        "judged": judged,
        "who": who,
        "at": at,
        "comment": comment,
        "category": category,
        "severity": severity,
    }


# -- parsing requests -------------------------------------------------------------------------


def _int_param(params: Any, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'{name}' must be a whole number, got {raw!r}"
        ) from None


def parse_query(params: Any) -> SegmentQuery:
    """``GET /api/segments`` parameters → :class:`SegmentQuery`, or RequestError 400."""
    known = {"q", "flag", "doc", "status", "system", "sort", "offset", "limit"}
    unknown = sorted(set(params.keys()) - known)
    if unknown:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"unknown parameter {unknown[0]!r}; the parameters are {', '.join(sorted(known))}",
        )
    status = params.get("status", "")
    if status and status not in STATUSES:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'status' must be one of {', '.join(STATUSES)}; got {status!r}"
        )
    sort = params.get("sort", "") or "doc"
    if sort.lstrip("-") not in SORT_FIELDS:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"'sort' must be one of {', '.join(SORT_FIELDS)} (or -FIELD for descending); "
            f"got {sort!r}",
        )
    offset = _int_param(params, "offset", 0)
    limit = _int_param(params, "limit", PAGE_SIZE)
    if offset < 0:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"'offset' must be 0 or more, got {offset}")
    if not 0 <= limit <= MAX_LIMIT:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"'limit' must be 0..{MAX_LIMIT}, got {limit}")
    return SegmentQuery(
        q=params.get("q", "").strip(),
        flag=params.get("flag", ""),
        doc=params.get("doc", ""),
        status=status,
        sort=sort,
        offset=offset,
        limit=limit,
    )


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"the body must be a JSON object with {what}; got {type(data).__name__}",
        )
    return data


def _optional_str(data: dict[str, Any], key: str, allowed: tuple[str, ...] = ()) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'{key}' must be a string or null, got {type(value).__name__}"
        )
    if allowed and value not in allowed:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"'{key}' must be one of {', '.join(allowed)} (or null); got {value!r}",
        )
    return value


@dataclass(frozen=True, slots=True)
class DecisionBody:
    """One validated ``POST /api/segments/{id}/decision`` body."""

    decision: str
    system: str
    text: str | None
    comment: str | None
    category: str | None
    severity: str | None


def parse_decision(body: bytes, systems: tuple[str, ...]) -> DecisionBody:
    """Validate a decision body; ``systems`` are the shown systems (the first is the default)."""
    data = _json_object(body, "decision, and optionally system, text, comment, category, severity")
    decision = data.get("decision")
    if decision not in DECISIONS:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"'decision' must be one of accept, edit, reject; got {decision!r}",
        )
    system = data.get("system") or systems[0]
    if system not in systems:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"'system' must be one of the shown systems ({', '.join(systems)}); got {system!r}",
        )
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise RequestError(
            HTTPStatus.BAD_REQUEST, f"'text' must be a string or null, got {type(text).__name__}"
        )
    if decision == "edit" and not (text or "").strip():
        raise RequestError(
            HTTPStatus.BAD_REQUEST, "an 'edit' decision needs the edited text in 'text'"
        )
    return DecisionBody(
        str(decision),
        str(system),
        text if decision == "edit" else None,
        _optional_str(data, "comment"),
        _optional_str(data, "category", MQM_CATEGORIES),
        _optional_str(data, "severity", MQM_SEVERITIES),
    )


# -- rows as JSON -----------------------------------------------------------------------------


def _diff(parts: list[Any]) -> list[list[Any]]:
    return [[p.text, p.changed] for p in parts]


def _side(side: Side | None, diff: list[list[Any]] | None, against: str | None) -> Any:
    if side is None:
        return None
    return {
        "system": side.signature,
        "text": side.text,
        "score": side.score,
        "metrics": side.metrics,
        "checks": side.checks,
        "diff": diff,
        "diff_against": against,
    }


def row_json(row: ReviewRow) -> dict[str, Any]:
    """One segment as the API returns it (see README, "The review API")."""
    a_text, b_text = row.a.text, row.b.text if row.b is not None else None
    a_diff = b_diff = None
    a_against = b_against = None
    if row.ref:
        if a_text is not None:
            a_diff = _diff(word_diff(a_text, row.ref)[0])
            a_against = "reference"
        if b_text is not None:
            b_diff = _diff(word_diff(b_text, row.ref)[0])
            b_against = "reference"
    elif a_text is not None and b_text is not None:
        left, right = word_diff(a_text, b_text)
        a_diff, b_diff, a_against, b_against = _diff(left), _diff(right), "B", "A"
    review = row.review
    english = a_text
    if review is not None and review.decision == "edit":
        english = review.text
    elif review is not None and review.decision == "accept":
        english = b_text if row.b is not None and review.signature == row.b.signature else a_text
    return {
        "id": row.uid,
        "doc": row.doc,
        "para": row.para,
        "sent": row.sent,
        "vi": row.source,
        "en": english,
        "flags": list(row.flags),
        "a": _side(row.a, a_diff, a_against),
        "b": _side(row.b, b_diff, b_against),
        "ref": None if row.ref is None else {"text": row.ref, "alignment": row.ref_alignment},
        "status": row.status,
        "review": None
        if review is None
        else {
            "decision": review.decision,
            "system": review.signature,
            "which": "B" if row.b is not None and review.signature == row.b.signature else "A",
            "text": review.text,
            "judged": review.judged,
            "who": review.who,
            "at": review.at,
            "comment": review.comment,
            "category": review.category,
            "severity": review.severity,
        },
    }


# -- the server ---------------------------------------------------------------------------------


class ReviewServer:
    """One store served for review on ``host:port`` (see the module docstring).

    ``system`` is system A (the one reviewed; ``latest`` by default), ``compare`` system B
    (default: the system used before A, if any; ``none`` for no B). ``index``: ``background``
    builds the search index in a thread (the default), ``now`` before serving (tests), ``off``
    never (text search scans).
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        system: str = "latest",
        compare: str | None = None,
        reference: str | None = None,
        who: str | None = None,
        token: str | None = None,
        log: bool = True,
        index: str = "background",
    ) -> None:
        from aligned.report import _resolve_reference

        self.store_path = Path(store_path)
        self.started = time.monotonic()
        with open_store(self.store_path, create=False) as store:
            self.signature = store.resolve_system(system)
            if compare is None:
                others = [s for s in store.systems() if s != self.signature]
                self.compare = others[0] if others else ""
            elif compare == "none":
                self.compare = ""
            else:
                self.compare = store.resolve_system(compare)
                if self.compare == self.signature:
                    raise ConfigError(
                        f"--compare {compare!r} is system A itself; name another system"
                    )
            self.reference = _resolve_reference(store, reference)
            store.ensure_review_indexes()
            self.flags = store.flag_names(self.systems)
            self.total = store.segment_total()
            fresh = store.search_index_fresh()
        self.who = who or default_who()
        self.token = token or secrets.token_urlsafe(32)
        self.log = log
        self.write_lock = threading.Lock()
        self.tickets: dict[str, tuple[int, str, str]] = {}
        self.index_state = "ready" if fresh else ("off" if index == "off" else "building")
        self.index_progress = (0, self.total)
        self._checked = time.monotonic()
        self._local = threading.local()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(2048)
        self.host = host
        self._server: Any = None
        self._index_thread: threading.Thread | None = None
        if self.index_state == "building":
            if index == "now":
                self._build_index()
            else:
                self._index_thread = threading.Thread(
                    target=self._build_index, name="songngu-search-index", daemon=True
                )
                self._index_thread.start()

    # -- addresses -------------------------------------------------------------------------------

    @property
    def systems(self) -> tuple[str, ...]:
        return (self.signature, self.compare) if self.compare else (self.signature,)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

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

    # -- the store ---------------------------------------------------------------------------------

    def store(self) -> Store:
        """This thread's open store (one SQLite connection per worker thread, kept)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.store_path, create=False)
            self._local.store = store
        return store

    def _build_index(self) -> None:
        def progress(done: int, total: int) -> None:
            self.index_progress = (done, total)

        try:
            with open_store(self.store_path, create=False) as store:
                store.build_search_index(progress)
            self.index_state = "ready"
        except Exception:  # the server keeps serving; search scans instead
            traceback.print_exc(file=sys.stderr)
            self.index_state = "failed"

    def wait_for_index(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) for the background index build; True if ready."""
        if self._index_thread is not None:
            self._index_thread.join(timeout)
        return self.index_state == "ready"

    def _check_fresh(self, store: Store) -> None:
        """At most every 30 s: if another process changed the store (``songngu run``,
        ``import``, ``refs``), stop using the stale index and rebuild it in the background."""
        now = time.monotonic()
        if self.index_state != "ready" or now - self._checked < FRESH_CHECK_S:
            return
        self._checked = now
        if not store.search_index_fresh():
            with self.write_lock:
                if self.index_state == "ready":
                    self.index_state = "building"
                    self.total = store.segment_total()
                    self._index_thread = threading.Thread(
                        target=self._build_index, name="songngu-search-index", daemon=True
                    )
                    self._index_thread.start()

    def segments(self, query: SegmentQuery) -> dict[str, Any]:
        store = self.store()
        self._check_fresh(store)
        try:
            total, ids = store.find_segments(
                query,
                self.signature,
                self.compare,
                self.reference,
                use_fts=self.index_state == "ready",
            )
        except ConfigError as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(exc)) from None
        rows = store.review_rows(ids, self.signature, self.compare, self.reference)
        return {
            "total": total,
            "offset": query.offset,
            "limit": query.limit,
            "search": "index" if self.index_state == "ready" else "scan",
            "segments": [row_json(r) for r in rows],
        }

    def segment(self, uid: str) -> dict[str, Any]:
        store = self.store()
        seg = store.segment_by_uid(uid)
        if seg is None:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no segment {uid!r} in the store")
        rows = store.review_rows([seg], self.signature, self.compare, self.reference)
        return row_json(rows[0])

    def stats(self) -> dict[str, Any]:
        store = self.store()
        reviewed = store.reviewed_count(self.systems)
        done, total = self.index_progress
        return {
            "total": self.total,
            "reviewed": reviewed,
            "systems": {"a": self.signature, "b": self.compare or None},
            "reference": self.reference,
            "flags": self.flags,
            "who": self.who,
            "search_index": {"state": self.index_state, "done": done, "total": total},
            "judgements": len(store.judgements(self.systems)) if self.compare else 0,
        }

    def writer(self) -> Store:
        """The store opened for one write under its writer lock (no lock held while serving,
        so a `songngu run` may write between decisions); 503 when another process keeps it
        for :data:`SAVE_WAIT` seconds."""
        try:
            return open_store(self.store_path, create=False, writer=True, wait=SAVE_WAIT)
        except StoreBusyError as exc:
            raise RequestError(
                HTTPStatus.SERVICE_UNAVAILABLE, f"{exc}; the decision was not saved, try again"
            ) from None

    def decide(self, uid: str, d: DecisionBody) -> dict[str, Any]:
        with self.write_lock, self.writer() as store:
            return _save_decision(
                store,
                uid,
                d.decision,
                d.text,
                self.who,
                d.system,
                d.comment,
                d.category,
                d.severity,
            )

    def blind_next(self) -> dict[str, Any]:
        if not self.compare:
            raise RequestError(
                HTTPStatus.CONFLICT,
                "blind comparison needs two systems; start the server with --compare SIG",
            )
        store = self.store()
        start = secrets.randbelow(max(store.max_segment_id(), 1))
        seg = store.blind_candidate(self.signature, self.compare, self.who, start)
        judged = sum(1 for j in store.judgements(self.systems) if j.who == self.who)
        if seg is None:
            return {"done": True, "judged": judged}
        row = store.review_rows([seg], self.signature, self.compare, self.reference)[0]
        left, right = (self.signature, self.compare)
        if secrets.randbelow(2):
            left, right = right, left
        ticket = secrets.token_urlsafe(16)
        with self.write_lock:
            if len(self.tickets) > 10_000:  # abandoned tabs: forget the oldest
                for key in list(self.tickets)[:5_000]:
                    del self.tickets[key]
            self.tickets[ticket] = (seg, left, right)
        texts = {row.a.signature: row.a.text}
        if row.b is not None:
            texts[row.b.signature] = row.b.text
        return {
            "done": False,
            "ticket": ticket,
            "id": row.uid,
            "vi": row.source,
            "left": texts[left],
            "right": texts[right],
            "judged": judged,
        }

    def judge(self, body: bytes) -> dict[str, Any]:
        data = _json_object(body, "ticket and preference")
        ticket = data.get("ticket")
        preference = data.get("preference")
        if preference not in ("left", "equal", "right"):
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"'preference' must be one of left, equal, right; got {preference!r}",
            )
        with self.write_lock:
            issued = self.tickets.pop(ticket, None) if isinstance(ticket, str) else None
            if issued is None:
                raise RequestError(
                    HTTPStatus.CONFLICT,
                    f"ticket {ticket!r} is unknown or used; reload the blind page for a new pair",
                )
            seg, left, right = issued
            at = self.store().add_judgement(seg, left, right, str(preference), who=self.who)
        return {"ok": True, "preference": preference, "who": self.who, "at": at}

    # -- serving -----------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or Ctrl-C in the main thread)."""
        import uvicorn

        from aligned.server.routes import build_app

        config = uvicorn.Config(
            build_app(self),
            log_level="info" if self.log else "warning",
            access_log=self.log,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._server.run(sockets=[self.sock])

    @property
    def serving(self) -> bool:
        """True once uvicorn accepts requests."""
        return self._server is not None and bool(self._server.started)

    def shutdown(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    def server_close(self) -> None:
        self.sock.close()
