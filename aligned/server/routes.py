"""The review server's routes: pages, the JSON API, static files, and the request guard.

Every endpoint is ``async`` only to read the body; store work runs in Starlette's thread pool
(``run_in_threadpool``), one SQLite connection per worker thread. :class:`Guard` (pure ASGI
middleware) checks ``Host`` before any route runs and adds the security headers to every
answer, errors included.
"""

from __future__ import annotations

import json
import secrets
import sys
import traceback
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aligned.server.app import (
    MAX_BODY,
    PAGE_SIZE,
    SECURITY_HEADERS,
    STATIC,
    TOKEN_HEADER,
    RequestError,
    parse_decision,
    parse_query,
)
from aligned.store import SegmentQuery
from aligned.store.search import MQM_CATEGORIES, MQM_SEVERITIES, SORT_FIELDS, STATUSES

if TYPE_CHECKING:
    from aligned.server.app import ReviewServer

API_SEGMENTS = "/api/segments"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class JSONUTF8(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False).encode("utf-8")

    def init_headers(self, headers: Any = None) -> None:
        super().init_headers(headers)
        self.raw_headers = [
            (k, b"application/json; charset=utf-8" if k == b"content-type" else v)
            for k, v in self.raw_headers
        ]


def error(status: int, message: str) -> Response:
    return JSONUTF8({"error": message}, status_code=status)


def json_for_script(value: object) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Guard:
    """Refuse a ``Host`` that does not name the server; add security headers to every answer."""

    def __init__(self, app: ASGIApp, server: ReviewServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
            await send(message)

        allowed = self.server.allowed_hosts()
        host = Headers(scope=scope).get("host", "").lower()
        if allowed is not None and host not in allowed:
            refusal = error(
                403, f"Host header {host!r} does not name this server; open {self.server.url}"
            )
            await refusal(scope, receive, secured)
            return
        await self.app(scope, receive, secured)


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """Refusals become JSON 4xx; any other exception a logged JSON 500 (no traceback sent)."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except RequestError as exc:
            return error(exc.status, exc.message)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return error(500, "internal error; the server's terminal shows the details")

    return run


def check_write(request: Request, server: ReviewServer) -> None:
    """Token, same origin, JSON: what a write needs (see :mod:`aligned.server.app`)."""
    token = request.headers.get(TOKEN_HEADER)
    if token is None or not secrets.compare_digest(
        token.encode("utf-8", "replace"), server.token.encode("utf-8")
    ):
        raise RequestError(
            HTTPStatus.FORBIDDEN,
            f"missing or wrong {TOKEN_HEADER} header; reload the review page "
            f"({server.url}) to get this session's token",
        )
    origin = request.headers.get("origin")
    own = f"http://{request.headers.get('host', '')}".lower()
    if origin is not None and origin.lower() != own:
        raise RequestError(
            HTTPStatus.FORBIDDEN,
            f"cross-site request from Origin {origin!r} refused; only {own} may write",
        )
    if (request.headers.get("sec-fetch-site") or "same-origin") not in ("same-origin", "none"):
        raise RequestError(HTTPStatus.FORBIDDEN, "cross-site request refused")
    ctype = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if ctype != "application/json":
        raise RequestError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type {ctype or 'none'!r} refused; send the decision as application/json",
        )


async def read_body(request: Request) -> bytes:
    raw = request.headers.get("content-length")
    if raw is not None:
        try:
            length = int(raw)
        except ValueError:
            raise RequestError(
                HTTPStatus.LENGTH_REQUIRED, f"Content-Length {raw!r} is not a number"
            ) from None
        if length < 0 or length > MAX_BODY:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body of {length} bytes refused; a decision is at most {MAX_BODY} bytes",
            )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"body over {MAX_BODY} bytes refused; a decision is at most {MAX_BODY} bytes",
            )
    return body


def system_labels(sig_a: str, sig_b: str) -> dict[str, str]:
    """Short column labels: each system's model name, plus the settings where A and B differ
    (two runs of one model with another beam must not both read "opus-mt-vi-en")."""
    from aligned.store import signature_fields

    def label(sig: str, other: str) -> str:
        fields, theirs = signature_fields(sig), signature_fields(other)
        if not fields:
            return sig[:40]
        name = fields.get("model", "").rsplit("/", 1)[-1] or sig[:40]
        differ = [f"{k}:{v}" for k, v in fields.items() if k != "model" and theirs.get(k) != v]
        return f"{name} ({', '.join(differ)})" if other and differ else name

    return {"a": label(sig_a, sig_b), "b": label(sig_b, sig_a) if sig_b else ""}


def build_app(server: ReviewServer) -> ASGIApp:
    """The ASGI application of ``server``."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("aligned", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def config(mode: str) -> dict[str, Any]:
        return {
            "mode": mode,
            "token": server.token,
            "api": API_SEGMENTS,
            "systems": {"a": server.signature, "b": server.compare or None},
            "labels": system_labels(server.signature, server.compare),
            "reference": server.reference,
            "page": PAGE_SIZE,
            "categories": list(MQM_CATEGORIES),
            "severities": list(MQM_SEVERITIES),
        }

    def render_page() -> str:
        first = server.segments(SegmentQuery(limit=PAGE_SIZE))
        stats = server.stats()
        return env.get_template("review_server.html.j2").render(
            config=json_for_script({**config("review"), "first": first}),
            first=first,
            stats=stats,
            store_name=server.store_path.name,
            labels=config("review")["labels"],
            has_b=bool(server.compare),
            has_ref=server.reference is not None,
            sorts=SORT_FIELDS
            if server.compare
            else [s for s in SORT_FIELDS if "_b" not in s and not s.startswith("diff_")],
            statuses=STATUSES,
            categories=MQM_CATEGORIES,
            severities=MQM_SEVERITIES,
        )

    def render_blind() -> str:
        return env.get_template("review_blind.html.j2").render(
            # the systems' names stay on the server: the page only ever sees "left"/"right"
            config=json_for_script({"mode": "blind", "token": server.token}),
            store_name=server.store_path.name,
            has_b=bool(server.compare),
        )

    @guarded
    async def index(request: Request) -> Response:
        return HTMLResponse(await run_in_threadpool(render_page))

    @guarded
    async def blind(request: Request) -> Response:
        return HTMLResponse(await run_in_threadpool(render_blind))

    @guarded
    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        path = STATIC / name
        if name not in {p.name for p in STATIC.iterdir()} or path.suffix not in STATIC_TYPES:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no static file {name!r}")
        return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix])

    @guarded
    async def segments(request: Request) -> Response:
        query = parse_query(request.query_params)
        system = request.query_params.get("system")
        if system and system not in server.systems:
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"'system' must be one of the served systems ({', '.join(server.systems)}); "
                f"got {system!r}; restart with --system/--compare to review others",
            )
        return JSONUTF8(await run_in_threadpool(server.segments, query))

    @guarded
    async def segment(request: Request) -> Response:
        return JSONUTF8(await run_in_threadpool(server.segment, request.path_params["uid"]))

    @guarded
    async def decision(request: Request) -> Response:
        check_write(request, server)
        body = parse_decision(await read_body(request), server.systems)
        uid = request.path_params["uid"]
        return JSONUTF8(await run_in_threadpool(server.decide, uid, body))

    @guarded
    async def stats(request: Request) -> Response:
        return JSONUTF8(await run_in_threadpool(server.stats))

    @guarded
    async def blind_next(request: Request) -> Response:
        return JSONUTF8(await run_in_threadpool(server.blind_next))

    @guarded
    async def judgement(request: Request) -> Response:
        check_write(request, server)
        body = await read_body(request)
        return JSONUTF8(await run_in_threadpool(server.judge, body))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        path = request.url.path
        if status == 405:
            return error(405, f"method {request.method} is not allowed on {path}")
        if request.method == "POST":
            return error(
                status,
                f"no endpoint {path!r}; decisions go to {API_SEGMENTS}/ID/decision",
            )
        return error(status, f"no page {path!r}; the review page is /")

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/blind", blind, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route(API_SEGMENTS, segments, methods=["GET"]),
        Route(API_SEGMENTS + "/{uid:path}/decision", decision, methods=["POST"]),
        Route(API_SEGMENTS + "/{uid:path}", segment, methods=["GET"]),
        Route("/api/stats", stats, methods=["GET"]),
        Route("/api/blind/next", blind_next, methods=["GET"]),
        Route("/api/blind/judgement", judgement, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    return Guard(app, server)
