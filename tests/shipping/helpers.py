"""Labels and events of the shipping dock tests."""

from __future__ import annotations

import json
from typing import Any

from lotedge.state.db import connect

BREAD_GTIN = "09501101530102"
CAKE_GTIN = "09501101530119"
FAR_FUTURE = "491231"


def case_label(
    lot: str, *, gtin: str = BREAD_GTIN, expiry: str = FAR_FUTURE, extra: str = ""
) -> str:
    """Our case label as a GS1-128 scan: (01) GTIN, (17) expiry, extra AIs, (10) lot."""
    return f"]C101{gtin}17{expiry}{extra}10{lot}"


def pallet_label(sscc: str) -> str:
    return f"]C100{sscc}"


def events(conn, kind: str | None = None) -> list[dict[str, Any]]:
    """The EPCIS events queued in the outbox (of one type), oldest first."""
    rows = conn.execute("SELECT payload FROM outbox WHERE topic = 'events' ORDER BY seq")
    found = [json.loads(payload) for (payload,) in rows]
    return [e for e in found if kind is None or e["type"] == kind]


def state_events(state_dir, kind: str | None = None) -> list[dict[str, Any]]:
    return events(connect(state_dir / "state.db"), kind)
