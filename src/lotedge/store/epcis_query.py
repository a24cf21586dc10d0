"""The EPCIS 2.0 query interface over the stored events: the SimpleEventQuery parameters of the
REST binding's `GET /events`, answered a page at a time in EPCISQueryDocuments.

Events come in the order of `(eventTime, id)` (the index `events_by_time`), so a page is one
index range: `nextPageToken` carries the last event's time and id (and a digest of the query, so
a token is refused with another query). An identifier parameter (`MATCH_...`) matches every form
of the identifier (EPC URN, Digital Link) and EPC patterns (`urn:epc:idpat:sgtin:{prefix}.{item}.*`
matches every instance and lot of that GTIN); the events come from the query index
`event_objects`. A retracted event is returned with its `errorDeclaration`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lotedge.store.classes import parse_class
from lotedge.store.db import Database
from lotedge.store.fields import Bad, moment, utc_text
from lotedge.wire import keys
from lotedge.wire.cbv import bare_word
from lotedge.wire.epc import parse_epc

SCHEMA_VERSION = "2.0"
MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 30
#: MATCH_ parameter -> roles of `event_objects` it looks in.
MATCH_ROLES = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "input", "output", "parent"),
    "MATCH_epcClass": ("quantity", "child_quantity"),
    "MATCH_inputEPCClass": ("input_quantity",),
    "MATCH_outputEPCClass": ("output_quantity",),
    "MATCH_anyEPCClass": ("quantity", "child_quantity", "input_quantity", "output_quantity"),
}
_TIMES = {
    "GE_eventTime": "event_time >= ?",
    "LT_eventTime": "event_time < ?",
    "GE_recordTime": "received_at >= ?",
    "LT_recordTime": "received_at < ?",
}
_LISTS = {"eventType": "event_type", "EQ_action": "action", "EQ_eventID": "event_id"}
PAGING = ("perPage", "nextPageToken")
SUPPORTED = (*_LISTS, *_TIMES, "EQ_bizStep", "EXISTS_errorDeclaration", *MATCH_ROLES, *PAGING)
_COLUMNS = "id, event_id, event_time, body, declaration"


class QueryParameterError(ValueError):
    """A query parameter the store cannot answer (unknown, or a value that does not read)."""


@dataclass(frozen=True)
class Page:
    """One page of an answer: the events (as JSON) and the token of the next page, if any."""

    events: list[dict[str, Any]]
    next_token: str | None = None


@dataclass
class EventQuery:
    """A SimpleEventQuery as SQL over `events`."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    digest: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str], db: Database) -> EventQuery:
        """From the URL's parameters (lists are `|`-separated, as the REST binding writes
        them); QueryParameterError names a parameter it cannot answer."""
        query = cls()
        unknown = sorted(set(params) - set(SUPPORTED))
        if unknown:
            raise QueryParameterError(
                f"unsupported query parameter {unknown[0]}; this repository answers "
                + ", ".join(SUPPORTED)
            )
        for name, column in _LISTS.items():
            if name in params:
                query._any_of(column, _values(params, name))
        for name, condition in _TIMES.items():
            if name in params:
                query.where.append(condition)
                query.params.append(_utc(params[name], name))
        if "EQ_bizStep" in params:
            query._any_of(
                "biz_step", [bare_word("bizStep", v) for v in _values(params, "EQ_bizStep")]
            )
        if "EXISTS_errorDeclaration" in params:
            query.where.append("declared_at IS NOT NULL")
        for name, roles in MATCH_ROLES.items():
            if name in params:
                query._matching(db, _values(params, name), roles)
        filters = sorted((k, v) for k, v in params.items() if k not in PAGING)
        query.digest = hashlib.sha256(json.dumps(filters).encode()).hexdigest()[:16]
        return query

    def _any_of(self, column: str, values: list[str]) -> None:
        self.where.append(f"{column} IN ({', '.join('?' * len(values))})")
        self.params.extend(values)

    def _matching(self, db: Database, uris: list[str], roles: tuple[str, ...]) -> None:
        nodes = sorted({node for uri in uris for node in _nodes(db, uri)})
        if not nodes:
            self.where.append("1 = 0")
            return
        self.where.append(
            f"id IN (SELECT event FROM event_objects WHERE node IN ({', '.join('?' * len(nodes))})"
            f" AND role IN ({', '.join('?' * len(roles))}))"
        )
        self.params.extend([*nodes, *roles])

    def page(self, db: Database, per_page: int, token: str | None) -> Page:
        """Up to `per_page` events after `token`'s (the first page without one)."""
        where, params = list(self.where), list(self.params)
        if token is not None:
            after_time, after_id = self._resume(token)
            where.append("(event_time > ? OR (event_time = ? AND id > ?))")
            params += [after_time, after_time, after_id]
        sql = f"SELECT {_COLUMNS} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = db.fetchall(f"{sql} ORDER BY event_time, id LIMIT ?", [*params, per_page + 1])
        more = len(rows) > per_page
        rows = rows[:per_page]
        next_token = self._token(rows[-1][2], rows[-1][0]) if more else None
        return Page([event_json(*row[1:]) for row in rows[:per_page]], next_token)

    def _token(self, event_time: str, row: int) -> str:
        raw = json.dumps([self.digest, event_time, row]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _resume(self, token: str) -> tuple[str, int]:
        try:
            digest, event_time, row = json.loads(
                base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            )
        except (ValueError, binascii.Error, TypeError):
            raise QueryParameterError(
                f"nextPageToken {token!r} is not one of this repository's"
            ) from None
        if digest != self.digest or not isinstance(event_time, str) or not isinstance(row, int):
            raise QueryParameterError("nextPageToken belongs to another query (other parameters)")
        return event_time, row


def event_json(event_id: str, _time: str, body: str, declaration: str | None) -> dict[str, Any]:
    """A stored event as the query interface returns it: with its `eventID` (its hash, when it
    came without) and, when retracted, its `errorDeclaration`."""
    event = json.loads(body)
    event.setdefault("eventID", event_id)
    if declaration is not None:
        event["errorDeclaration"] = json.loads(declaration)
    return event


def find_event(db: Database, event_id: str) -> dict[str, Any] | None:
    row = db.fetchone(f"SELECT {_COLUMNS} FROM events WHERE event_id = ?", (event_id,))
    return None if row is None else event_json(*row[1:])


def query_document(
    events: list[dict[str, Any]], *, query_name: str = "SimpleEventQuery"
) -> dict[str, Any]:
    """An EPCISQueryDocument of `events` (each keeps its own @context)."""
    return {
        "@context": [keys.EPCIS_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {"queryName": query_name, "resultsBody": {"eventList": events}}
        },
    }


def per_page(params: Mapping[str, str], limit: int = MAX_PER_PAGE) -> int:
    """The `perPage` asked for (30 by default), at most `limit`."""
    text = params.get("perPage", str(DEFAULT_PER_PAGE))
    if not text.isdigit() or int(text) < 1:
        raise QueryParameterError(f"perPage must be a positive integer, got {text!r}")
    return min(int(text), limit)


def _values(params: Mapping[str, str], name: str) -> list[str]:
    values = [v for v in params[name].split("|") if v]
    if not values:
        raise QueryParameterError(f"{name}: give at least one value")
    return values


def _utc(text: str, name: str) -> str:
    try:
        return utc_text(moment(text, name))
    except Bad as exc:
        raise QueryParameterError(str(exc)) from None


def _nodes(db: Database, uri: str) -> list[int]:
    """The nodes an identifier or an EPC pattern names."""
    epc = parse_epc(uri)
    if epc is not None and epc.scheme == "gtin":  # a pattern: every instance and lot of a GTIN
        rows = db.fetchall("SELECT id FROM lots WHERE gtin = ?", (epc.key,))
        return [row[0] for row in rows]
    row = db.fetchone("SELECT id FROM lots WHERE class_key = ?", (parse_class(uri).key,))
    return [] if row is None else [row[0]]
