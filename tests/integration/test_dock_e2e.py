"""The shipping dock through the real daemon, a simulated serial scanner, the printer simulator
over TCP and a private Mosquitto: a batch's own lot label is scanned at the dock as a case,
the pallet's logistic label prints and reads back (zxing-cpp) to its SSCC and contents, the
pallet is shipped by scanning the ship-to and that label, and a hold sent over MQTT after a
second pallet was closed stops it at the dock. Every event published is valid against GS1's
EPCIS 2.0 schema."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from biip.gs1_messages import GS1Message

from lotedge.config.loader import load_config
from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scanner import PtyScanner
from lotedge.state.db import connect
from tests import epcis_schema
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, lotedge, start_daemon
from tests.labels.label_checks import decode
from tests.publish.broker import MOSQUITTO, Mosquitto
from tests.publish.helpers import Subscriber, agent_mqtt_toml, wait_until

pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")

FLOUR = "]C10109501101530003172701311025ABC"
SHOPCO_SHIP_TO = "]C14109520987000011"  # (410) SHOPCO's GLN


class Dock:
    """The daemon's scanner (a pty) and its scans table."""

    def __init__(self, tmp_path: Path, config: Path) -> None:
        self.scanner = PtyScanner(tmp_path / "ttyDock")
        self.config = config

    @property
    def conn(self):
        """The state the daemon created (read here, written only by the daemon)."""
        return connect(load_config(self.config).state_dir / "state.db")

    def scan(self, text: str) -> dict[str, str]:
        """Scan `text` and wait for its decision (the audit row)."""
        before = self.conn.execute("SELECT count(*) FROM scans").fetchone()[0]
        self.scanner.write(text.encode() + b"\r")
        wait_until(
            lambda: self.conn.execute("SELECT count(*) FROM scans").fetchone()[0] > before,
            f"the decision on {text!r}",
            timeout=20,
        )
        outcome, reason, message = self.conn.execute(
            "SELECT outcome, reason, message FROM scans ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return {"outcome": outcome, "reason": reason, "message": message}


def _symbols(png: bytes) -> list[str]:
    """What a scanner sends for each barcode on a printed label (AIM identifier + data)."""
    return [b.symbology_identifier + b.text for b in decode(png)]


def _elements(scan: str) -> dict[str, str]:
    return {es.ai.ai: es.value for es in GS1Message.parse(scan[3:]).element_strings}


def dock_line(tmp_path: Path, broker: Mosquitto) -> tuple[PrinterSimulator, Path]:
    """The printer simulator (started) and the config of a line that prints to it, reads the
    `Dock` scanner and publishes to `broker`."""
    printer = PrinterSimulator(port=0, out_dir=tmp_path / "printed").start()
    path = write_config(
        tmp_path,
        extra=agent_mqtt_toml(broker.port)
        + f'[printer]\nurl = "tcp://127.0.0.1:{printer.port}"\n'
        + f'[[scanners]]\nname = "dock"\nurl = "serial://{tmp_path}/ttyDock?suffix=CR"\n',
    )
    return printer, path


def test_vendor_lot_to_customer_through_the_dock(tmp_path: Path, broker: Mosquitto):
    printer, path = dock_line(tmp_path, broker)
    config = load_config(path)
    assert config.mqtt is not None
    root = f"{config.mqtt.topic_prefix}/{config.identity.site}/{config.identity.line}"
    central = Subscriber(broker.port, f"{root}/#")
    dock = Dock(tmp_path, path)
    daemon = start_daemon(path)
    c = ("-c", str(path))
    try:
        client = control_client(path)
        wait_until(lambda: client.request("status")["data"]["publisher"]["connected"], "MQTT")
        # a batch of bread from vendor lot 25ABC; its lot label is our case label
        assert lotedge("batch", "start", "BREAD", *c).returncode == 0
        assert dock.scan(FLOUR)["reason"] == "accepted"
        ended = client.request("batch.end", qty=120)
        lot = ended["data"]["batch"]["lot"]
        assert printer.wait_for_jobs(1, 30)
        (case,) = [s for s in _symbols(printer.jobs[0].png) if s.startswith("]d2")]

        assert dock.scan("#LE:SHIP")["reason"] == "mode_set"
        opened = dock.scan("#LE:PALLET:SHOPCO")
        assert opened["reason"] == "pallet_opened"
        packed = dock.scan(case)
        assert (packed["outcome"], packed["reason"]) == ("packed", "cases_added"), packed
        assert dock.scan("#LE:CLOSE")["reason"] == "pallet_closed"
        assert printer.wait_for_jobs(2, 30)
        pallet = _symbols(printer.jobs[1].png)
        (sscc_scan,) = [s for s in pallet if s.startswith("]C100")]
        sscc = _elements(sscc_scan)["00"]
        assert opened["message"].startswith(f"Pallet {sscc} opened for SHOPCO")
        (contents,) = [s for s in pallet if s.startswith("]C102")]
        assert _elements(contents) == {
            "02": "09501101530102",
            "17": _elements(case)["17"],
            "37": "120",
            "10": lot,
        }

        assert dock.scan(sscc_scan)["reason"] == "no_ship_to"
        assert dock.scan(SHOPCO_SHIP_TO)["reason"] == "ship_to_set"
        shipped = dock.scan(sscc_scan)
        assert (shipped["outcome"], shipped["reason"]) == ("shipped", "shipped"), shipped

        # a second pallet of the same lot, closed; then the store holds the lot
        assert dock.scan("#LE:PALLET")["reason"] == "pallet_opened"
        assert dock.scan(case)["reason"] == "cases_added"
        assert dock.scan("#LE:CLOSE")["reason"] == "pallet_closed"
        assert printer.wait_for_jobs(3, 30)
        (second,) = [s for s in _symbols(printer.jobs[2].png) if s.startswith("]C100")]
        started = time.perf_counter()
        central.client.publish(
            f"{root}/cmd/request/hold.add",
            json.dumps(
                {
                    "hold_id": "R-14",
                    "material": "*",
                    "lot": lot,
                    "reason": "flour recall",
                    "transaction": "R-14/1",
                }
            ),
            qos=1,
        )
        wait_until(lambda: central.on("/cmd/response/hold.add"), "the hold's answer", timeout=10)
        refused = dock.scan(second)
        elapsed = time.perf_counter() - started
        print(f"\nhold.add publish -> dock refusal: {elapsed * 1000:.1f} ms")
        assert (refused["outcome"], refused["reason"]) == ("rejected", "on_hold"), refused
        assert "flour recall (hold R-14)" in refused["message"]
        wait_until(lambda: client.request("status")["data"]["outbox_depth"] == 0, "the outbox")
    finally:
        daemon.terminate()
        daemon.wait(10)
        printer.stop()
        dock.scanner.close()
    events = central.on("/events")
    kinds = [(e["type"], e.get("bizStep")) for e in events]
    assert kinds == [
        ("TransformationEvent", "commissioning"),
        ("TransformationEvent", "commissioning"),
        ("AggregationEvent", "packing"),
        ("ObjectEvent", "shipping"),
        ("AggregationEvent", "packing"),
    ]
    first_pack, ship = events[2], events[3]
    assert ship["epcList"] == [first_pack["parentID"]]
    assert first_pack["childQuantityList"] == [
        {"epcClass": events[1]["outputQuantityList"][0]["epcClass"], "quantity": 120}
    ]
    assert ship["destinationList"][0] == {
        "type": "owning_party",
        "destination": "urn:epc:id:pgln:952098.700001",
    }
    checker = epcis_schema.validator()
    for event in events:
        assert epcis_schema.errors(checker, event) == [], event
    central.close()
