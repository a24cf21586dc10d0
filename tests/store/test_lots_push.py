"""`lotedge store lots push` over a real Mosquitto: lots received at one line's receiving
station reach the store as receipts, the store sends them as open lots to another line, and a
scan there of a lot that expires later gets the FEFO warning naming the earlier one."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from lotedge.apps.broker import free_port
from lotedge.store.db import Database
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.helpers import Subscriber

from .helpers import StoreProcess, store_config, wait_until
from .test_answers import run_cli
from .test_holds import PREFIX, agent_config, count, shut_down, store_db

TODAY = date.today()
OLD_EXPIRY, NEW_EXPIRY = TODAY + timedelta(days=30), TODAY + timedelta(days=90)


def flour(lot: str, expiry: date, kg: str = "") -> str:
    """A FLOUR vendor label (GS1-128): expiry, net weight in 0.1 kg (else the default 25 kg)."""
    weight = f"3101{kg}" if kg else ""
    return "]C10109501101530003" + f"17{expiry:%y%m%d}" + weight + f"10{lot}"


@pytest.mark.slow
def test_lots_received_at_one_line_warn_fefo_at_another(mosquitto: int, tmp_path: Path, capsys):
    """Line GR is a receiving station; line L2 produces. GR receives OLD and then NEW (which
    expires later); L2 uses 5 kg of NEW before the push without a warning (it knows no open
    lots), and after `lotedge store lots push` its next scan of NEW is told to use OLD first."""
    db_url = f"sqlite:///{tmp_path / 'trace.db'}"
    receiving = '[receiving]\nrole = "receiving"\n'
    paths = {
        "GR": agent_config(tmp_path / "GR", "GR", mosquitto, receiving),
        "L2": agent_config(tmp_path / "L2", "L2", mosquitto),
    }
    status = Subscriber(mosquitto, f"{PREFIX}/+/status")
    agents = [start_daemon(path) for path in paths.values()]
    clients = {line: control_client(path) for line, path in paths.items()}
    store: StoreProcess | None = None
    try:
        assert wait_until(
            lambda: (
                {t.split("/")[-2] for t, p, _ in status.messages if b"online" in p} == set(paths)
            ),
            20,
        )
        config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
        store = StoreProcess(config, "store-lots")
        store.wait_for_log("subscribed to")
        gr, l2 = clients["GR"], clients["L2"]
        assert gr.request("scan", data="#LE:REF:PO-4711")["data"]["reason"] == "reference_set"
        for label in (flour("OLD", OLD_EXPIRY), flour("NEW", NEW_EXPIRY)):
            assert gr.request("scan", data=label)["data"]["outcome"] == "received"
        assert l2.request("batch.start", product="BREAD")["status"] == "ok"
        before = l2.request("scan", data=flour("NEW", NEW_EXPIRY, "000050"))["data"]
        assert before["reason"] == "accepted" and "warning" not in before
        with Database(db_url) as db:  # 2 receipts from GR, the consumption at L2
            assert wait_until(lambda: count(db, "events") == 3, 20)

        push = ("store", "lots", "push", "-c", str(config), "--timeout", "20")
        code, out, _ = run_cli(capsys, *push)
        assert code == 0, out
        assert f"FLOUR            OLD ({OLD_EXPIRY}), NEW ({NEW_EXPIRY})" in out
        assert "lots.open (the whole list) sent for each material to 2 lines:" in out
        for line in ("PLANT1/GR", "PLANT1/L2"):
            assert f"{line:<16} confirmed 1 of 1: FLOUR" in out
        listed = l2.request("lots.list", material="FLOUR")["data"]["lots"]
        assert [(lot["lot"], lot["source"]) for lot in listed] == [
            ("OLD", "store"),
            ("NEW", "store"),
        ]

        warned = l2.request("scan", data=flour("NEW", NEW_EXPIRY))["data"]
        assert warned["reason"] == "accepted"
        assert warned["warning"] == {
            "code": "fefo",
            "message": f"Use lot OLD first (expires {OLD_EXPIRY}); this lot expires {NEW_EXPIRY}.",
            "use_instead": "OLD",
        }

        # the same push again, to L2 only: NEW is used up now (5 + 25 kg of 25), so a new list
        with Database(db_url) as db:
            assert wait_until(lambda: count(db, "events") == 4, 20)
        code, out, _ = run_cli(capsys, *push, "--line", "PLANT1/L2", "--json")
        result = json.loads(out)
        assert code == 0 and result["lots"] == {
            "FLOUR": [{"lot": "OLD", "expiry": f"{OLD_EXPIRY}"}]
        }
        assert [(r["line"], r["confirmed"]) for r in result["lines"]] == [("PLANT1/L2", ["FLOUR"])]
        listed = l2.request("lots.list", material="FLOUR")["data"]["lots"]
        assert [lot["lot"] for lot in listed] == ["OLD"]  # NEW closed: not in the new list
        code, _, err = run_cli(capsys, *push, "--line", "PLANT1/L9")
        assert code == 1 and "PLANT1/GR, PLANT1/L2" in err
        code, out, _ = run_cli(capsys, *push, "--material", "RYE")  # no line uses it
        assert code == 0, out
        assert "RYE              (none open)" in out
        assert f"{'PLANT1/L2':<16} confirmed 0 of 1: -; not used at this line: RYE" in out
        assert store.stop()["dead_lettered"] == 0
    finally:
        shut_down(store, status, agents)


def test_push_without_broker_or_receipts_says_so(db_url: str, tmp_path: Path, capsys):
    store_db(db_url)  # a genealogy from four lines, no receipt
    config = store_config(tmp_path, port=free_port(), database_url=db_url, schema=None)
    code, out, _ = run_cli(capsys, "store", "lots", "push", "-c", str(config))
    assert code == 0 and "no receipts with a material code in the store: no command sent" in out
    code, out, err = run_cli(
        capsys, "store", "lots", "push", "--material", "FLOUR", "-c", str(config)
    )
    assert code == 4 and "FLOUR            (none open)" in out
    assert "commands not sent" in err and "run this again" in err
