"""FEFO at the dock from the trace store's stock, end to end: the real daemon makes a lot of
bread (its label is the case label), the store also holds an older lot of the same bread
(yesterday's production, imported as an EPCIS document), `lotedge store lots push-stock` sends
the stock over a private Mosquitto, and the dock's scans through the simulated serial scanner
get their verdicts from what was pushed: the younger lot packed with the warning naming the
older one, the older lot (its case label without an expiry) refused for a customer who takes
more shelf life than it has left, by the store's expiry."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from lotedge.config.loader import load_config
from lotedge.core import epcis
from lotedge.store.db import Database
from tests.core.daemon_helpers import control_client, lotedge, start_daemon
from tests.integration.test_dock_e2e import FLOUR, Dock, _symbols, dock_line
from tests.publish.broker import MOSQUITTO, Mosquitto
from tests.publish.helpers import wait_until
from tests.store.helpers import StoreProcess, store_config

pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")

OLD_LOT = "OLD4711"


def _older_lot(config_path: Path, directory: Path) -> tuple[Path, date]:
    """An EPCIS document of yesterday's batch end at this line: `OLD_LOT` of bread, made four
    days ago: 3 days of its 7-day shelf life left."""
    config = load_config(config_path)
    bread = config.product("BREAD")
    assert bread is not None
    made = date.today() - timedelta(days=4)
    expiry = made + timedelta(days=bread.shelf_life_days)
    event = epcis.output_event(
        config.identity,
        batch_id="6f1e2d3c-4b5a-4968-8776-000000004711",
        product=bread,
        lot=OLD_LOT,
        quantity=Decimal(48),
        produced=made,
        expiry=expiry,
        event_id="urn:uuid:5a4b3c2d-0000-4000-8000-000000004711",
        when=datetime.combine(made, datetime.min.time()).astimezone(),
    )
    path = directory / "yesterday.jsonld"  # one event, as `lotedge store import` takes it
    path.write_text(json.dumps(event))
    return path, expiry


def test_the_dock_gets_its_fefo_verdict_from_the_stores_push(tmp_path: Path, broker: Mosquitto):
    printer, path = dock_line(tmp_path, broker)
    db_url = f"sqlite:///{tmp_path / 'trace.db'}"
    store_toml = store_config(tmp_path, port=broker.port, database_url=db_url, schema=None)
    store = StoreProcess(store_toml, "store-fefo")
    dock = Dock(tmp_path, path)
    daemon = start_daemon(path)
    try:
        store.wait_for_log("subscribed to")
        client = control_client(path)
        wait_until(lambda: client.request("status")["data"]["publisher"]["connected"], "MQTT")
        assert client.request("batch.start", product="BREAD")["status"] == "ok"
        assert dock.scan(FLOUR)["reason"] == "accepted"
        new_lot = client.request("batch.end", qty=96)["data"]["batch"]["lot"]
        assert printer.wait_for_jobs(1, 30)
        (case,) = [s for s in _symbols(printer.jobs[0].png) if s.startswith("]d2")]

        document, old_expiry = _older_lot(path, tmp_path)
        imported = lotedge("store", "import", str(document), "-c", str(store_toml))
        assert imported.returncode == 0, imported.stderr
        with Database(db_url) as db:  # the line's two batch events and the import
            wait_until(
                lambda: db.fetchone("SELECT count(*) FROM events") == (3,), "the events stored"
            )

        pushed = lotedge("store", "lots", "push-stock", "-c", str(store_toml), "--json")
        assert pushed.returncode == 0, (pushed.stdout, pushed.stderr)
        report = json.loads(pushed.stdout)
        (line,) = report["lines"]
        assert line["confirmed"] == ["BREAD"], line
        listed = client.request("stock.list", product="BREAD")["data"]["lots"]
        assert [(lot["lot"], lot["on_hand"]) for lot in listed] == [
            (OLD_LOT, "48"),
            (new_lot, "96"),
        ]

        assert dock.scan("#LE:SHIP")["reason"] == "mode_set"
        assert dock.scan("#LE:PALLET")["reason"] == "pallet_opened"
        packed = dock.scan(case)
        assert (packed["outcome"], packed["reason"]) == ("packed", "cases_added"), packed
        row = dock.conn.execute("SELECT warning FROM scans ORDER BY id DESC LIMIT 1").fetchone()
        warning = json.loads(row[0])
        assert warning["use_instead"] == OLD_LOT
        assert warning["message"].startswith(
            f"Ship lot {OLD_LOT} first (expires {old_expiry.isoformat()})"
        )
        assert dock.scan("#LE:CLOSE")["reason"] == "pallet_closed"

        assert dock.scan("#LE:PALLET:SHOPCO")["reason"] == "pallet_opened"  # 5 days at least
        refused = dock.scan(f"]C1010950110153010210{OLD_LOT}")  # no (17): the store's expiry

        assert (refused["outcome"], refused["reason"]) == ("rejected", "short_shelf_life")
        assert (
            f"has 3 day(s) of shelf life left (expires {old_expiry.isoformat()})"
            in (refused["message"])
        )
    finally:
        daemon.terminate()
        daemon.wait(10)
        store.stop()
        printer.stop()
        dock.scanner.close()
