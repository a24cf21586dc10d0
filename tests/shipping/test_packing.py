"""Packing at the dock, on the engine with a hand-driven clock: pallets, cases, refusals."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from lotedge.agent.requests import PalletOpen
from lotedge.state.db import transaction
from lotedge.state.shipping import allocate_sscc
from tests.conftest import write_config
from tests.core.test_engine import T0, Line
from tests.shipping.reasons import SHIPPING_REASONS


@pytest.fixture
def dock(config_path: Path) -> Line:
    line = Line(config_path)
    assert line.scan("#LE:SHIP") == "mode_set"
    return line


def _reason(reply) -> str:
    return reply.data["reason"] if reply.ok else reply.code


def test_every_shipping_reason_is_reachable(dock: Line, tmp_path: Path):
    seen = {_reason(dock.command("pallet.open", customer="NOBODY"))}
    seen.add(_reason(dock.command("pallet.open", customer="SHOPCO")))
    seen.add(_reason(dock.do(PalletOpen())))

    full = tmp_path / "full"
    full.mkdir()
    small = Line(write_config(full, replace={'"9520123"': '"952012345678"'}))
    assert small.config.shipping is not None
    with transaction(small.conn):
        for _ in range(small.config.shipping.sscc.capacity):
            allocate_sscc(
                small.conn, small.config.shipping.sscc, pallet_id=str(uuid.uuid4()), now=T0
            )
    seen.add(_reason(small.do(PalletOpen())))

    off = tmp_path / "off"
    off.mkdir()
    path = write_config(off)
    text = path.read_text()
    path.write_text(text[: text.index("[shipping]")] + text[text.index("# Customers") :])
    seen.add(Line(path).scan("#LE:SHIP"))
    assert seen == SHIPPING_REASONS
