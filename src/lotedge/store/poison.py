"""A poison message: one the database refuses although it passed validation. It goes to the
dead letters with the database's reason, so its batch's other messages are stored and the
store keeps going (the broker never redelivers it for ever)."""

from __future__ import annotations

import logging
from typing import Protocol

from lotedge.store import ingest_sql as sql
from lotedge.store.db import Database
from lotedge.store.events import RejectCode

log = logging.getLogger(__name__)
_REASON_CHARS = 300


class Received(Protocol):
    """A received message: its payload and where it came from."""

    @property
    def payload(self) -> bytes: ...

    @property
    def source(self) -> str: ...


def dead_letter_refused(db: Database, now: str, message: Received, error: Exception) -> str:
    """Dead-letter `message` in its own transaction; returns the reason recorded."""
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    reason = f"the database refused it: {first_line}"[:_REASON_CHARS]
    log.error("dead-lettered a message from %s: %s", message.source, reason)
    row = (now, message.source, RejectCode.DATABASE.value, reason, message.payload)
    with db.transaction():
        db.executemany(sql.DEAD_LETTER, [row])
    return reason
