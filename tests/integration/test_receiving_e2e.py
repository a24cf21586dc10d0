"""Receiving through the real daemon: a labelled delivery (a GS1 DataMatrix made and read by
zxing-cpp), unlabelled material whose receiving label goes through the printer simulator over
TCP and is scanned back at the line, FEFO, and receipts and internal lots surviving kill -9."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import zxingcpp

from lotedge.config.loader import load_config
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state.db import connect
from tests import epcis_schema
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, kill_while_scanning, lotedge, start_daemon
from tests.labels.label_checks import decode
from tests.publish.helpers import wait_until

GS = "\x1d"


def datamatrix_scan(element_string: str) -> str:
    """What a scanner sends for a vendor's GS1 DataMatrix: made and read back by zxing-cpp."""
    barcode = zxingcpp.create_barcode(element_string, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    image = zxingcpp.write_barcode_to_image(barcode, scale=4)
    (read,) = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    return read.symbology_identifier + read.text


def outbox_events(config_path: Path, kind: str) -> list[dict[str, Any]]:
    conn = connect(load_config(config_path).state_dir / "state.db")
    rows = conn.execute("SELECT payload FROM outbox WHERE topic = 'events' ORDER BY seq")
    return [e for e in (json.loads(p) for (p,) in rows) if e["type"] == kind]


def test_labelled_delivery_is_received_and_fefo_warns_at_the_line(tmp_path: Path):
    path = write_config(tmp_path)
    c = ("-c", str(path))
    daemon = start_daemon(path)
    try:
        client = control_client(path)
        assert client.request("scan", data="#LE:RECEIVE")["data"]["reason"] == "mode_set"
        refused = lotedge("scan", datamatrix_scan("(01)09501101530003(17)490331(10)NEW"), *c)
        assert refused.returncode == 1 and "purchase order or delivery note first" in refused.stdout
        assert lotedge("receive", "ref", "DN-88", "--delivery-note", *c).returncode == 0
        for label in (
            "(01)09501101530003(17)490331(3101)000200(10)NEW",
            "(01)09501101530003(17)481231(10)OLD",
        ):
            reply = client.request("scan", data=datamatrix_scan(label))
            assert reply["data"]["outcome"] == "received", reply
        status = client.request("status")["data"]
        assert (status["mode"], status["receipt_reference"]["number"]) == ("receiving", "DN-88")
        listed = lotedge("lots", "list", "FLOUR", "--json", *c)
        lots = json.loads(listed.stdout)["data"]["lots"]
        assert [(lot["lot"], lot["received_qty"]) for lot in lots] == [
            ("OLD", "25.0"),
            ("NEW", "20.0"),
        ]
        assert lotedge("mode", "production", *c).returncode == 0
        assert lotedge("batch", "start", "BREAD", *c).returncode == 0
        warned = lotedge("scan", datamatrix_scan("(01)09501101530003(17)490331(10)NEW"), *c)
        assert warned.returncode == 0, warned
        assert (
            "warning (fefo): Use lot OLD first (expires 2048-12-31); this lot expires 2049-03-31."
            in warned.stdout
        )
    finally:
        daemon.terminate()
        assert daemon.wait(10) == 0
    events = outbox_events(path, "ObjectEvent")
    assert [e["lotedge:vendorLot"] for e in events] == ["NEW", "OLD"]
    assert epcis_schema.problems(events) == {}
    assert events[0]["bizTransactionList"][0]["type"] == "desadv"


def test_receiving_label_round_trip_is_accepted_at_the_line(tmp_path: Path):
    printer = PrinterSimulator(port=0, out_dir=tmp_path / "printed").start()
    path = write_config(tmp_path, extra=f'[printer]\nurl = "tcp://127.0.0.1:{printer.port}"\n')
    c = ("-c", str(path))
    daemon = start_daemon(path)
    try:
        assert lotedge("receive", "ref", "PO-1", *c).returncode == 0
        received = lotedge("receive", "unlabelled", "YEAST", "2", "--expiry", "2049-01-31", *c)
        assert received.returncode == 0, received
        lots = json.loads(lotedge("lots", "list", "YEAST", "--json", *c).stdout)["data"]["lots"]
        internal = lots[0]["lot"]
        assert printer.wait_for_jobs(1, 30)
        label = printer.jobs[0]
        assert label.rendered.wait(30) and label.png is not None, label.render_error
        (matrix,) = [b for b in decode(label.png) if b.symbology_identifier == "]d2"]
        text = matrix.symbology_identifier + matrix.text
        # (91) material code, as YEAST has no GTIN; (17) expiry; (3100) 2 kg; (10) our lot
        assert text == f"]d291YEAST{GS}17490131" + "3100000002" + f"10{internal}"
        assert lotedge("batch", "start", "BREAD", *c).returncode == 0  # FLOUR, YEAST
        scanned = control_client(path).request("scan", data=text)["data"]
        assert (scanned["outcome"], scanned["parsed"]["lot"]) == ("accepted", internal), scanned
        assert scanned["parsed"]["material"] == "YEAST"
        # 2 kg received, the 2 kg container consumed: the lot is closed
        listed = json.loads(lotedge("lots", "list", "YEAST", "--json", *c).stdout)
        assert listed["data"]["lots"] == []
    finally:
        daemon.terminate()
        assert daemon.wait(10) == 0
        printer.stop()
    (event,) = outbox_events(path, "ObjectEvent")
    assert event["lotedge:internalLot"] == internal
    assert epcis_schema.problems([event]) == {}
    consumption = outbox_events(path, "TransformationEvent")[0]
    assert consumption["inputQuantityList"][0]["epcClass"] == event["quantityList"][0]["epcClass"]


def test_sigkill_while_receiving_loses_no_acknowledged_receipt(tmp_path: Path):
    path = write_config(tmp_path, extra='[receiving]\nrole = "receiving"\n')
    acked = kill_while_scanning(
        path,
        rounds=2,
        reason="received",
        prepare=lambda client: client.request("receive.ref", ref="PO-9"),
        wanted=lambda: 30,
    )
    conn = connect(load_config(path).state_dir / "state.db")
    stored = {lot for (lot,) in conn.execute("SELECT lot FROM receipts")}
    assert set(acked) <= stored
    orphans = conn.execute(
        "SELECT count(*) FROM receipts r LEFT JOIN outbox o ON o.event_id = r.event_id"
        " LEFT JOIN open_lots l ON l.material = r.material AND l.lot = r.lot"
        " WHERE o.event_id IS NULL OR l.lot IS NULL"
    ).fetchone()[0]
    assert orphans == 0  # each receipt has its event and its open lot


def test_internal_lots_are_never_reused_across_kill_9(tmp_path: Path):
    """Unlabelled receipts while the daemon is killed (SIGKILL) twice: every internal lot an
    operator was told is kept, and the restarted daemon never hands out one of them again."""
    path = write_config(tmp_path)
    told: list[str] = []
    wrong: list[dict] = []

    def receive_until_dead() -> None:
        client = control_client(path)
        while True:
            try:
                reply = client.request("receive.unlabelled", material="YEAST", quantity=1)
            except (ConnectionError, OSError):
                return
            if reply["status"] != "ok":
                wrong.append(reply)
                return
            told.append(reply["data"]["lot"])

    for round_ in range(3):
        daemon = start_daemon(path)
        if round_ == 0:
            assert control_client(path).request("receive.ref", ref="PO-3")["status"] == "ok"
        before = len(told)
        receiver = threading.Thread(target=receive_until_dead)
        receiver.start()
        if round_ < 2:
            wait_until(lambda: len(told) >= before + 10, "ten receipts", timeout=30)  # noqa: B023
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(10)
        else:
            wait_until(lambda: len(told) >= before + 3, "three receipts", timeout=30)  # noqa: B023
            daemon.terminate()
            assert daemon.wait(10) == 0
        receiver.join(10)
        assert not wrong, wrong
    assert len(set(told)) == len(told), "an internal lot was handed out twice"
    conn = connect(load_config(path).state_dir / "state.db")
    kept = {lot for (lot,) in conn.execute("SELECT lot FROM receipts WHERE internal")}
    issued = {lot for (lot,) in conn.execute("SELECT lot FROM issued_lots")}
    assert set(told) <= kept <= issued
