"""The shipping dock through the real daemon: modes, pallets and their SSCCs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, lotedge, start_daemon


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
