"""The station of a real agent (`lotedge run` in a child process) over real HTTP."""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lotedge.agent.client import ControlClient
from lotedge.simulators.printer import PrinterSimulator
from tests.conftest import write_config
from tests.core.daemon_helpers import Daemon, control_client, start_daemon
from tests.core.test_engine import FLOUR
from tests.labels.label_checks import eventually
from tests.publish.broker import private_mosquitto
from tests.publish.helpers import agent_mqtt_toml
from tests.station.helpers import Station

EXPIRED_YEAST = "YST-OLD-20200101"
TOKEN = "station-test-token"


@contextmanager
def agent(
    tmp_path: Path, station: str = "", extra: str = "", env: dict[str, str] | None = None
) -> Iterator[tuple[Station, ControlClient, Daemon]]:
    """A running agent with `[station] port = 0` (plus `station` keys); yields its station."""
    path = write_config(tmp_path, extra=f"[station]\nport = 0\n{station}\n{extra}")
    proc = start_daemon(path, env)
    control = control_client(path)
    try:
        # the control socket answers before the adapters have started
        eventually(lambda: "station" in control.request("status")["data"])
        url = control.request("status")["data"]["station"]["url"]
        yield Station(url), control, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


@pytest.fixture
def printer() -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(port=0).start()
    yield sim
    sim.stop()


def printer_section(sim: PrinterSimulator) -> str:
    return (
        f'[printer]\nname = "line"\nurl = "tcp://127.0.0.1:{sim.port}"\n'
        "status_interval_seconds = 0.2\nretry_initial_seconds = 0.2\nretry_max_seconds = 0.5\n"
    )


def test_the_snapshot_shows_each_scan_with_its_verdict(tmp_path: Path):
    with agent(tmp_path) as (station, control, _):
        control.request("batch.start", product="BREAD", operator="Ann")
        control.request("scan", data=FLOUR, source="hopper")
        control.request("scan", data=EXPIRED_YEAST, source="hopper")
        response = station.request("GET", "/api/state")
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/json"
        assert response.getheader("Cache-Control") == "no-store"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Content-Security-Policy").startswith("default-src 'self'")
        state = json.loads(response.body)  # type: ignore[attr-defined]
    assert state["batch"]["product"] == "BREAD" and state["batch"]["operator"] == "Ann"
    rejected, accepted = state["recent_scans"]
    assert state["last_scan"] == rejected
    assert (rejected["outcome"], rejected["reason"], rejected["material"], rejected["lot"]) == (
        "rejected",
        "expired",
        "YEAST",
        "OLD",
    )
    assert "expired on 2020-01-01" in rejected["message"] and rejected["source"] == "hopper"
    assert (accepted["outcome"], accepted["material_name"], accepted["lot"]) == (
        "accepted",
        "Wheat flour T55",
        "25ABC",
    )
    assert [(m["material"], m["loaded"]) for m in state["bom"]] == [
        ("FLOUR", True),
        ("YEAST", False),
    ]


def test_events_bring_each_new_state(tmp_path: Path):
    with agent(tmp_path) as (station, control, _):
        events = station.events()
        first = events.next()
        assert first["last_scan"] is None
        control.request("scan", data=EXPIRED_YEAST)
        rejected = events.until(lambda s: s["last_scan"] is not None)
        assert rejected["last_scan"]["reason"] == "no_open_batch"
        assert rejected["seq"] > first["seq"]
        control.request("batch.start", product="CAKE")
        started = events.until(lambda s: s["batch"] is not None)
        assert started["seq"] > rejected["seq"] and started["batch"]["product"] == "CAKE"
        assert started["bom"][0] == {
            "material": "FLOUR",
            "name": "Wheat flour T55",
            "loaded": False,
            "lots": [],
        }
        events.close()


def test_commands_go_through_the_engine(tmp_path: Path, printer: PrinterSimulator):
    with agent(tmp_path, extra=printer_section(printer)) as (station, control, _):
        assert station.command("batch.end", {"qty": 5}) == (
            409,
            {
                "ok": False,
                "status": "error",
                "data": {},
                "error": "No batch is open to end.",
                "code": "no_open_batch",
            },
        )
        status, reply = station.command(
            "batch.start", {"product": "BREAD", "operator": "Ann", "planned_qty": 120}
        )
        assert status == 200 and reply["ok"] and reply["data"]["message"] == "Batch BREAD started."
        assert control.request("status")["data"]["batch"]["planned_qty"] == "120"
        status, reply = station.command("batch.end", {"qty": "118"})
        assert status == 200 and reply["data"]["reason"] == "batch_ended"
        lot = reply["data"]["batch"]["lot"]
        assert printer.wait_for_jobs(1, timeout=15)
        eventually(lambda: station.state()["last_batch"]["label"] == "printed")
        last = station.state()["last_batch"]
        assert (last["lot"], last["produced_qty"], last["product_name"]) == (
            lot,
            "118",
            "White loaf 800 g",
        )

        status, reply = station.command("label.reprint", {"lot": lot})
        assert status == 200 and reply["data"]["copies"] == 1
        assert printer.wait_for_jobs(2, timeout=15)

        printer.set_fault(paper_out=True)
        eventually(lambda: station.state()["alerts"] != [])
        [alert] = station.state()["alerts"]
        assert alert["kind"] == "printer_fault" and "paper out" in alert["message"]
        assert station.state()["printer"]["message"] == "Paper out"
        status, reply = station.command("alert.ack", {"id": alert["id"], "operator": "Ann"})
        assert status == 200 and reply["data"]["message"] == f"Alert {alert['id']} acknowledged."
        assert station.state()["alerts"] == []
        assert station.command("alert.ack", {"id": alert["id"]})[0] == 409


def test_the_broker_link_and_outbox_depth_follow_a_real_broker(tmp_path: Path):
    with (
        private_mosquitto(tmp_path / "mosquitto") as broker,
        agent(tmp_path, extra=agent_mqtt_toml(broker.port)) as (station, control, _),
    ):
        eventually(lambda: station.state()["link"] == {"connected": True, "outbox_depth": 0})
        broker.stop()
        eventually(lambda: station.state()["link"]["connected"] is False)
        control.request("batch.start", product="BREAD")
        waiting = station.state()["link"]["outbox_depth"]
        control.request("scan", data=FLOUR, source="hopper")  # one more event to send
        assert station.state()["link"] == {"connected": False, "outbox_depth": waiting + 1}
        broker.start()
        eventually(lambda: station.state()["link"] == {"connected": True, "outbox_depth": 0})


def test_requests_the_station_refuses(tmp_path: Path):
    with agent(tmp_path) as (station, control, _):
        for op, args in (
            ("hold.add", {"material": "*", "lot": "X", "reason": "r"}),
            ("scan", {"data": FLOUR}),
            ("batch.cancel", {}),
            ("no.such", {}),
        ):
            status, reply = station.command(op, args)
            assert (status, reply["ok"], reply["code"]) == (403, False, "not_allowed"), op
        assert control.request("status")["data"]["holds"] == []

        response = station.request("GET", "/api/command/batch.start")
        assert response.status == 405 and response.getheader("Allow") == "POST"

        def post(body: bytes, kind: str = "application/json", **headers: str) -> tuple[int, dict]:
            headers["Content-Type"] = kind
            response = station.request("POST", "/api/command/batch.start", body, **headers)
            return response.status, json.loads(response.body)  # type: ignore[attr-defined]

        status, reply = post(b'{"product": "BREAD"')
        assert status == 400 and reply["error"].startswith("the body is not valid JSON")
        status, reply = post(b'["BREAD"]')
        assert status == 400 and "JSON object" in reply["error"]
        status, reply = post(b'{"product": "BREAD", "colour": 1}')
        assert status == 400 and "unknown argument(s) colour" in reply["error"]
        status, reply = post(b"product=BREAD", "application/x-www-form-urlencoded")
        assert status == 415 and "Content-Type: application/json" in reply["error"]
        status, reply = post(b'{"product": "BREAD"}', Origin="http://evil.example")
        assert (status, reply["code"]) == (403, "cross_origin")
        status, reply = post(b"{" * 20000)
        assert status == 413
        assert control.request("status")["data"]["batch"] is None  # none of them started one
        assert station.request("GET", "/api/nothing").status == 404


def test_a_stuck_client_does_not_hold_up_the_others(tmp_path: Path):
    """A client that never reads: the others keep getting every state, and it is cut off."""
    with agent(tmp_path) as (station, control, proc):
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", int(station.host.rsplit(":", 1)[1])))
        stuck.sendall(f"GET /api/events HTTP/1.1\r\nHost: {station.host}\r\n\r\n".encode())
        reading = station.events()
        reading.next()
        big = "x" * 200  # the longest reason: growing snapshots fill the stuck client's buffers
        holds = 0
        while "dropping a client that does not keep up" not in proc.output():
            assert holds < 2000, "the stuck client was never dropped"
            control.request("hold.add", material="*", lot=f"L{holds}", reason=big)
            holds += 1
            latest = reading.until(lambda s, n=holds: len(s["holds"]) == n)
            assert station.state()["seq"] == latest["seq"]  # requests are answered meanwhile
        stuck.settimeout(15)
        received = 0
        while chunk := stuck.recv(1 << 20):  # then the end of its stream: the station hung up
            received += len(chunk)
        per_hold = len(json.dumps(latest["holds"])) / holds  # the holds alone: an underestimate
        sent_to_others = sum(n * per_hold for n in range(1, holds + 1))
        assert received < sent_to_others  # it missed states: dropped, not merely slow
        reading.close()
        stuck.close()


def test_sigterm_ends_the_streams_and_the_agent(tmp_path: Path):
    with agent(tmp_path) as (station, _, proc):
        events = station.events()
        events.next()
        proc.send_signal(signal.SIGTERM)
        with pytest.raises(EOFError):
            events.until(lambda s: False)
        assert proc.wait(20) == 0
        log = proc.output()
    assert f"station: operator page at {station.url}" in log


def test_a_client_from_another_address_needs_the_token(tmp_path: Path):
    """Bound on this machine's non-loopback address: our requests come from that address."""
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    station_keys = f'bind = "{address}"\ntoken = {{ env = "LOTEDGE_STATION_TOKEN" }}'
    env = {"LOTEDGE_STATION_TOKEN": TOKEN}
    with agent(tmp_path, station_keys, env=env) as (station, _, proc):
        assert station.url.startswith(f"http://{address}:")
        refused = station.request("GET", "/api/state")
        assert refused.status == 401 and refused.getheader("WWW-Authenticate")
        assert b"Authorization: Bearer" in refused.body  # type: ignore[attr-defined]
        assert station.request("GET", "/").status == 401
        assert station.command("batch.start", {"product": "BREAD"})[0] == 401
        wrong = station.request("GET", "/api/state", Authorization="Bearer not-it")
        assert wrong.status == 401
        assert station.request("GET", "/api/state", Authorization=f"Bearer {TOKEN}").status == 200

        assert station.request("GET", "/?token=not-it").status == 401
        login = station.request("GET", f"/?token={TOKEN}")
        assert login.status == 303 and login.getheader("Location") == "/"
        cookie = login.getheader("Set-Cookie")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        with_cookie = Station(station.url, {"Cookie": cookie.split(";")[0]})
        assert with_cookie.state()["site"] == "PLANT1"
        status, reply = with_cookie.command("batch.start", {"product": "BREAD"})
        assert status == 200 and reply["ok"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        assert TOKEN not in proc.output()


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine other than loopback, if it has one."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address
