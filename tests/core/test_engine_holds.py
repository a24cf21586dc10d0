"""Holds in the engine on a real SQLite state: every scope rejects, releases let through, a hold
on a lot the open batch already consumed raises an alert, holds survive restarts and upgrades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lotedge.agent.requests import StartBatch, Status
from lotedge.config.loader import load_config
from lotedge.state import holds as hold_list
from lotedge.state.db import connect, migrate
from lotedge.state.schema import MIGRATIONS
from tests.core.test_engine import FLOUR, Line

YEAST = "YST-A12-20290101"
SCOPES = [
    {"lot": "25ABC"},
    {"material": "FLOUR", "lot": "25ABC"},
    {"gtin": "9501101530003", "lot": "25ABC"},
    {"vendor": "northern mills", "lot_from": "9ABZ", "lot_to": "25ABC"},
    {"material": "FLOUR", "lot_from": "25ABA", "lot_to": "25ABZ"},
    {"vendor": "Northern Mills", "lot_prefix": "25A"},
]


@pytest.fixture
def line(config_path: Path) -> Line:
    return Line(config_path)


def alert_messages(line: Line) -> list[dict]:
    rows = line.conn.execute("SELECT payload FROM outbox WHERE topic = 'alerts' ORDER BY seq")
    return [json.loads(payload) for (payload,) in rows]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: "+".join(s))
def test_every_scope_rejects_with_its_reason_until_released(line: Line, scope: dict):
    line.do(StartBatch("BREAD"))
    held = line.command("hold.add", **scope, reason="supplier recall R-17", remote=True)
    assert held.ok, held
    hold_id = held.data["hold"]["hold_id"]
    assert held.data["hold"]["source"] == "remote"
    rejected = line.decide(FLOUR)
    assert rejected["reason"] == "on_hold"
    assert rejected["message"] == (
        f"Wheat flour T55 lot 25ABC is on hold: supplier recall R-17 (hold {hold_id}). "
        "Do not load it; put it aside and call quality."
    )
    assert line.scan(YEAST) == "accepted"  # another vendor's lot is not held
    assert line.command("hold.remove", hold_id=hold_id).ok
    line.tick(10)
    assert line.scan(FLOUR) == "accepted"


def test_a_hold_on_a_lot_already_in_the_open_batch_raises_an_alert(line: Line):
    line.do(StartBatch("BREAD", operator="Ann"))
    line.tick(120)
    assert line.scan(FLOUR) == "accepted"
    held = line.command(
        "hold.add",
        vendor="Northern Mills",
        lot_prefix="25",
        reason="salmonella suspicion",
        hold_id="R-17",
        remote=True,
    )
    assert held.ok, held
    batch = line.do(Status()).data["batch"]
    assert held.data["message"] == (
        "On hold: Northern Mills lots starting 25 (salmonella suspicion; hold R-17). Already "
        "loaded into the open batch BREAD: FLOUR lot 25ABC. Alert 1 raised at the line."
    )
    assert held.data["affected_batch"] == {
        "id": batch["id"],
        "product": "BREAD",
        "started_at": batch["started_at"],
        "loaded": [{"material": "FLOUR", "lot": "25ABC"}],
        "alerts": [1],
    }
    (alert,) = line.do(Status()).data["alerts"]
    expected = (
        "Lot 25ABC of FLOUR, now on hold (salmonella suspicion; hold R-17), was already loaded "
        "into the open batch BREAD started 08:00: set the batch aside and call QA."
    )
    assert (alert["kind"], alert["message"]) == ("held_lot_in_batch", expected)
    assert alert["details"] == {
        "hold_id": "R-17",
        "material": "FLOUR",
        "gtin": "09501101530003",
        "lot": "25ABC",
        "batch": batch["id"],
    }
    (published,) = alert_messages(line)
    assert (published["type"], published["message"], published["lot"]) == (
        "held_lot_in_batch",
        expected,
        "25ABC",
    )

    again = line.command(
        "hold.add", vendor="Northern Mills", lot_prefix="25", reason="confirmed", hold_id="R-17"
    )
    assert again.data["message"].startswith("Still on hold, reason updated: ")
    assert len(line.do(Status()).data["alerts"]) == 1  # a resent hold does not alert again

    released = line.command("hold.remove", hold_id="R-17")
    assert released.data["message"] == (
        "Released from hold: Northern Mills lots starting 25 (hold R-17)."
    )
    assert line.do(Status()).data["alerts"] == []  # the cause went away
    assert [m["type"] for m in alert_messages(line)] == ["held_lot_in_batch", "alert_acknowledged"]
    assert alert_messages(line)[1]["by"] == "release of hold R-17"


def test_a_hold_on_lots_not_loaded_raises_no_alert(line: Line):
    line.do(StartBatch("BREAD"))
    assert line.scan(FLOUR) == "accepted"
    held = line.command("hold.add", material="FLOUR", lot="OTHER", reason="recall")
    assert held.data["affected_batch"] is None
    assert held.data["message"] == (
        f"On hold: FLOUR lot OTHER (recall; hold {held.data['hold']['hold_id']})."
    )
    assert line.do(Status()).data["alerts"] == [] and alert_messages(line) == []


def test_hold_ids_scopes_and_releases(line: Line):
    first = line.command("hold.add", material="FLOUR", lot="L1", reason="recall")
    same = line.command("hold.add", material="FLOUR", lot="L1", reason="recall, confirmed")
    assert first.data["hold"]["hold_id"] == same.data["hold"]["hold_id"]  # one hold, updated
    assert first.data["hold"]["source"] == "local"
    central = line.command("hold.add", material="FLOUR", lot="L1", reason="R-9", hold_id="R-9")
    assert central.ok  # a second hold on the same scope, from elsewhere
    listing = line.command("hold.list").data
    assert [(h["hold_id"], h["held"], h["reason"]) for h in listing["holds"]] == [
        (first.data["hold"]["hold_id"], "FLOUR lot L1", "recall, confirmed"),
        ("R-9", "FLOUR lot L1", "R-9"),
    ]
    assert listing["message"].splitlines()[1] == (
        "R-9  FLOUR lot L1: R-9 (local, since 2026-11-25 08:00)"
    )
    released = line.command("hold.remove", material="FLOUR", lot="L1")  # by scope: both
    assert len(released.data["released"]) == 2
    assert line.command("hold.list").data["message"] == "Nothing is on hold."
    missing = line.command("hold.remove", hold_id="R-9")
    assert (missing.code, missing.error) == ("not_found", "no hold has id 'R-9'")
    unknown = line.command("hold.add", vendor="Nothern Mills", lot_prefix="V", reason="x")
    assert unknown.code == "unknown_vendor" and "did you mean 'Northern Mills'" in unknown.error


def test_a_store_hold_covers_many_lots_under_one_id(line: Line):
    """The trace store's forward-trace hold: one hold id, one `hold.add` per lot (any
    material), released lot by lot (`hold.remove` with the id and the lot) or all at once."""
    line.do(StartBatch("BREAD"))
    assert line.scan(FLOUR) == "accepted"
    assert line.scan("]C10109501101530003174901311025ABD") == "accepted"
    store = {"hold_id": "urn:uuid:h1", "material": "*", "remote": True}
    for lot in ("25ABC", "25ABD", "26XYZ"):
        reply = line.command("hold.add", **store, lot=lot, reason="forward trace of NM26")
        assert reply.ok and reply.data["hold"]["source"] == "remote"
    assert [a["details"]["lot"] for a in line.do(Status()).data["alerts"]] == ["25ABC", "25ABD"]
    partly = line.command("hold.remove", **store, lot="25ABC")
    assert partly.data["message"] == (
        "Released from hold: lot 25ABC of any material (hold urn:uuid:h1)."
    )
    assert [a["details"]["lot"] for a in line.do(Status()).data["alerts"]] == ["25ABD"]
    line.tick(10)
    assert line.scan(FLOUR) == "accepted"
    assert line.scan("]C10109501101530003174901311026XYZ") == "on_hold"
    rest = line.command("hold.remove", hold_id="urn:uuid:h1")
    assert [h["lot"] for h in rest.data["released"]] == ["25ABD", "26XYZ"]
    assert line.do(Status()).data["alerts"] == []
    gone = line.command("hold.remove", **store, lot="25ABD")
    assert (gone.code, gone.error) == (
        "not_found",
        "hold 'urn:uuid:h1' does not hold lot 25ABD of any material",
    )


def test_a_scan_reads_only_the_holds_that_can_match_its_lots(line: Line):
    """Lot holds naming other lots are left out; range and prefix holds always come."""
    for lot in ("L1", "L2", "L3"):
        assert line.command("hold.add", material="*", lot=lot, reason="r").ok
    ranged = {"material": "FLOUR", "lot_from": "A1", "lot_to": "A9", "reason": "r"}
    assert line.command("hold.add", **ranged).ok
    assert line.command("hold.add", material="FLOUR", lot_prefix="B", reason="r").ok
    relevant = hold_list.for_lots(line.conn, {"L3", "L1"})
    assert [h.scope.describe() for h in relevant] == [
        "lot L1 of any material",
        "lot L3 of any material",
        "FLOUR lots A1 to A9",
        "FLOUR lots starting B",
    ]
    no_lot = hold_list.for_lots(line.conn, set())
    assert [h.scope.describe() for h in no_lot] == ["FLOUR lots A1 to A9", "FLOUR lots starting B"]


def test_holds_survive_a_restart(config_path: Path):
    first = Line(config_path)
    first.command("hold.add", gtin="09501101530003", lot="25ABC", reason="recall R-3")
    first.conn.close()
    second = Line(config_path)
    second.do(StartBatch("BREAD"))
    assert second.scan(FLOUR) == "on_hold"


@pytest.mark.parametrize("version", [v for v, *_ in MIGRATIONS if v < 7])
def test_old_holds_are_kept_by_the_upgrade(config_path: Path, version: int):
    """A state made by an older lotedge (schema `version`) with an old-style hold, upgraded."""
    state_dir = load_config(config_path).state_dir
    state_dir.mkdir()
    old = connect(state_dir / "state.db")
    migrate(old, upto=version)
    old.execute(
        "INSERT INTO holds (material, lot, reason, added_at) VALUES"
        " ('FLOUR', '25ABC', 'old recall', '2026-11-20T10:00:00+01:00')"
    )
    old.close()
    line = Line(config_path)
    line.do(StartBatch("BREAD"))
    assert line.scan(FLOUR) == "on_hold"
    (hold,) = line.command("hold.list").data["holds"]
    assert (hold["held"], hold["reason"], hold["source"]) == (
        "FLOUR lot 25ABC",
        "old recall",
        "local",
    )
    again = line.command("hold.add", material="FLOUR", lot="25ABC", reason="old recall")
    assert again.data["hold"]["hold_id"] == hold["hold_id"]  # the same hold, not a second one
    assert line.command("hold.remove", material="FLOUR", lot="25ABC").ok
    line.tick(10)
    assert line.scan(FLOUR) == "accepted"
