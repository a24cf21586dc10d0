"""The station page at the shipping dock, in headless Chromium against a running agent: the
mode, the open pallet and its contents, the ship-to, and the dock's verdicts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.shipping.helpers import case_label
from tests.station.conftest import NO_PLAYWRIGHT

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
from playwright.sync_api import expect

expect.set_options(timeout=15_000)
GREEN = "rgb(11, 122, 46)"


def test_shipping_mode_shows_the_pallet_its_contents_and_the_ship_to(
    line, open_station, screenshot
):
    page = open_station()
    expect(page.locator("#dock-box")).to_be_hidden()
    line.scan("#LE:SHIP")
    expect(page.locator("#mode")).to_have_text("shipping")
    expect(page.locator("#dock-pallet")).to_have_text("No open pallet")
    line.scan("#LE:PALLET:SHOPCO")
    expect(page.locator("#dock-pallet")).to_contain_text("for SHOPCO")
    line.scan(case_label("26339L10001"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "packed")
    expect(page.locator("#verdict-title")).to_have_text("PACKED")
    color = page.locator("#verdict").evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == GREEN
    expect(page.locator("#dock-contents li")).to_have_text(
        ["White loaf 800 g lot 26339L100011 case(s)"]
    )
    line.scan("#LE:TO:CORNER")
    expect(page.locator("#dock-ship-to")).to_contain_text("CORNER")
    line.scan(case_label("EXPIRED1", expiry="200101"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "rejected")
    expect(page.locator("#verdict-message")).to_contain_text("expired on 2020-01-01")
    screenshot(page, "shipping-dock")
    line.scan("#LE:PRODUCE")
    expect(page.locator("#dock-box")).to_be_hidden()


def test_the_dock_warns_fefo_and_lists_short_dated_stock(line, open_station, screenshot):
    """The store's stock push (here over the control socket: the same request MQTT carries)
    gives the dock an older lot: a younger case is packed with the warning naming it, and the
    lots expiring within `short_dated_days` are listed, oldest first."""
    today = date.today()
    soon, later = today + timedelta(days=3), today + timedelta(days=200)
    lots = [
        {"lot": "OLDER1", "expiry": soon.isoformat(), "on_hand": 24},
        {"lot": "YOUNGER2", "expiry": later.isoformat(), "on_hand": 96},
    ]
    pushed = line.control.request("stock.lots", product="BREAD", lots=lots, replace=True)
    assert pushed["status"] == "ok", pushed
    page = open_station()
    line.scan("#LE:SHIP")
    expect(page.locator("#dock-short-title")).to_have_text("Short-dated stock (within 14 days)")
    expect(page.locator("#dock-short li")).to_have_text(
        [f"BREAD lot OLDER1{soon.isoformat()}, 3 day(s) left, 24 in stock"]
    )
    line.scan("#LE:PALLET")
    line.scan(case_label("YOUNGER2", expiry=f"{later:%y%m%d}"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "packed")
    expect(page.locator("#verdict-warning")).to_have_text(
        f"Ship lot OLDER1 first (expires {soon.isoformat()}); this lot expires {later.isoformat()}."
    )
    screenshot(page, "shipping-fefo")
