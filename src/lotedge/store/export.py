"""The store's events as one EPCISDocument (`lotedge store export`), written as it is read, so
a store of any size exports in constant memory. Each event keeps its own `@context` and gets its
`eventID` (its hash when it came without) and, when retracted, its `errorDeclaration`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from lotedge.store.db import Database
from lotedge.store.epcis_query import SCHEMA_VERSION, event_json
from lotedge.wire import keys

_BATCH = 1000


def stored_events(db: Database, since: str | None = None) -> Iterator[str]:
    """Each event as JSON text, in the order the store recorded them (those recorded at
    `since` or later, UTC sortable text, when given)."""
    after = 0
    while True:
        where = "id > ?" + (" AND received_at >= ?" if since else "")
        rows = db.fetchall(
            f"SELECT id, event_id, event_time, body, declaration FROM events WHERE {where}"
            " ORDER BY id LIMIT ?",
            [after, *([since] if since else []), _BATCH],
        )
        for row in rows:
            yield json.dumps(event_json(*row[1:]), ensure_ascii=False)
        if len(rows) < _BATCH:
            return
        after = rows[-1][0]


def document_head() -> dict[str, Any]:
    """An EPCISDocument without its body (each event carries its own @context)."""
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "@context": [keys.EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": created,
    }


def write_document(db: Database, out: TextIO, since: str | None = None) -> int:
    """Write an EPCISDocument of the store's events to `out`; how many it holds."""
    out.write(json.dumps(document_head())[:-1] + ', "epcisBody": {"eventList": [\n')
    count = 0
    for text in stored_events(db, since):
        out.write((",\n" if count else "") + text)
        count += 1
    out.write("\n]}}\n")
    return count
