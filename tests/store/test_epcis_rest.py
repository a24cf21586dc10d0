"""The EPCIS 2.0 REST binding of the store's HTTP API: capture (jobs, error behaviours, limits),
one-event capture, queries with paging, single events, problems. Each test runs twice: as a
behaviour test, and with every exchange checked against GS1's OpenAPI document and JSON Schema
(that run skips when GS1's files are absent)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor

from . import partner_events as wms
from .epcis_http import Client, store_http
from .genealogy_data import BR1, P1, bakery
from .openapi_check import Gs1OpenApi

PALLET = wms.sscc(7)


@pytest.fixture(params=["behaviour", "gs1-openapi"])
def client(request: pytest.FixtureRequest, db_url: str):
    """A client of a store holding the bakery's events; checked against GS1's OpenAPI."""
    with Database(db_url) as db:
        db.create_schema()
        Ingestor(db).ingest(bakery())
    checker = Gs1OpenApi() if request.param == "gs1-openapi" else None
    with store_http(db_url, capture_limit=20) as base:
        yield Client(base, checker)
    if checker is not None:
        assert checker.checked > 0


def pallet_document(*extra: dict) -> bytes:
    return wms.document(
        wms.pack(PALLET, [BR1, P1], "2026-11-26T08:00:00+01:00"),
        wms.ship([PALLET], "2026-11-26T09:00:00+01:00"),
        *extra,
    )


def capture(client: Client, document: bytes, **headers: str) -> dict:
    reply = client.request("POST", "/epcis/capture", document, headers=headers)
    assert reply.status == 202, reply.body
    assert reply.headers["Location"].startswith("/epcis/capture/c")
    assert reply.headers["GS1-EPCIS-Version"] == "2.0.0"
    return client.follow(reply.headers["Location"])


def events(client: Client, **params: str) -> list[dict]:
    reply = client.request("GET", "/epcis/events", params=params)
    assert reply.status == 200, reply.body
    document = reply.json()
    assert document["type"] == "EPCISQueryDocument"
    return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_a_captured_document_is_stored_and_queryable(client: Client):
    job = capture(client, pallet_document())
    assert (job["running"], job["success"], job["errors"]) == (False, True, [])
    assert job["counts"] == {"stored": 2} and job["captureErrorBehaviour"] == "rollback"
    found = events(client, MATCH_anyEPC=wms.urn(PALLET))  # parent of one, in the list of other
    assert [e["type"] for e in found] == ["AggregationEvent", "ObjectEvent"]
    assert all(e["eventID"].startswith("ni:///sha-256;") for e in found)  # sent without IDs
    assert events(client, MATCH_anyEPC=PALLET.link) == found  # any form of the identifier
    again = capture(client, pallet_document())
    assert again["success"] and again["counts"] == {"duplicate": 2}


def test_rollback_stores_nothing_of_a_document_with_a_bad_event_proceed_stores_the_rest(
    client: Client,
):
    bad = wms.event("ObjectEvent", "2026-11-26T10:00:00", action="OBSERVE", epcList=[])
    job = capture(client, pallet_document(bad))
    assert (job["running"], job["success"]) == (False, False)
    (error,) = job["errors"]
    assert (
        error["detail"]
        == "epcisBody/eventList/2: eventTime: has no UTC offset: '2026-11-26T10:00:00'"
    )
    assert job["counts"] == {"rolled_back": 2, "rejected": 1}
    assert events(client, MATCH_anyEPC=wms.urn(PALLET)) == []
    job = capture(client, pallet_document(bad), **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert (job["success"], job["counts"]) == (False, {"stored": 2, "dead_lettered": 1})
    assert len(events(client, MATCH_anyEPC=wms.urn(PALLET))) == 2


def test_capture_refusals_are_problems(client: Client):
    many = wms.document(
        *[wms.pack(wms.sscc(n), [BR1], "2026-11-26T08:00:00+01:00") for n in range(21)]
    )
    reply = client.request("POST", "/epcis/capture", many)
    assert reply.status == 413 and reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert reply.headers["GS1-EPCIS-Capture-Limit"] == "20"
    reply = client.request("POST", "/epcis/capture", b"{nope")
    assert (reply.status, reply.json()["type"]) == (400, "epcisException:ValidationException")
    reply = client.request(
        "POST", "/epcis/capture", wms.bare(wms.pack(PALLET, [BR1], "2026-11-26T08:00:00+01:00"))
    )
    assert reply.status == 400 and "POST /epcis/events" in reply.json()["detail"]
    reply = client.request("POST", "/epcis/capture", pallet_document(), content_type="text/plain")
    assert reply.status == 415
    reply = client.request(
        "POST",
        "/epcis/capture",
        pallet_document(),
        headers={"GS1-Capture-Error-Behaviour": "later"},
    )
    assert reply.status == 400 and "rollback, proceed" in reply.json()["detail"]
    options = client.request("OPTIONS", "/epcis/capture")
    assert options.status == 204 and options.headers["GS1-EPCIS-Capture-Limit"] == "20"


def test_the_token_guards_the_binding(client: Client):
    anonymous = Client(client.base, client.checker, token=None)
    reply = anonymous.request("GET", "/epcis/events")
    assert reply.status == 401 and reply.json()["type"] == "epcisException:SecurityException"
    assert (
        Client(client.base, token="wrong")
        .request("POST", "/epcis/capture", pallet_document())
        .status
        == 401
    )


def test_one_event_is_captured_at_once_and_found_by_its_id(client: Client):
    event = {"eventID": "urn:uuid:6c1f0000-0000-4000-8000-0000000000aa",
             **wms.pack(PALLET, [BR1], "2026-11-26T08:00:00+01:00")}  # fmt: skip
    reply = client.request("POST", "/epcis/events", wms.bare(event))
    assert reply.status == 201
    location = reply.headers["Location"]
    assert location == "/epcis/events/" + quote(event["eventID"], safe="")
    (found,) = client.request("GET", location).json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"
    ]
    assert found == {**event, "@context": wms.CONTEXT}
    assert client.request("POST", "/epcis/events", wms.bare(event)).status == 201  # a resend
    other = {**event, "action": "OBSERVE"}
    conflict = client.request("POST", "/epcis/events", wms.bare(other))
    assert (conflict.status, conflict.json()["type"]) == (
        409,
        "epcisException:ResourceAlreadyExistsException",
    )
    bad = client.request("POST", "/epcis/events", wms.bare({**event, "eventTime": "soon"}))
    assert bad.status == 400 and "eventTime" in bad.json()["detail"]
    missing = client.request("GET", "/epcis/events/" + quote("urn:uuid:none", safe=""))
    assert (missing.status, missing.json()["type"]) == (
        404,
        "epcisException:NoSuchNameException",
    )


def test_a_retracted_event_is_answered_with_its_error_declaration(client: Client):
    event = {"eventID": "urn:uuid:6c1f0000-0000-4000-8000-0000000000bb",
             **wms.pack(PALLET, [BR1], "2026-11-26T08:00:00+01:00")}  # fmt: skip
    declaration = {"declarationTime": "2026-11-27T08:00:00+01:00", "reason": "did_not_occur"}
    assert client.request("POST", "/epcis/events", wms.bare(event)).status == 201
    assert (
        client.request(
            "POST", "/epcis/events", wms.bare({**event, "errorDeclaration": declaration})
        ).status
        == 201
    )
    (found,) = events(client, EQ_eventID=event["eventID"])
    assert found["errorDeclaration"] == declaration
    assert [e["eventID"] for e in events(client, EXISTS_errorDeclaration="")] == [event["eventID"]]


def test_queries_filter_and_page(client: Client):
    capture(client, pallet_document())
    everything = events(client, perPage="1000")
    assert len(everything) == len(bakery()) + 2
    times = [e["eventTime"] for e in everything]
    assert times == sorted(times, key=lambda t: t[:19])  # in event time order (UTC here)
    seen, params = [], {"perPage": "4"}
    while True:
        reply = client.request("GET", "/epcis/events", params=params)
        seen += reply.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if "Link" not in reply.headers:
            break
        link = reply.headers["Link"]
        assert link.endswith('>; rel="next"')
        params = dict(
            p.split("=", 1) for p in link[link.index("?") + 1 : link.index(">")].split("&")
        )
    assert [e["eventID"] for e in seen] == [e["eventID"] for e in everything]
    assert {e["type"] for e in events(client, eventType="AggregationEvent|ObjectEvent")} == {
        "AggregationEvent", "ObjectEvent"
    }  # fmt: skip
    shipped = events(client, EQ_bizStep="shipping")
    assert shipped == events(client, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping")
    assert [e["bizStep"] for e in shipped] == ["shipping"]
    window = events(
        client, GE_eventTime="2026-11-25T07:05:00+01:00", LT_eventTime="2026-11-25T06:10:00Z"
    )
    assert window and all(
        "2026-11-25T06:05" <= e["eventTime"][:16] < "2026-11-25T06:10" for e in window
    )
    used = events(client, MATCH_anyEPCClass=BR1)
    assert {e["type"] for e in used} == {"TransformationEvent", "AggregationEvent"}
    assert [e["type"] for e in events(client, MATCH_epcClass=BR1)] == ["AggregationEvent"]
    gtin = "urn:epc:idpat:sgtin:0614141.277777.*"  # every lot and instance of BR1's GTIN
    assert events(client, MATCH_anyEPCClass=gtin) == used


def test_query_refusals_are_problems(client: Client):
    reply = client.request("GET", "/epcis/events", params={"EQ_disposition": "in_transit"})
    assert (reply.status, reply.json()["type"]) == (400, "epcisException:QueryParameterException")
    assert "EQ_disposition" in reply.json()["detail"]
    first = client.request("GET", "/epcis/events", params={"perPage": "2"})
    token = first.headers["Link"].split("nextPageToken=")[1].split("&")[0].split(">")[0]
    other = client.request(
        "GET",
        "/epcis/events",
        params={"perPage": "2", "eventType": "ObjectEvent", "nextPageToken": token},
    )
    assert other.status == 400 and "another query" in other.json()["detail"]
    bad_time = client.request(
        "GET", "/epcis/events", params={"GE_eventTime": "2026-11-25T07:05:00"}
    )
    assert bad_time.status == 400 and "no UTC offset" in bad_time.json()["detail"]
    assert client.request("GET", "/epcis/nothing").status == 404
