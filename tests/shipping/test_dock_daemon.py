"""The shipping dock through the real daemon: modes, pallets and their SSCCs."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from lotedge.config.loader import load_config
from lotedge.state.db import connect
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, lotedge, start_daemon
from tests.publish.helpers import wait_until


def test_a_pallet_gets_the_previewed_sscc_and_only_one_is_open(tmp_path: Path):
    path = write_config(tmp_path)
    c = ("-c", str(path))
    first = lotedge("sscc", "preview", "-n", "1", *c).stdout.strip()
    daemon = start_daemon(path)
    try:
        client = control_client(path)
        switched = client.request("scan", data="#LE:SHIP")["data"]
        assert (switched["outcome"], switched["reason"]) == ("command", "mode_set")
        assert client.request("status")["data"]["mode"] == "shipping"
        unknown = lotedge("pallet", "open", "--customer", "SHOPC0", *c)
        assert unknown.returncode == 1 and "unknown_customer" in unknown.stderr
        assert "SHOPCO" in unknown.stderr  # did you mean
        opened = client.request("pallet.open", customer="SHOPCO")
        assert opened["data"]["sscc"] == first, opened
        again = lotedge("pallet", "open", *c)
        assert again.returncode == 1 and f"Pallet {first} is open" in again.stderr
        assert "pallet_already_open" in again.stderr
    finally:
        daemon.terminate()
        assert daemon.wait(10) == 0
    assert lotedge("sscc", "preview", "-n", "1", *c).stdout.strip() != first


def test_a_line_without_shipping_refuses_the_dock(tmp_path: Path):
    path = write_config(tmp_path)
    text = path.read_text()
    start, end = text.index("[shipping]"), text.index("# Customers")
    path.write_text(text[:start] + text[end:])
    daemon = start_daemon(path)
    try:
        client = control_client(path)
        refused = client.request("scan", data="#LE:SHIP")["data"]
        assert (refused["outcome"], refused["reason"]) == ("rejected", "shipping_off")
        reply = client.request("pallet.open")
        assert (reply["status"], reply["code"]) == ("error", "shipping_off")
    finally:
        daemon.terminate()
        daemon.wait(10)


def test_pallet_ssccs_are_never_reused_across_kill_9_of_the_daemon(tmp_path: Path):
    """Pallets opened (and dropped) while the daemon is killed with SIGKILL twice: every SSCC an
    operator was told is in the ledger, and the restarted daemon never hands one out again."""
    path = write_config(tmp_path)
    told: list[str] = []
    wrong: list[dict] = []

    def open_until_dead() -> None:
        client = control_client(path)
        while True:
            try:
                opened = client.request("pallet.open")
                if opened["status"] != "ok":
                    wrong.append(opened)
                    return
                told.append(opened["data"]["sscc"])
                dropped = client.request("pallet.unpack", sscc=opened["data"]["sscc"])
            except (ConnectionError, OSError):
                return
            if dropped["status"] != "ok":
                wrong.append(dropped)
                return

    for round_ in range(3):
        daemon = start_daemon(path)
        if round_ > 0:  # a pallet the kill left open is dropped, as an operator would
            still = control_client(path).request("status")["data"]["pallet"]
            if still is not None:
                control_client(path).request("pallet.unpack", sscc=still["sscc"])
        before = len(told)
        opener = threading.Thread(target=open_until_dead)
        opener.start()
        wait_until(lambda: len(told) >= before + 20, "twenty pallets", timeout=30)  # noqa: B023
        if round_ < 2:
            daemon.send_signal(signal.SIGKILL)
        else:
            daemon.terminate()
        daemon.wait(10)
        opener.join(10)
        assert not wrong, wrong
    assert len(set(told)) == len(told), "an SSCC was handed out twice"
    conn = connect(load_config(path).state_dir / "state.db")
    issued = {sscc for (sscc,) in conn.execute("SELECT sscc FROM issued_ssccs")}
    assert set(told) <= issued
