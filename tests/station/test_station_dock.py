"""The station page at the shipping dock, in headless Chromium against a running agent: the
mode, the open pallet and its contents, the ship-to, and the dock's verdicts."""

from __future__ import annotations

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
