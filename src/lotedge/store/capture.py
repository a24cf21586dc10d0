"""Capture jobs of the EPCIS REST binding: a document posted to `/epcis/capture` becomes a job,
stored by one worker thread through the store's own ingest (as MQTT messages are), and its
outcome is kept in `capture_jobs` for `GET /epcis/capture/{captureID}`.

`rollback` (the default `GS1-Capture-Error-Behaviour`, and `all`): the document's events are
stored only when every one is good (a bad event or a conflict stores none; the job lists why).
`proceed`: the good events are stored, the bad ones dead-lettered and listed.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lotedge.store.db import Database
from lotedge.store.ingest import FAILED, Ingestor, Message, MessageResult, utc_now

log = logging.getLogger(__name__)
BEHAVIOURS = ("rollback", "proceed", "all")
_JOB = (
    "SELECT capture_id, created_at, finished_at, running, success, behaviour, errors, counts"
    " FROM capture_jobs"
)


@dataclass(frozen=True)
class CaptureRequest:
    capture_id: str
    body: bytes
    behaviour: str
    reply: queue.Queue[MessageResult | None] | None = None
    """Gets the outcome (None when storing failed) once the job is finished."""


def new_job(db: Database, behaviour: str) -> str:
    """Record a running job; its id."""
    capture_id = f"c{uuid.uuid4().hex}"
    with db.transaction():
        db.execute(
            "INSERT INTO capture_jobs (capture_id, created_at, running, success, behaviour,"
            " errors, counts) VALUES (?, ?, 1, 1, ?, '[]', '{}')",
            (capture_id, _iso(utc_now()), behaviour),
        )
    return capture_id


def job_json(db: Database, capture_id: str) -> dict[str, Any] | None:
    """A capture job as the REST binding describes it (and the counts of its outcomes)."""
    row = db.fetchone(f"{_JOB} WHERE capture_id = ?", (capture_id,))
    return None if row is None else _job(row)


def jobs_json(db: Database, limit: int) -> list[dict[str, Any]]:
    return [_job(row) for row in db.fetchall(f"{_JOB} ORDER BY id DESC LIMIT ?", (limit,))]


def _job(row: tuple[Any, ...]) -> dict[str, Any]:
    capture_id, created, finished, running, success, behaviour, errors, counts = row
    job = {
        "captureID": capture_id,
        "createdAt": created,
        "running": bool(running),
        "success": bool(success),
        "captureErrorBehaviour": behaviour,
        "errors": json.loads(errors),
        "counts": json.loads(counts),
    }
    return job | ({"finishedAt": finished} if finished else {})


def _iso(stored: str) -> str:
    """`2026-11-25T12:00:00.123456Z` as the REST binding writes times (milliseconds)."""
    return stored[:23] + "Z"


class CaptureWorker:
    """Stores the posted documents one job at a time, in its own thread and connection."""

    def __init__(
        self, connect: Callable[[], Database], ingestor: Callable[[Database], Ingestor]
    ) -> None:
        self._connect = connect
        self._ingestor = ingestor
        self._queue: queue.Queue[CaptureRequest | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="store-capture", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, request: CaptureRequest) -> None:
        self._queue.put(request)

    def stop(self) -> None:
        """Finish the jobs queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        db = self._connect()
        ingestor = self._ingestor(db)
        try:
            while (request := self._queue.get()) is not None:
                result = None
                try:
                    result = self._capture(db, ingestor, request)
                except Exception:
                    log.exception("capture job %s failed", request.capture_id)
                    failed = _problem("the store could not store the document; see its log")
                    self._finish(db, request.capture_id, False, [failed], {})
                if request.reply is not None:
                    request.reply.put(result)
        finally:
            db.close()

    def _capture(self, db: Database, ingestor: Ingestor, request: CaptureRequest) -> MessageResult:
        message = Message(request.body, f"capture/{request.capture_id}", from_broker=False)
        (result,) = ingestor.ingest_messages(
            [message], all_or_nothing=request.behaviour != "proceed"
        )
        errors = [
            _problem(event.reason or event.outcome.value, event.event_id)
            for event in result.events
            if event.outcome in FAILED
        ]
        counts = Counter(event.outcome.value for event in result.events)
        self._finish(db, request.capture_id, not errors, errors, dict(counts))
        return result

    def _finish(
        self,
        db: Database,
        capture_id: str,
        success: bool,
        errors: list[dict[str, Any]],
        counts: dict[str, int],
    ) -> None:
        with db.transaction():
            db.execute(
                "UPDATE capture_jobs SET running = 0, success = ?, finished_at = ?, errors = ?,"
                " counts = ? WHERE capture_id = ?",
                (int(success), _iso(utc_now()), json.dumps(errors), json.dumps(counts), capture_id),
            )


def _problem(detail: str, event_id: str | None = None) -> dict[str, Any]:
    problem = {
        "type": "epcisException:ValidationException",
        "title": "Event not captured",
        "status": 400,
        "detail": detail,
    }
    return problem | ({"instance": event_id} if event_id else {})
