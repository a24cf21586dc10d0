"""Issue 21, findings 2, 5 and 7: numbers, text lengths, JSON depth and request sizes are
bounded on every channel of a real agent (control socket, MQTT commands through Mosquitto, the
station's POSTs, command barcodes), each refusal a plain error on its own channel."""

from __future__ import annotations

import json
import socket

import pytest

from lotedge.core.limits import MAX_REQUEST_BYTES
from tests.publish.broker import MOSQUITTO
from tests.security.conftest import Line

pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")

HUGE = "1e400000"
DEEP = b'{"product": ' + b"[" * 5000 + b"]" * 5000 + b"}"


def raw_control(line: Line, *requests: bytes) -> list[dict]:
    """Send raw lines on one control-socket connection; the reply to each, in order."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(15)
        sock.connect(str(line.control.path))
        replies = []
        with sock.makefile("rb") as stream:
            for request in requests:
                sock.sendall(request + b"\n")
                replies.append(json.loads(stream.readline()))
        return replies


def no_open_batch(line: Line) -> bool:
    return line.control.request("status")["data"]["batch"] is None


# -- finding 2: a number cannot hold the engine ---------------------------------------------
def test_a_huge_planned_quantity_is_refused_on_the_control_socket(line: Line):
    reply = line.control.request("batch.start", product="BREAD", planned_qty=HUGE)
    assert reply["status"] == "error" and reply["code"] == "bad_request", reply
    assert "exponent out of range" in reply["error"]
    assert no_open_batch(line)


def test_a_huge_planned_quantity_is_refused_as_an_mqtt_command(line: Line):
    reply = line.send("batch.start", product="BREAD", planned_qty=HUGE)
    assert reply["status"] == "error" and "exponent out of range" in reply["error"], reply
    assert no_open_batch(line)


def test_a_huge_planned_quantity_in_a_command_barcode_is_a_rejected_scan(line: Line):
    reply = line.control.request("scan", data="#LE:START:BREAD:1e300000")
    assert (reply["data"]["outcome"], reply["data"]["reason"]) == ("rejected", "invalid_quantity")
    assert "exponent out of range" in reply["data"]["message"]
    assert no_open_batch(line)


def test_a_huge_quantity_from_the_station_is_a_400(line: Line):
    status, body = line.station.command("batch.start", {"product": "BREAD", "planned_qty": HUGE})
    assert status == 400 and "exponent out of range" in body["error"], body


@pytest.mark.parametrize(
    ("quantity", "why"),
    [
        ("2000000", "more than the maximum 1000000"),
        ("2.5", "whole pieces (unit H87)"),
        ("1234567890123456", "too many digits"),
        ("NaN", "not a number"),
        ("-3", "more than zero"),
    ],
)
def test_planned_quantities_outside_the_bounds_are_refused(line: Line, quantity: str, why: str):
    reply = line.control.request("batch.start", product="BREAD", planned_qty=quantity)
    assert reply["status"] == "error" and why in reply["error"], reply
    assert no_open_batch(line)


def test_a_json_number_too_long_to_be_a_quantity_is_refused_while_parsing(line: Line):
    [reply] = raw_control(line, b'{"op": "batch.end", "args": {"qty": 1' + b"0" * 4000 + b"}}")
    assert reply["code"] == "bad_json" and "too long" in reply["error"], reply


# -- finding 5: remote text has a length ------------------------------------------------------
def test_a_five_megabyte_lot_in_hold_add_is_refused_over_mqtt(line: Line):
    reply = line.send("hold.add", lot="L" * 5_000_000, reason="recall")
    assert reply["status"] == "error" and reply["code"] == "bad_json", reply
    assert f"at most {MAX_REQUEST_BYTES} bytes" in reply["error"]
    assert line.control.request("hold.list")["data"]["holds"] == []


def test_a_lot_longer_than_gs1_allows_is_refused(line: Line):
    reply = line.send("hold.add", lot="L" * 21, reason="recall")
    assert reply["status"] == "error"
    assert "'lot' may be at most 20 characters (GS1 AI 10), got 21" in reply["error"], reply
    assert line.control.request("hold.list")["data"]["holds"] == []


def test_a_long_reason_is_refused_with_the_documented_maximum(line: Line):
    reply = line.control.request("hold.add", lot="25ABC", reason="x" * 60_000)
    assert reply["status"] == "error", reply
    assert "'reason' may be at most 200 characters (free text), got 60000" in reply["error"]
    assert line.control.request("hold.list")["data"]["holds"] == []


def test_a_control_line_over_the_size_limit_is_refused_and_never_parsed(line: Line):
    too_long = b'{"op": "hold.add", "args": {"lot": "A", "reason": "' + b"y" * 200_000 + b'"}}'
    refused, status = raw_control(line, too_long, b'{"op": "status"}')
    assert (
        refused["code"] == "bad_json" and f"at most {MAX_REQUEST_BYTES} bytes" in refused["error"]
    )
    assert status["status"] == "ok"  # the same connection: the rest of the line was dropped
    assert line.control.request("hold.list")["data"]["holds"] == []


# -- finding 7: deep JSON gets an answer on every channel --------------------------------------
def test_deeply_nested_json_is_answered_over_mqtt(line: Line):
    reply = line.command("batch.start", DEEP)
    assert reply["status"] == "error" and reply["code"] == "bad_json", reply
    assert "nested more than" in reply["error"]


def test_deeply_nested_json_is_answered_on_the_control_socket_which_stays_open(line: Line):
    deep = b'{"op": "status", "args": ' + DEEP + b"}"
    refused, status = raw_control(line, deep, b'{"op": "status"}')
    assert refused["code"] == "bad_json" and "nested more than" in refused["error"]
    assert status["status"] == "ok"


def test_deeply_nested_json_is_a_400_at_the_station(line: Line):
    headers = {"Content-Type": "application/json"}
    response = line.station.request("POST", "/api/command/batch.start", DEEP, **headers)
    assert response.status == 400, response.body  # type: ignore[attr-defined]
    assert b"nested more than" in response.body  # type: ignore[attr-defined]
    assert line.station.state()["batch"] is None
