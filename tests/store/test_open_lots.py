"""The open lots the store pushes to the lines, from its receipts, consumptions and holds, on
SQLite and PostgreSQL, against answers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lotedge.store import holds
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.open_lots import lots_open_commands, open_lots
from lotedge.store.query import TraceQueries

from .agent_events import consumption, event_id, payload
from .vendor_data import SUPPLIES, receiving_event

TODAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
FLOUR, SALT, YEAST = SUPPLIES  # Mill & Co's FLOUR and Yeast BV's YEAST have GTINs, SALT not

#: (supply, lot, kg received in each receipt (None: the receipt names no quantity), expiry)
RECEIVED = [
    (FLOUR, "A1", [25.0], "2026-12-31"),
    (FLOUR, "A2", [25.0], "2026-12-15"),
    (FLOUR, "A3", [25.0], "2027-01-31"),
    (FLOUR, "A4", [25.0], "2026-11-24"),  # expired yesterday
    (FLOUR, "A5", [25.0], "2027-02-28"),  # held
    (FLOUR, "A6", [25.0], "2026-11-25"),  # expires today: still usable
    (FLOUR, "A7", [None], "2027-03-01"),
    (FLOUR, "A8", [25.0, 25.0], "2027-01-10"),  # delivered twice
    (FLOUR, "A9", [25.0, 4.0], "2027-01-20"),  # twice, the second in units (H87)
    (SALT, "R1", [10.0], None),
    (SALT, "R2", [10.0], "2027-05-01"),
    (YEAST, "Y1", [2.0], "2027-01-01"),
]
#: (supply, lot, quantity, uom) consumed at the lines
CONSUMED = [
    (FLOUR, "A1", 10.0, "KGM"),
    (FLOUR, "A2", 20.0, "KGM"),
    (FLOUR, "A2", 5.0, "KGM"),  # 25 of 25: used up
    (FLOUR, "A3", 24.0, "KGM"),
    (FLOUR, "A3", 30.0, "H87"),  # 30 containers are not 30 kg: A3 stays open (24 < 25 kg)
    (FLOUR, "A7", 100.0, "KGM"),  # no quantity received: open until closed
    (FLOUR, "A8", 40.0, "KGM"),  # 40 of 50
    (FLOUR, "A9", 60.0, "KGM"),  # received in two units: no total, stays open
    (SALT, "R2", 10.0, "KGM"),  # used up
    (YEAST, "Y1", 2.0, "KGM"),  # used up: YEAST has no open lot left
]
OPEN = {
    "FLOUR": [
        {"lot": "A6", "expiry": "2026-11-25"},
        {"lot": "A1", "expiry": "2026-12-31"},
        {"lot": "A8", "expiry": "2027-01-10"},
        {"lot": "A9", "expiry": "2027-01-20"},
        {"lot": "A3", "expiry": "2027-01-31"},
        {"lot": "A7", "expiry": "2027-03-01"},
    ],
    "SALT": [{"lot": "R1", "expiry": None}],  # no expiry: last
    "YEAST": [],  # sent too, so that a line closes what was pushed before
}


def messages() -> list[Message]:
    out = []
    for n, (supply, lot, quantities, expiry) in enumerate(RECEIVED):
        for k, quantity in enumerate(quantities):
            event = receiving_event(
                supply.master_data,
                lot,
                eid=event_id("receipt", n, k),
                when=T0 + timedelta(hours=n, minutes=k),
                reference=f"PO-{n}",
                quantity=quantity or 1.0,
                expiry=date.fromisoformat(expiry) if expiry else None,
                internal=supply.gtin is None,
            )
            item = event["quantityList"][0]
            if quantity is None:
                del item["quantity"], item["uom"]
            elif lot == "A9" and k == 1:
                item["uom"] = "H87"
            out.append(Message(payload(event), "lotedge/v1/PLANT1/GR/events"))
    for n, (supply, lot, quantity, uom) in enumerate(CONSUMED):
        event = consumption(
            supply.epc_class(lot),
            quantity,
            line="L1",
            batch=f"B{n}",
            material=supply.material,
            uom=uom,
            when=T0 + timedelta(days=1, hours=n),
            eid=event_id("use", n),
        )
        out.append(Message(payload(event), "lotedge/v1/PLANT1/L1/events"))
    return out


def stored(db_url: str) -> Database:
    db = Database(db_url)
    db.create_schema()
    assert set(Ingestor(db).ingest(messages())) == {IngestOutcome.STORED}
    lot = TraceQueries(db).resolve("A5")
    holds.issue(db, lot, kind="hold", forward=False, reason="mould")
    return db


def test_open_lots_from_receipts_consumptions_expiry_and_holds(db_url: str):
    with stored(db_url) as db:
        assert open_lots(db, TODAY).by_material == OPEN
        assert open_lots(db, TODAY, "SALT").by_material == {"SALT": OPEN["SALT"]}
        assert open_lots(db, TODAY, "SUGAR").by_material == {"SUGAR": []}  # nothing received
        tomorrow = open_lots(db, TODAY + timedelta(days=1)).by_material["FLOUR"]
        assert [lot["lot"] for lot in tomorrow] == ["A1", "A8", "A9", "A3", "A7"]  # A6 expired


def test_lots_open_commands_are_stable_until_something_changes(db_url: str):
    with stored(db_url) as db:
        first = lots_open_commands(open_lots(db, TODAY))
        assert [(c.key, {**c.args, "list": "?"}) for c in first] == [
            (material, {"material": material, "lots": lots, "list": "?", "page": 1, "pages": 1})
            for material, lots in OPEN.items()
        ]
        assert len({c.args["list"] for c in first}) == len(OPEN)  # a list id per material
        assert all(c.transaction.startswith(f"lots/{c.key}/") for c in first)
        again = lots_open_commands(open_lots(db, TODAY))
        assert [c.transaction for c in again] == [c.transaction for c in first]  # a repeat

        a1 = TraceQueries(db).resolve("A1")
        holds.issue(db, a1, kind="hold", forward=False, reason="check")
        held = lots_open_commands(open_lots(db, TODAY))
        assert [lot["lot"] for lot in held[0].args["lots"]] == ["A6", "A8", "A9", "A3", "A7"]
        holds.release(db, a1, kind="hold")
        released = lots_open_commands(open_lots(db, TODAY))
        assert [c.args["lots"] for c in released] == [c.args["lots"] for c in first]  # again,
        transactions = {c.transaction for c in first} | {c.transaction for c in held}
        assert transactions.isdisjoint(c.transaction for c in released)  # but sent anew
        list_ids = {c.args["list"] for c in first} | {c.args["list"] for c in held}
        assert list_ids.isdisjoint(c.args["list"] for c in released)  # as new lists
