import os

import pytest

from lotedge.scanners.base import open_source
from lotedge.scanners.framing import Framing
from lotedge.scanners.reconnect import Backoff
from lotedge.scanners.stdin import StdinEndpoint
from lotedge.scanners.stream import StreamSource
from lotedge.simulators.scanscript import ScriptError, parse_script, play

from .conftest import running


def test_stdin_lines_are_scans_and_end_of_input_is_survived(collector):
    read_fd, write_fd = os.pipe()
    source = StreamSource("term", StdinEndpoint(read_fd), Framing(), Backoff(0.01, 0.05))
    try:
        with running(source, collector):
            os.write(write_fd, b"#LE:START:BREAD-800\nYST-L1-")
            os.write(write_fd, b"20270131\r\n")
            got = collector.wait_for(2)
            os.close(write_fd)  # end of input: logged, retried, no crash
            assert source.status.wait_for(lambda s: s.losses >= 1, 5)
    finally:
        os.close(read_fd)
    assert got == [b"#LE:START:BREAD-800", b"YST-L1-20270131"]


def test_open_source_knows_hid_and_stdin_urls():
    hid = open_source("wedge", "hid:///dev/input/by-id/usb-X-event-kbd?layout=de&gs=~")
    assert (hid.endpoint.path, hid.endpoint.layout, hid.endpoint.grab) == (
        "/dev/input/by-id/usb-X-event-kbd",
        "de",
        True,
    )
    assert hid.framing == Framing(b"\r", b"~")
    assert open_source("term", "stdin://?suffix=LF").framing == Framing(b"\n", b"")


def test_script_directives():
    sends = parse_script(
        "# c\n@delay 0.5\n@aim ]C1\n@double\n0101234<GS>10A\n@aim off\n@wait 2\nX<x41>\n"
        "@garbage 5\n@noise 3\n"
    )
    assert [s.data for s in sends[:3]] == [b"]C10101234\x1d10A"] * 2 + [b"XA"]
    assert [s.delay for s in sends[:3]] == [0.5, 0.5, 2.5]
    assert len(sends[3].data) == 5 and all(0x21 <= b < 0x7F for b in sends[3].data)
    assert len(sends[4].data) == 3 and not set(sends[4].data) & set(b"\r\n")
    assert parse_script("@garbage 5\n")[0].data == sends[3].data  # seeded: repeatable


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ok\n@dealy 1\n", "line 2: unknown directive @dealy"),
        ("@delay soon\n", "line 1: @delay needs a number, got 'soon'"),
    ],
)
def test_script_errors_name_the_line(text, message):
    with pytest.raises(ScriptError, match=message):
        parse_script(text)


def test_play_adds_the_suffix_and_waits():
    written, slept = [], []
    count = play(parse_script("@delay 1\nA\nB\n"), written.append, b"\r\n", slept.append)
    assert (count, written, slept) == (2, [b"A\r\n", b"B\r\n"], [1.0, 1.0])
