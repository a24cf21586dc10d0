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
