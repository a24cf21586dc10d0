"""HID keyboard-wedge: recorded events through the real adapter; only the USB device is replaced."""

from pathlib import Path

import pytest

from lotedge.scanners.framing import Framing
from lotedge.scanners.hid import HidEndpoint
from lotedge.scanners.hid_keymap import (
    EV_KEY,
    KEY_CAPSLOCK,
    KEY_DOWN,
    KEY_UP,
    decode_events,
    encode_text,
)
from lotedge.scanners.reconnect import Backoff
from lotedge.scanners.stream import StreamSource
from lotedge.simulators.evdev_replay import Recording, ReplayDevice

from .conftest import running

RECORDING = Path(__file__).parents[2] / "simulators" / "scripts" / "bakery_line_hid.json"
EXPECTED = [
    b"#LE:START:BREAD-800:120",
    b"]d20109501101530003\x1d10FL2611a\x1d17270131",
    b"YST-L4711-20270131",
    b"#LE:END:118",
]


def hid_source(devices: list[ReplayDevice]) -> StreamSource:
    opened = iter(devices)
    endpoint = HidEndpoint(
        "/dev/input/by-id/usb-Test-event-kbd", "us", True, lambda _: next(opened)
    )
    return StreamSource("wedge", endpoint, Framing(b"\r"), Backoff(0.01, 0.05))


def test_recorded_events_decode_with_shift_and_gs(collector):
    device = ReplayDevice(Recording.load(RECORDING).events)
    source = hid_source([device])
    with running(source, collector):
        got = collector.wait_for(len(EXPECTED))
        assert device.grabbed
    assert got == EXPECTED


def test_unplugged_keyboard_is_reopened_and_the_next_scans_arrive(collector):
    first = encode_text("YST-L1-20270131\r")
    second = encode_text("YST-L2-20270131\rYST-L3-20270131\r")
    source = hid_source([ReplayDevice(first, unplug_at_end=True), ReplayDevice(second)])
    with running(source, collector):
        got = collector.wait_for(3)
    assert got == [b"YST-L1-20270131", b"YST-L2-20270131", b"YST-L3-20270131"]
    assert source.status.losses == 1 and source.status.connects == 2


@pytest.mark.parametrize("layout", ["us", "de"])
def test_encode_decode_round_trip(layout):
    text = "]d20109501101530003\x1d10Ab-c/(x)yz:_\r"
    assert decode_events(encode_text(text, layout), layout) == text


def test_gs_as_alt_keypad_code():
    assert decode_events(encode_text("10L1\x1d17", gs="alt")) == "10L1\x1d17"


def test_caps_lock_inverts_shift_for_letters_only():
    caps = [(EV_KEY, KEY_CAPSLOCK, KEY_DOWN), (EV_KEY, KEY_CAPSLOCK, KEY_UP)]
    assert decode_events([*caps, *encode_text("aB1!")]) == "Ab1!"


def test_german_layout_swaps_y_and_z_and_has_altgr():
    assert decode_events(encode_text("z", "us"), "de") == "y"
    altgr_q = [(EV_KEY, 100, KEY_DOWN), (EV_KEY, 16, KEY_DOWN), (EV_KEY, 16, KEY_UP)]
    assert decode_events(altgr_q, "de") == "@"


def test_unknown_layout_is_reported():
    with pytest.raises(ValueError, match="unknown keyboard layout 'fr'; known: us, de"):
        decode_events([], "fr")


def test_a_held_key_repeats():
    assert decode_events([(EV_KEY, 30, KEY_DOWN), (EV_KEY, 30, 2), (EV_KEY, 30, KEY_UP)]) == "aa"


def test_a_device_grabbed_elsewhere_is_released_and_retried(collector, caplog):
    class Busy(ReplayDevice):
        def grab(self):
            raise OSError(16, "Device or resource busy")

    busy = Busy([])
    source = hid_source([busy, ReplayDevice(encode_text("YST-L9-20270131\r"))])
    with running(source, collector):
        assert collector.wait_for(1) == [b"YST-L9-20270131"]
    assert busy.closed
    assert (
        "cannot open /dev/input/by-id/usb-Test-event-kbd: [Errno 16] Device or resource busy"
        in (caplog.text)
    )
