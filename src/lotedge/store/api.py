"""The store's HTTP API with a bearer token (stdlib HTTPServer, bounded threads): the read-only JSON
answers under `/v1/`, and the EPCIS 2.0 REST binding under `/epcis/` (`epcis_api`).

    GET /v1/lots?lot=L[&gtin=G]                 lots matching (lists ambiguity)
    GET /v1/trace/forward?lot=L[&gtin=G]        where the lot went
    GET /v1/trace/backward?lot=L[&gtin=G]       what went into it
    GET /v1/recall?lot=L[&gtin=G]&format=csv|json
    GET /v1/graph?lot=L[&gtin=G]&format=svg|dot
    GET /v1/vendors[?since=YYYY-MM-DD&format=csv|json]     the vendor quality report
    GET /v1/vendors/<vendor>[?since=...&format=...]      one vendor (name URL-encoded)
    GET /v1/vendor-lot?lot=L[&gtin=G]&format=csv|json    the batches that consumed a lot
    GET /v1/holds[?active=1]                             holds and recalls issued
    GET /v1/stock[?product=CODE|gtin=G][&format=json|csv]  stock by lot of our products
    GET /v1/expiring[?within=14d][&format=json|csv]      short-dated lots with stock left

Errors are JSON `{"error": code, "message": ..., "candidates"?: [...]}`: 401 without the
token, 404 for an unknown lot, 409 when a lot number matches several lots (under `/epcis/`:
RFC 7807 problems).
"""

from __future__ import annotations

import logging
import queue
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lotedge.masterdata.locations import LocationBook
from lotedge.ops.connections import BoundedThreads, RequestDeadline, http_busy
from lotedge.ops.web import JSON, bearer_matches, json_text, send
from lotedge.store.answers import (
    Answer,
    UnknownVendor,
    expiring_answer,
    graph_answer,
    holds_answer,
    recall_answer,
    stock_answer,
    trace_answer,
    vendor_lot_answer,
    vendors_answer,
)
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database
from lotedge.store.epcis_api import PREFIX as EPCIS_PREFIX
from lotedge.store.epcis_api import EpcisApi, EpcisProblem, Response, unauthorized
from lotedge.store.formats import GRAPH_FORMATS, RECALL_FORMATS, REPORT_FORMATS
from lotedge.store.query import AmbiguousLot, LotNotFound, TraceQueries
from lotedge.store.query_params import query_problem
from lotedge.store.stock import within_days

log = logging.getLogger(__name__)
_CHALLENGE = 'Bearer realm="lotedge"'
_ROUTES = (
    "/v1/lots",
    "/v1/trace/forward",
    "/v1/trace/backward",
    "/v1/recall",
    "/v1/graph",
    "/v1/vendor-lot",
)
_VENDORS = "/v1/vendors"
_STOCK_ROUTES = ("/v1/stock", "/v1/expiring")
_HOLDS = "/v1/holds"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


class TraceApi:
    """Routes requests to queries; database connections are pooled, one per busy thread."""

    def __init__(
        self,
        connect: Callable[[], Database],
        token: str,
        customers: CustomerBook | None = None,
        locations: LocationBook | None = None,
    ) -> None:
        if not token:
            raise ValueError("the API token is empty")
        self._connect = connect
        self._customers = customers or CustomerBook()
        self._locations = locations or LocationBook()
        self._token = token.encode()
        self._pool: queue.LifoQueue[Database] = queue.LifoQueue()

    @contextmanager
    def queries(self) -> Iterator[TraceQueries]:
        """Queries on a pooled connection (one per busy thread)."""
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
            problem = query_problem(url.path, params)
            if problem is not None:
                raise ApiError(400, "bad_request", problem)
            return 200, self._route(url.path, params)
        except ApiError as exc:
            return exc.status, _error(exc.code, str(exc), **exc.extra)
        except Exception:
            log.exception("GET %s failed", target)
            return 500, _error("internal", "the store could not answer; see its log")

    def authorized(self, authorization: str | None) -> bool:
        return bearer_matches(authorization, self._token)

    def _check_token(self, authorization: str | None) -> None:
        if not self.authorized(authorization):
            raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <token>'")

    def _route(self, path: str, params: dict[str, str]) -> Answer:
        if path == _VENDORS or path.startswith(_VENDORS + "/"):
            return self._vendors(unquote(path.removeprefix(_VENDORS).removeprefix("/")), params)
        if path == _HOLDS:
            with self.queries() as queries:
                return holds_answer(queries, active_only=params.get("active") in ("1", "true"))
        if path in _STOCK_ROUTES:
            return self._stock(path, params)
        if path not in _ROUTES:
            routes = ", ".join((*_ROUTES, _VENDORS, _HOLDS, *_STOCK_ROUTES))
            raise ApiError(404, "no_route", f"no such endpoint: {path}; try {routes}")
        lot, gtin = params.get("lot"), params.get("gtin")
        if not lot:
            raise ApiError(400, "bad_request", "give ?lot=LOT (and &gtin=GTIN when ambiguous)")
        with self.queries() as queries:
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
                fmt = _format(params, RECALL_FORMATS)
                return recall_answer(queries, info, fmt, self._customers, locations=self._locations)
            if path == "/v1/vendor-lot":
                return vendor_lot_answer(queries, info, _format(params, REPORT_FORMATS))
            return graph_answer(queries, info, _format(params, GRAPH_FORMATS), self._customers)

    def _stock(self, path: str, params: dict[str, str]) -> Answer:
        fmt = _format(params, REPORT_FORMATS[::-1])  # json first
        with self.queries() as queries:
            if path == "/v1/stock":
                product, gtin = params.get("product"), params.get("gtin")
                return stock_answer(queries, fmt, product=product, gtin=gtin)
            try:
                days = within_days(params.get("within", "14d"))
            except ValueError as exc:
                raise ApiError(400, "bad_request", str(exc)) from None
            return expiring_answer(queries, fmt, date.today(), days)

    def _vendors(self, vendor: str, params: dict[str, str]) -> Answer:
        fmt = _format(params, REPORT_FORMATS)
        with self.queries() as queries:
            try:
                return vendors_answer(
                    queries, fmt, since=params.get("since"), vendor=vendor or None
                )
            except UnknownVendor as exc:
                raise ApiError(404, "not_found", str(exc)) from None
            except ValueError:
                raise ApiError(400, "bad_request", "since must be a date, YYYY-MM-DD") from None


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


def make_server(
    bind: str, api: TraceApi, epcis: EpcisApi | None = None, *, request_deadline: float = 60.0
) -> HTTPServer:
    """An HTTP server for `api` (and `epcis` under /epcis/) listening on host:port (port 0
    picks a free one); a request must arrive whole within `request_deadline` seconds."""
    host, _, port = bind.rpartition(":")

    class Handler(RequestDeadline, BaseHTTPRequestHandler):
        server_version = "lotedge-store"
        #: Socket timeout of each read and write.
        timeout = 30
        request_deadline_seconds = request_deadline

        def do_GET(self) -> None:
            if self.path.startswith(EPCIS_PREFIX) and epcis is not None:
                return self._epcis()
            status, answer = api.handle(self.path, self.headers.get("Authorization"))
            challenge = {"WWW-Authenticate": _CHALLENGE} if status == 401 else {}
            send(self, status, answer.content_type, answer.encoded(), challenge)

        def do_POST(self) -> None:
            self._epcis()

        def do_OPTIONS(self) -> None:
            self._epcis()

        def _epcis(self) -> None:
            if epcis is None or not self.path.startswith(EPCIS_PREFIX):
                error = {"error": "no_route", "message": "GET only"}
                send(self, 405, JSON, json_text(error).encode())
                return
            if not api.authorized(self.headers.get("Authorization")):
                reply = unauthorized()
                reply.headers["WWW-Authenticate"] = _CHALLENGE
            else:
                reply = self._epcis_reply(epcis)
            send(self, reply.status, reply.content_type, reply.body, reply.headers)

        def _epcis_reply(self, epcis: EpcisApi) -> Response:
            length = int(self.headers.get("Content-Length") or 0)
            if length > epcis.limits.capture_bytes:  # not read: the connection is closed
                self.close_connection = True
                detail = f"{length} bytes, at most {epcis.limits.capture_bytes}"
                return EpcisProblem(
                    413, "CaptureLimitExceededException", "Capture payload too large", detail
                ).response()
            body = self.rfile.read(length) if length else b""
            self.request_complete()
            return epcis.handle(self.command, self.path, dict(self.headers.items()), body)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return _Server((host, int(port)), Handler)


class _Server(BoundedThreads, HTTPServer):
    """At most 32 connections at once; others wait, then get a 503."""

    max_workers = 32

    def busy(self, request: socket.socket) -> None:
        http_busy(request)
