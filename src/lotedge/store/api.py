"""Read-only HTTP JSON API with a bearer token (stdlib ThreadingHTTPServer).

    GET /v1/lots?lot=L[&gtin=G]                 lots matching (lists ambiguity)
    GET /v1/trace/forward?lot=L[&gtin=G]        where the lot went
    GET /v1/trace/backward?lot=L[&gtin=G]       what went into it
    GET /v1/recall?lot=L[&gtin=G]&format=csv|json
    GET /v1/graph?lot=L[&gtin=G]&format=svg|dot

Errors are JSON `{"error": code, "message": ..., "candidates"?: [...]}`: 401 without the
token, 404 for an unknown lot, 409 when a lot number matches several lots.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lotedge.ops.web import JSON, bearer_matches, json_text, send
from lotedge.store.answers import (
    GRAPH_FORMATS,
    RECALL_FORMATS,
    Answer,
    graph_answer,
    recall_answer,
    trace_answer,
)
from lotedge.store.db import Database
from lotedge.store.query import AmbiguousLot, LotNotFound, TraceQueries

log = logging.getLogger(__name__)
_ROUTES = ("/v1/lots", "/v1/trace/forward", "/v1/trace/backward", "/v1/recall", "/v1/graph")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


class TraceApi:
    """Routes requests to queries; database connections are pooled, one per busy thread."""

    def __init__(self, connect: Callable[[], Database], token: str) -> None:
        if not token:
            raise ValueError("the API token is empty")
        self._connect = connect
        self._token = token.encode()
        self._pool: queue.LifoQueue[Database] = queue.LifoQueue()

    @contextmanager
    def _queries(self) -> Iterator[TraceQueries]:
        try:
            db = self._pool.get_nowait()
        except queue.Empty:
            db = self._connect()
        try:
            yield TraceQueries(db)
        except ApiError:
            self._pool.put(db)
            raise
        except Exception:
            db.close()  # it may be broken (database restarted): the next request opens another
            raise
        self._pool.put(db)

    def close(self) -> None:
        while not self._pool.empty():
            self._pool.get_nowait().close()

    def handle(self, target: str, authorization: str | None) -> tuple[int, Answer]:
        """Status and answer for a GET of `target` (path and query)."""
        try:
            self._check_token(authorization)
            url = urlsplit(target)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            return 200, self._route(url.path, params)
        except ApiError as exc:
            return exc.status, _error(exc.code, str(exc), **exc.extra)
        except Exception:
            log.exception("GET %s failed", target)
            return 500, _error("internal", "the store could not answer; see its log")

    def _check_token(self, authorization: str | None) -> None:
        if not bearer_matches(authorization, self._token):
            raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")

    def _route(self, path: str, params: dict[str, str]) -> Answer:
        if path not in _ROUTES:
            raise ApiError(404, "no_route", f"no such endpoint: {path}; try {', '.join(_ROUTES)}")
        lot, gtin = params.get("lot"), params.get("gtin")
        if not lot:
            raise ApiError(400, "bad_request", "give ?lot=LOT (and &gtin=GTIN when ambiguous)")
        with self._queries() as queries:
            if path == "/v1/lots":
                found = [c.to_json() for c in _lookup(queries.find_lots, lot, gtin)]
                return Answer(JSON, json_text({"lots": found}))
            try:
                info = queries.resolve(lot, gtin)
            except AmbiguousLot as exc:
                candidates = [c.to_json() for c in exc.candidates]
                raise ApiError(409, "ambiguous", str(exc), candidates=candidates) from None
            except LotNotFound as exc:
                raise ApiError(404, "not_found", str(exc)) from None
            if path == "/v1/trace/forward":
                return trace_answer(queries, info, "forward")
            if path == "/v1/trace/backward":
                return trace_answer(queries, info, "backward")
            if path == "/v1/recall":
                return recall_answer(queries, info, _format(params, RECALL_FORMATS))
            return graph_answer(queries, info, _format(params, GRAPH_FORMATS))


def _error(code: str, message: str, **extra: Any) -> Answer:
    return Answer(JSON, json_text({"error": code, "message": message, **extra}))


def _lookup(find: Callable[..., list], lot: str, gtin: str | None) -> list:
    try:
        return find(lot, gtin)
    except LotNotFound as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def _format(params: dict[str, str], allowed: tuple[str, ...]) -> str:
    fmt = params.get("format", allowed[0])
    if fmt not in allowed:
        raise ApiError(400, "bad_request", f"format must be one of {', '.join(allowed)}")
    return fmt


def make_server(bind: str, api: TraceApi) -> ThreadingHTTPServer:
    """An HTTP server for `api` listening on host:port (port 0 picks a free one)."""
    host, _, port = bind.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        server_version = "lotedge-store"

        def do_GET(self) -> None:
            status, answer = api.handle(self.path, self.headers.get("Authorization"))
            challenge = {"WWW-Authenticate": 'Bearer realm="lotedge"'} if status == 401 else {}
            send(self, status, answer.content_type, answer.text.encode(), challenge)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    return server
