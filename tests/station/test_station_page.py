"""The operator station page, driven in headless Chromium, against a running agent whose scanner
is a pty simulator and whose printer is the ZPL printer simulator on TCP."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from tests.core.daemon_helpers import start_daemon
from tests.labels.label_checks import gs1_read
from tests.station.conftest import DESKTOP, NO_PLAYWRIGHT, TOKEN, TOUCHSCREEN, Line

pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
from playwright.sync_api import Page, expect

expect.set_options(timeout=15_000)


def lan_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


LAN = lan_address()
GREEN = "rgb(11, 122, 46)"
RED = "rgb(179, 0, 30)"
AMBER = "rgb(242, 169, 0)"
#: Barcode text is untrusted: a lot number carrying markup must show as text.
MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


def flour(lot: str, sack: int = 1, expires_in: int = 200) -> str:
    """A GS1 DataMatrix on a flour sack (AIM ]d2)."""
    expiry = date.today() + timedelta(days=expires_in)
    return f"]d2010950110153000321{sack}\x1d10{lot}\x1d17{expiry:%y%m%d}"


def yeast(lot: str, expiry: date | None = None) -> str:
    """The yeast vendor's own label, YST-<lot>-<YYYYMMDD>."""
    return f"YST-{lot}-{expiry or date.today() + timedelta(days=30):%Y%m%d}"


def background(page: Page, selector: str) -> str:
    return page.eval_on_selector(selector, "node => getComputedStyle(node).backgroundColor")


def start_bread(line: Line) -> None:
    assert line.control.request("batch.start", product="BREAD", operator="Ann")["status"] == "ok"


def test_a_good_scan_turns_the_panel_green_and_ticks_the_bom(line, open_station, screenshot):
    page = open_station()
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "none")
    start_bread(line)
    flour_item = page.locator("#bom li[data-material=FLOUR]")
    yeast_item = page.locator("#bom li[data-material=YEAST]")
    expect(flour_item).to_have_attribute("data-loaded", "false")
    expect(yeast_item).to_have_attribute("data-loaded", "false")

    line.scan(flour("FL2611A"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "accepted")
    expect(page.locator("#verdict-title")).to_have_text("ACCEPTED")
    expect(page.locator("#verdict-material")).to_contain_text("FLOUR")
    expect(page.locator("#verdict-lot")).to_have_text("FL2611A")
    assert background(page, "#verdict") == GREEN
    expect(flour_item).to_have_attribute("data-loaded", "true")
    expect(flour_item).to_contain_text("FL2611A")
    expect(yeast_item).to_have_attribute("data-loaded", "false")
    expect(page.locator("#recent li").first).to_contain_text("FL2611A")
    expect(page.locator("#batch-operator")).to_have_text("Ann")
    screenshot(page, "accepted")

    line.scan(yeast("Y4711"))
    expect(page.locator("#verdict-lot")).to_have_text("Y4711")
    expect(yeast_item).to_have_attribute("data-loaded", "true")
    expect(yeast_item).to_contain_text("Y4711")
    expect(page.locator("#recent li")).to_have_count(2)
    assert page.get_attribute("#verdict", "data-beeps") is None  # no rejection, no sound


def test_an_expired_lot_turns_the_panel_red_with_the_reason(line, open_station, screenshot):
    start_bread(line)
    page = open_station()
    line.scan(yeast("OLD7", date(2020, 1, 31)))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "rejected")
    expect(page.locator("#verdict-title")).to_have_text("REJECTED")
    expect(page.locator("#verdict-message")).to_contain_text("expired on 2020-01-31")
    expect(page.locator("#verdict-lot")).to_have_text("OLD7")
    expect(page.locator("#verdict-material")).to_contain_text("YEAST")
    assert background(page, "#verdict") == RED
    expect(page.locator("#bom li[data-material=YEAST]")).to_have_attribute("data-loaded", "false")
    expect(page.locator("#recent li").first).to_have_attribute("data-outcome", "rejected")
    expect(page.locator("#verdict")).to_have_attribute("data-beeps", "1")
    screenshot(page, "rejected")

    expect(page.locator("#verdict-also")).to_be_hidden()

    line.scan(flour("FL2611A"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "accepted")
    assert page.get_attribute("#verdict", "data-beeps") == "1"  # a beep per rejection only
    # the next scan took the panel; the rejection just before it stays in view, in red
    missed = page.locator("#verdict-also")
    expect(missed).to_be_visible()
    expect(missed).to_contain_text("OLD7")
    expect(missed).to_contain_text("expired on 2020-01-31")
    assert background(page, "#verdict-also") == RED


def test_start_and_end_a_batch_from_the_page_prints_the_new_lot(line, open_station, screenshot):
    page = open_station()
    expect(page.locator("#end-form")).to_be_hidden()
    page.select_option("#start-product", "BREAD")
    page.fill("#start-operator", "Ann")
    page.fill("#start-planned", "120")
    page.click("#start-form button[type=submit]")
    expect(page.locator("#action-result")).to_have_text("Batch BREAD started.")
    expect(page.locator("#batch-product")).to_contain_text("BREAD")
    expect(page.locator("#batch-operator")).to_have_text("Ann")
    expect(page.locator("#batch-planned")).to_have_text("120")
    batch = line.control.request("status")["data"]["batch"]
    assert (batch["product"], batch["operator"], batch["planned_qty"]) == ("BREAD", "Ann", "120")

    expect(page.locator("#start-form")).to_be_hidden()
    line.scan(flour("FL2611A"))
    line.scan(yeast("Y4711"))
    expect(page.locator("#bom li[data-loaded=true]")).to_have_count(2)
    page.fill("#end-qty", "118")
    page.click("#end-form button[type=submit]")
    expect(page.locator("#action-result")).to_contain_text("Batch ended: lot ")
    lot = re.search(r"lot (\S+)\.$", page.text_content("#action-result") or "").group(1)  # type: ignore[union-attr]
    expect(page.locator("#batch-lot")).to_have_text(lot)
    expect(page.locator("#start-form")).to_be_visible()

    assert line.printer.wait_for_jobs(1, timeout=15)
    label = dict(gs1_read(line.printer.jobs[0].png)["]d2"])
    assert (label["10"], label["01"]) == (lot, "09501101530102")
    expect(page.locator("#batch-label")).to_have_text("label printed")
    screenshot(page, "batch-ended")

    page.click("#reprint")
    expect(page.locator("#action-result")).to_have_text(f"Reprint of lot {lot} queued (1 copy).")
    assert line.printer.wait_for_jobs(2, timeout=15)
    assert dict(gs1_read(line.printer.jobs[1].png)["]d2"])["10"] == lot


def test_a_refused_action_shows_the_reason_in_plain_words(line, open_station):
    start_bread(line)
    page = open_station()
    page.fill("#end-qty", "0")
    page.click("#end-form button[type=submit]")
    expect(page.locator("#action-result")).to_have_attribute("data-ok", "false")
    expect(page.locator("#action-result")).to_have_text(
        "Produced quantity must be more than zero, got 0."
    )
    assert line.control.request("status")["data"]["batch"]["product"] == "BREAD"  # still open


def test_scanned_markup_is_shown_as_text(line, open_station):
    start_bread(line)
    page = open_station()
    line.scan(yeast(MARKUP))
    expect(page.locator("#verdict-lot")).to_have_text(MARKUP)
    expect(page.locator("#bom li[data-material=YEAST]")).to_contain_text(MARKUP)
    expect(page.locator("#recent li").first).to_contain_text(MARKUP)
    assert page.locator("img").count() == 0
    assert page.title() != "pwned"


def test_printer_fault_alert_is_shown_and_acknowledged(line, open_station):
    page = open_station()
    expect(page.locator("#printer")).to_have_attribute("data-ready", "true")
    line.printer.set_fault(paper_out=True)
    expect(page.locator("#printer")).to_have_attribute("data-ready", "false")
    alert = page.locator("#alerts li").first
    expect(alert).to_contain_text("paper")
    alert_id = alert.get_attribute("data-alert-id")
    page.fill("#start-operator", "Ann")
    alert.locator("button.ack").click()
    expect(page.locator(f"#alerts li[data-alert-id='{alert_id}']")).to_have_count(0)
    expect(page.locator("#alerts-box")).to_be_hidden()


def test_a_hold_on_a_loaded_lot_shows_and_raises_an_alert(line, open_station):
    start_bread(line)
    page = open_station()
    line.scan(flour("FL2611A"))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "accepted")
    expect(page.locator("#holds-box")).to_be_hidden()
    held = line.control.request("hold.add", material="FLOUR", lot="FL2611A", reason="mould")
    assert held["status"] == "ok"
    expect(page.locator("#holds li")).to_have_text(["FLOUR lot FL2611Amould"])
    expect(page.locator("#alerts li")).to_contain_text(["Lot FL2611A of FLOUR, now on hold"])

    line.scan(flour("FL2611A", sack=2))  # the next sack of that lot is stopped
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "rejected")
    expect(page.locator("#verdict-message")).to_contain_text("mould")


def test_receiving_mode_and_a_fefo_warning_show(line, open_station, screenshot):
    page = open_station()
    expect(page.locator("#mode")).to_have_text("production")
    line.scan("#LE:RECEIVE")
    expect(page.locator("#mode")).to_have_text("receiving")
    line.scan("#LE:REF:PO4711")
    line.scan(flour("FLOLD", expires_in=100))
    line.scan(flour("FLNEW", expires_in=200))
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "received")
    expect(page.locator("#verdict-lot")).to_have_text("FLNEW")
    assert background(page, "#verdict") == GREEN

    line.scan("#LE:PRODUCE")
    expect(page.locator("#mode")).to_have_text("production")
    start_bread(line)
    line.scan(flour("FLNEW", sack=2))  # the newer lot, while an older one is open: FEFO
    expect(page.locator("#verdict")).to_have_attribute("data-warning", "true")
    expect(page.locator("#verdict-title")).to_have_text("ACCEPTED")
    expect(page.locator("#verdict-warning")).to_contain_text("Use lot FLOLD first")
    expect(page.locator("#recent li").first).to_have_attribute("data-warning", "true")
    assert background(page, "#verdict") == AMBER
    screenshot(page, "fefo-warning")


def in_view(page: Page, selector: str, viewport: dict[str, int]) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_touchscreen_shows_verdict_and_actions_without_scrolling(line, open_station, screenshot):
    page = open_station(TOUCHSCREEN)
    verdict = ["#verdict", "#verdict-title", "#verdict-message", "#live", "#action-result"]
    starting = ["#start-product", "#start-operator", "#start-planned", "#start-form button"]
    for selector in verdict + starting:
        assert in_view(page, selector, TOUCHSCREEN), selector

    start_bread(line)
    line.scan(flour("FL2611A"))
    line.scan(yeast("OLD7", date(2020, 1, 31)))
    expect(page.locator("#recent li")).to_have_count(2)
    ending = ["#end-qty", "#end-form button", "#reprint", "#verdict-material", "#verdict-lot"]
    for selector in verdict + ending:
        assert in_view(page, selector, TOUCHSCREEN), selector
    scroll = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]"
    )
    assert scroll == [TOUCHSCREEN["width"], TOUCHSCREEN["height"]]

    desktop = open_station(DESKTOP)
    expect(desktop.locator("#verdict")).to_have_attribute("data-outcome", "rejected")
    for selector in verdict + ending + ["#bom", "#recent"]:
        assert in_view(desktop, selector, DESKTOP), selector
    screenshot(desktop, "desktop")


def restart_on_the_same_port(line: Line) -> None:
    """Stop the agent and start it again where the open page will look for it."""
    line.stop_agent()
    port = urlsplit(line.url).port
    config = line.config_path.read_text()
    line.config_path.write_text(config.replace("port = 0", f"port = {port}"))
    line.daemon = start_daemon(line.config_path, env={"LOTEDGE_STATION_TOKEN": TOKEN})


def test_a_lost_connection_shows_and_the_page_catches_up_after_a_restart(line, open_station):
    start_bread(line)
    page = open_station(cuts_stream=True)
    expect(page.locator("#batch-product")).to_contain_text("BREAD")
    line.daemon.terminate()
    expect(page.locator("#live")).to_have_attribute("data-state", "closed")
    expect(page.locator("body")).to_have_attribute("data-live", "closed")

    # The agent comes back on the same address, and the batch was ended meanwhile.
    restart_on_the_same_port(line)
    lot = line.control.request("batch.end", qty=10)["data"]["batch"]["lot"]
    expect(page.locator("#live")).to_have_attribute("data-state", "open")
    expect(page.locator("#batch-lot")).to_have_text(lot)
    expect(page.locator("#batch-product")).to_have_text("No open batch")


def test_a_rejection_hidden_by_the_next_scan_still_beeps(line, open_station):
    """Both scans land while the page cannot reconnect: it sees them in one snapshot, the
    accepted one last, and must still sound the rejection."""
    start_bread(line)
    page = open_station(cuts_stream=True)
    page.route("**/api/events", lambda route: route.abort())
    restart_on_the_same_port(line)  # ends the open stream; new ones are held back
    expect(page.locator("#live")).to_have_attribute("data-state", "closed")
    for barcode in (yeast("OLD7", date(2020, 1, 31)), flour("FL2611A")):
        assert line.control.request("scan", data=barcode, source="hopper")["status"] == "ok"
    page.unroute("**/api/events")
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "accepted")
    expect(page.locator("#recent li[data-outcome=rejected]")).to_have_count(1)
    expect(page.locator("#verdict")).to_have_attribute("data-beeps", "1")


@pytest.mark.skipif(LAN is None, reason="no non-loopback address to reach the station from")
@pytest.mark.parametrize(
    "station_section",
    [f'bind = "{LAN}"\nport = 0\ntoken = {{ env = "LOTEDGE_STATION_TOKEN" }}\n'],
)
def test_from_another_address_the_page_needs_its_token_once(line, browser, open_station):
    assert urlsplit(line.url).hostname == LAN  # not loopback: the token is required
    stranger = browser.new_context()
    response = stranger.new_page().goto(line.url)
    assert response is not None and response.status == 401
    stranger.close()

    page = open_station(path=f"?token={TOKEN}", cuts_stream=True)  # sets the cookie; runs on it
    assert "token" not in page.url
    page.fill("#start-operator", "Ann")
    page.click("#start-form button[type=submit]")
    expect(page.locator("#action-result")).to_have_text("Batch BREAD started.")

    # A browser that lost its cookie is told why the page no longer updates.
    page.context.clear_cookies()
    restart_on_the_same_port(line)
    expect(page.locator("#live")).to_have_text("Not signed in")
    expect(page.locator("#action-result")).to_contain_text("needs its token")
