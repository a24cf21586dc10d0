"""The outbox's drain side: order, delete by seq, depth and oldest age."""

from __future__ import annotations

import sqlite3

import pytest

from lotedge.state import db, outbox


def test_peek_delete_stats(state_db):
    conn = db.connect(state_db)
    with db.transaction(conn):
        for n in range(5):
            outbox.enqueue(
                conn, topic="events", payload=b"{}", event_id=f"e{n}", created_at=100.0 + n
            )
    assert outbox.stats(conn, now=110.0) == outbox.Stats(depth=5, oldest_age=10.0)
    first = outbox.peek(conn, after=0, limit=2)
    assert [r.event_id for r in first] == ["e0", "e1"]
    assert [r.event_id for r in outbox.peek(conn, after=first[-1].seq, limit=10)] == [
        "e2",
        "e3",
        "e4",
    ]
    with db.transaction(conn):
        outbox.delete(conn, [first[0].seq, first[1].seq])
    assert outbox.stats(conn, now=110.0) == outbox.Stats(depth=3, oldest_age=8.0)
    with db.transaction(conn):
        outbox.delete(conn, [r.seq for r in outbox.peek(conn, after=0, limit=10)])
    assert outbox.stats(conn, now=110.0) == outbox.Stats(depth=0, oldest_age=0.0)


def test_an_event_id_is_queued_once(state_db):
    conn = db.connect(state_db)
    outbox.enqueue(conn, topic="events", payload=b"{}", event_id="e", created_at=1.0)
    with pytest.raises(sqlite3.IntegrityError):
        outbox.enqueue(conn, topic="events", payload=b"{}", event_id="e", created_at=2.0)
