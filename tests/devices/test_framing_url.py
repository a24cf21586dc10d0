import pytest

from lotedge.devices.registry import resolve
from lotedge.devices.url import UrlError
from lotedge.scanners.base import open_source
from lotedge.scanners.framing import Framer, Framing


def framing(query: str) -> Framing:
    return Framing.of(resolve(f"stdin://?{query}", "scanner"))


@pytest.mark.parametrize(
    ("query", "chunks", "scans"),
    [
        ("", [b"A\r\nB\n", b"C\r"], [b"A", b"B", b"C"]),
        ("suffix=CR", [b"A\r\nB", b"\r"], [b"A", b"B"]),
        ("suffix=CRLF", [b"A\r", b"\nB\r\n"], [b"A", b"B"]),
        ("suffix=0x03", [b"A\x03B\x03"], [b"A", b"B"]),
        ("gs=~", [b"0101234~10L1\r"], [b"0101234\x1d10L1"]),
        ("", [b"\r\n\r\n"], []),
    ],
)
def test_framer_splits_scans(query, chunks, scans):
    framer = Framer(framing(query))
    got = [scan for chunk in chunks for scan in framer.feed(chunk)]
    assert got == scans


@pytest.mark.parametrize(
    ("query", "chunk", "scan"),
    [
        ("gs=%3CGS%3E", b"]C10101234<GS>10L1<GS>17291231\r", b"]C10101234\x1d10L1\x1d17291231"),
        ("gs=%5E%5D", b"0101234^]10L1\r", b"0101234\x1d10L1"),
        (
            "alt029=1",
            b"]C1010950110153000310L102917291231\r",
            b"]C1010950110153000310L1\x1d17291231",
        ),
        ("alt029=1", b"YST-A029-20291231\r", b"YST-A029-20291231"),  # not GS1: left alone
    ],
)
def test_framer_turns_the_scanners_stand_ins_back_into_gs(query, chunk, scan):
    assert Framer(framing(query)).feed(chunk) == [scan]


def test_an_over_long_frame_is_discarded_up_to_its_suffix(caplog):
    framer = Framer(framing("suffix=CR"), "scanner s1")
    got = framer.feed(b"9" * 3000) + framer.feed(b"9" * 3000)  # over the limit: discarding
    got += framer.feed(b"9" * 3000 + b"TAIL")  # still the same frame
    assert framer.pending == b""
    got += framer.feed(b"MORE\rNEXT\r")  # its suffix ends it; the scan after it counts
    got += framer.feed(b"8" * 5000 + b"\rLAST\r")  # a complete frame over the limit too
    assert got == [b"NEXT", b"LAST"]
    assert framer.discarded == 2
    warnings = [r for r in caplog.records if "discarding it up to the next suffix" in r.message]
    assert len(warnings) == 2 and warnings[0].message.startswith("scanner s1: a frame of more")


def test_framer_keeps_partial_scan_pending():
    framer = Framer(framing("suffix=CR"))
    assert framer.feed(b"0109") == []
    assert framer.pending == b"0109"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "serial:///dev/ttyACM0?baud=fast",
            "expected serial://<device>?baud=N&parity=N|E|O|M|S&bytesize=5|6|7|8&stopbits=1|1.5|2"
            "&suffix=auto|CR|LF|CRLF|TAB|0xHH&gs=TEXT&alt029=1|0: option baud='fast' is not a"
            " positive whole number (in 'serial:///dev/ttyACM0?baud=fast')",
        ),
        (
            "serial:///dev/ttyACM0?bauds=9600",
            "unknown option 'bauds'; did you mean 'baud'?",
        ),
        ("tcp://reader", "expected tcp://<host>:<port>?timeout=SECONDS&"),
        ("tcp://reader", "port is missing"),
        ("tcp://reader:99999", "port '99999' is not a port number"),
        ("serial:///dev/x?suffix=ETX", "option suffix='ETX' is not auto, CR, LF, CRLF, TAB"),
        ("serial:///dev/x?parity=X", "option parity='X' is not one of N, E, O, M, S"),
        ("gopher://x", "unknown scanner scheme gopher://; known: serial, tcp, tcp-listen, hid"),
        ("/dev/ttyACM0", "no scheme; expected e.g. serial:///dev/ttyACM0"),
        ("stdin://tty", "nothing goes between :// and ? here"),
        ("hid://dev/input/x", "give the absolute path of the input device"),
    ],
)
def test_url_errors_name_the_expected_form(url, message):
    with pytest.raises(UrlError) as info:
        open_source("s1", url)
    assert message in str(info.value)


def test_open_source_builds_adapters_by_scheme():
    source = open_source("line1", "serial://loop://?baud=115200&parity=E&suffix=CR")
    assert source.name == "line1"
    assert source.endpoint.port == "loop://"
    assert source.endpoint.settings["baudrate"] == 115200
    assert source.endpoint.settings["parity"] == "E"
    assert source.framing == Framing(b"\r", b"")
