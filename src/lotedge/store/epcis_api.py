"""The EPCIS 2.0 REST binding on the store's HTTP API, under `/epcis/` (GS1's openapi.yaml):

    OPTIONS /epcis/capture              the capture limits (GS1-EPCIS-Capture-Limit ...)
    POST    /epcis/capture              an EPCISDocument (or EPCISQueryDocument): 202, Location
    GET     /epcis/capture[/{id}]       capture jobs
    POST    /epcis/events               one event, captured at once: 201, Location
    GET     /epcis/events               SimpleEventQuery parameters, paged (perPage, Link: next)
    GET     /epcis/events/{eventID}     one event (with its error declaration, if retracted)

Answers are JSON (EPCISQueryDocuments for events) with `GS1-EPCIS-Version` and
`GS1-CBV-Version`; errors are RFC 7807 `application/problem+json` with the EPCIS exception as
`type`. The bearer token of the API guards every route (checked by `api`).
"""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from lotedge.store import capture, epcis_query
from lotedge.store.capture import BEHAVIOURS, CaptureRequest, CaptureWorker
from lotedge.store.db import Database
from lotedge.store.documents import Kind, NotEpcis, unwrap
from lotedge.store.ingest import FAILED, IngestOutcome, MessageResult
from lotedge.store.query_params import query_problem

log = logging.getLogger(__name__)
PREFIX = "/epcis"
VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
PROBLEM = "application/problem+json"
_JSON_TYPES = ("application/json", "application/ld+json")


@dataclass(frozen=True)
class Limits:
    capture_events: int = 5000
    """Most events in one capture (`GS1-EPCIS-Capture-Limit`)."""
    capture_bytes: int = 64 * 1024 * 1024
    """Largest capture body (`GS1-EPCIS-Capture-File-Size-Limit`)."""
    per_page: int = epcis_query.MAX_PER_PAGE
    """Most events in one page of a query."""
    wait_seconds: float = 30.0
    """How long `POST /events` waits for its event to be stored."""


@dataclass
class Response:
    status: int
    content_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class EpcisProblem(Exception):
    """An answer in RFC 7807 form: HTTP status, EPCIS exception, title, detail."""

    def __init__(
        self, status: int, exception: str, title: str, detail: str = "", **headers: str
    ) -> None:
        super().__init__(detail or title)
        self.status, self.exception, self.title, self.detail = status, exception, title, detail
        self.headers = headers

    def response(self) -> Response:
        body = {
            "type": f"epcisException:{self.exception}",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        return Response(self.status, PROBLEM, _encode(body), {**VERSIONS, **self.headers})


def unauthorized() -> Response:
    return EpcisProblem(
        401, "SecurityException", "Unauthorised request", "send 'Authorization: Bearer <token>'"
    ).response()


class EpcisApi:
    """Routes `/epcis/...` requests; database connections come from `connect` (one per busy
    thread, pooled by the caller's `queries` context)."""

    def __init__(
        self, connection: Callable[[], Any], worker: CaptureWorker, limits: Limits = Limits()
    ) -> None:
        self._connection = connection
        self._worker = worker
        self.limits = limits

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The answer to one request (`headers` in any case)."""
        url = urlsplit(target)
        path = url.path.removeprefix(PREFIX).rstrip("/") or "/"
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in headers.items()}
        try:
            bad = query_problem(path, params)
            if bad is not None:
                raise EpcisProblem(400, "QueryParameterException", "Bad request", bad)
            response = self._route(method, path, params, headers, body)
        except EpcisProblem as problem:
            return problem.response()
        except Exception:
            log.exception("%s %s failed", method, target)
            return EpcisProblem(
                500, "ImplementationException", "The store could not answer", "see its log"
            ).response()
        response.headers = {**VERSIONS, **response.headers}
        return response

    def _route(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        if path == "/capture":
            if method == "OPTIONS":
                return Response(
                    204,
                    headers={
                        "Allow": "OPTIONS, POST, GET",
                        **self._limit_headers(),
                        "GS1-Capture-Error-Behaviour": "rollback",
                    },
                )
            if method == "POST":
                return self._capture(headers, body)
            if method == "GET":
                with self._db() as db:
                    return _json(
                        200,
                        capture.jobs_json(db, epcis_query.per_page(params, self.limits.per_page)),
                    )
        elif path.startswith("/capture/") and method == "GET":
            with self._db() as db:
                job = capture.job_json(db, unquote(path.removeprefix("/capture/")))
            if job is None:
                raise EpcisProblem(404, "NoSuchNameException", "No such capture job", path)
            return _json(200, job)
        elif path == "/events":
            if method == "GET":
                return self._query(params)
            if method == "POST":
                return self._one_event(headers, body)
            if method == "OPTIONS":
                return Response(204, headers={"Allow": "OPTIONS, GET, POST"})
        elif path.startswith("/events/") and method == "GET":
            event_id = unquote(path.removeprefix("/events/"))
            with self._db() as db:
                event = epcis_query.find_event(db, event_id)
            if event is None:
                raise EpcisProblem(404, "NoSuchNameException", "No such event", event_id)
            return _json(200, epcis_query.query_document([event]))
        else:
            raise EpcisProblem(
                404,
                "NoSuchNameException",
                "No such resource",
                f"{PREFIX}{path}; try /epcis/capture or /epcis/events",
            )
        raise EpcisProblem(
            405, "ImplementationException", "Method not allowed", f"{method} {PREFIX}{path}"
        )

    @contextmanager
    def _db(self) -> Iterator[Database]:
        with self._connection() as queries:
            yield queries.db

    def _limit_headers(self) -> dict[str, str]:
        return {
            "GS1-EPCIS-Capture-Limit": str(self.limits.capture_events),
            "GS1-EPCIS-Capture-File-Size-Limit": str(self.limits.capture_bytes),
        }

    def _document(self, headers: Mapping[str, str], body: bytes) -> Any:
        """The posted JSON; 415, 413 or 400 problems for what cannot be captured."""
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _JSON_TYPES:
            raise EpcisProblem(
                415,
                "UnsupportedMediaTypeException",
                "Unsupported media type",
                f"send {' or '.join(_JSON_TYPES)}, got {content_type or 'none'}",
            )
        if len(body) > self.limits.capture_bytes:
            raise EpcisProblem(
                413,
                "CaptureLimitExceededException",
                "Capture payload too large",
                f"{len(body)} bytes, at most {self.limits.capture_bytes}",
                **self._limit_headers(),
            )
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise EpcisProblem(
                400, "ValidationException", "The body is not JSON", str(exc)[:300]
            ) from None

    def _capture(self, headers: Mapping[str, str], body: bytes) -> Response:
        behaviour = headers.get("gs1-capture-error-behaviour", "rollback").strip().lower()
        if behaviour not in BEHAVIOURS:
            raise EpcisProblem(
                400,
                "ValidationException",
                "Unknown GS1-Capture-Error-Behaviour",
                f"{behaviour!r}: one of {', '.join(BEHAVIOURS)}",
            )
        value = self._document(headers, body)
        try:
            found = unwrap(value)
        except NotEpcis as exc:
            raise EpcisProblem(
                400, "ValidationException", "Not an EPCIS document", str(exc)
            ) from None
        if found.kind == Kind.EVENT:
            raise EpcisProblem(
                400,
                "ValidationException",
                "Not an EPCIS document",
                "POST an EPCISDocument here (one event: POST /epcis/events)",
            )
        if len(found.events) > self.limits.capture_events:
            raise EpcisProblem(
                413,
                "CaptureLimitExceededException",
                "Capture payload too large",
                f"{len(found.events)} events, at most {self.limits.capture_events}",
                **self._limit_headers(),
            )
        with self._db() as db:
            capture_id = capture.new_job(db, behaviour)
        self._worker.submit(CaptureRequest(capture_id, body, behaviour))
        return Response(202, headers={"Location": f"{PREFIX}/capture/{capture_id}"})

    def _one_event(self, headers: Mapping[str, str], body: bytes) -> Response:
        """`POST /events`: captured as a one-event document, answered when it is stored."""
        event = self._document(headers, body)
        if not isinstance(event, dict) or event.get("type", "").startswith("EPCIS"):
            raise EpcisProblem(
                400,
                "ValidationException",
                "Not an EPCIS event",
                "POST one event here (documents: POST /epcis/capture)",
            )
        context = event.pop("@context", None)
        document = {"type": "EPCISDocument", "epcisBody": {"eventList": [event]}}
        if context is not None:
            document["@context"] = context
        with self._db() as db:
            capture_id = capture.new_job(db, "rollback")
        reply: queue.Queue[MessageResult | None] = queue.Queue(1)
        self._worker.submit(CaptureRequest(capture_id, _encode(document), "rollback", reply))
        try:
            result = reply.get(timeout=self.limits.wait_seconds)
        except queue.Empty:  # still queued behind large documents: follow it as a capture job
            return Response(202, headers={"Location": f"{PREFIX}/capture/{capture_id}"})
        if result is None:
            raise EpcisProblem(
                500, "ImplementationException", "The store could not store the event", "see its log"
            )
        (outcome,) = result.events
        if outcome.outcome is IngestOutcome.CONFLICT:
            raise EpcisProblem(
                409,
                "ResourceAlreadyExistsException",
                "Another event has this eventID",
                outcome.reason or "",
            )
        if outcome.outcome in FAILED:
            raise EpcisProblem(
                400, "ValidationException", "Event not captured", outcome.reason or ""
            )
        event_id = outcome.event_id or ""
        with self._db() as db:
            stored = epcis_query.find_event(db, event_id)
        location = f"{PREFIX}/events/{quote(event_id, safe='')}"
        return Response(201, body=_encode(stored), headers={"Location": location})

    def _query(self, params: dict[str, str]) -> Response:
        try:
            per_page = epcis_query.per_page(params, self.limits.per_page)
            with self._db() as db:
                query = epcis_query.EventQuery.parse(params, db)
                page = query.page(db, per_page, params.get("nextPageToken"))
        except epcis_query.QueryParameterError as exc:
            raise EpcisProblem(
                400, "QueryParameterException", "Invalid query parameter", str(exc)
            ) from None
        headers = {}
        if page.next_token is not None:
            following = {**params, "nextPageToken": page.next_token, "perPage": str(per_page)}
            link = "&".join(f"{k}={quote(v, safe='|')}" for k, v in following.items())
            headers["Link"] = f'<{PREFIX}/events?{link}>; rel="next"'
        return _json(200, epcis_query.query_document(page.events), headers)


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _json(status: int, value: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, "application/json", _encode(value), headers or {})
