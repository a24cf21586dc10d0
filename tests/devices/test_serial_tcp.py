"""Real adapters against the simulators over real ptys and sockets."""

import pytest

from lotedge.apps.broker import free_port
from lotedge.core.scan import parse_scan
from lotedge.scanners.base import open_source
from lotedge.scanners.reconnect import Backoff
from lotedge.simulators.scanner import PtyScanner, TcpScannerClient, TcpScannerServer
from lotedge.simulators.scanscript import SCRIPTS, load_script, parse_script, play

from .conftest import WAIT, running


@pytest.fixture
def pty_scanner(tmp_path):
    scanner = PtyScanner(link=tmp_path / "ttyScanner")
    yield scanner
    scanner.close()


def fast(source):
    source.backoff = Backoff(initial=0.01, maximum=0.05)
    return source


def test_scan_script_over_pty_reaches_the_sink(pty_scanner, collector):
    sends = load_script(SCRIPTS / "bakery_line.scan")
    source = open_source("line1", f"serial://{pty_scanner.device}?baud=9600&suffix=CR")
    with running(source, collector):
        assert source.status.wait_for(lambda s: s.connected, WAIT)
        play(sends, pty_scanner.write, suffix=b"\r", sleep=lambda _: None)
        got = collector.wait_for(len(sends))
    assert got == [s.data for s in sends]
    assert {s.source for s in collector.scans} == {"line1"}
    assert all(s.symbology is None for s in collector.scans)


def test_shipped_script_parses_as_the_example_line_expects(pty_scanner, collector, example):
    sends = load_script(SCRIPTS / "bakery_line.scan")
    source = open_source("line1", f"serial://{pty_scanner.device}?suffix=CR")
    with running(source, collector):
        assert source.status.wait_for(lambda s: s.connected, WAIT)
        play(sends, pty_scanner.write, suffix=b"\r", sleep=lambda _: None)
        collector.wait_for(len(sends))
    parsed = [
        parse_scan(raw, example.materials, example.scan.command_prefix) for raw in collector.scans
    ]
    assert [(p.kind.value, p.material_code, p.lot) for p in parsed] == [
        ("command", None, None),
        ("gs1", "FLOUR", "FL2611A"),
        ("gs1", "SUGAR", "SU-44871"),
        ("vendor", "YEAST", "L4711"),
        ("gs1", "FLOUR", "FL2611A"),  # the double read: two identical scans
        ("gs1", "FLOUR", "FL2611A"),
        ("unreadable", None, None),  # @garbage
        ("unreadable", None, None),  # @noise
        ("command", None, None),
    ]
    assert parsed[1].symbology == "]d2" and parsed[3].symbology == "]C0"


def test_pty_unplugged_and_replugged_mid_run_loses_no_scan_after_return(pty_scanner, collector):
    source = fast(open_source("line1", f"serial://{pty_scanner.device}"))
    with running(source, collector):
        assert source.status.wait_for(lambda s: s.connected, WAIT)
        pty_scanner.write(b"BEFORE\r")
        collector.wait_for(1)
        pty_scanner.unplug()
        assert source.status.wait_for(lambda s: s.losses == 1, WAIT)
        pty_scanner.replug()
        assert source.status.wait_for(lambda s: s.connects == 2 and s.connected, WAIT)
        for n in range(20):
            pty_scanner.write(f"AFTER{n}\r".encode())
        got = collector.wait_for(21)
    assert got == [b"BEFORE"] + [f"AFTER{n}".encode() for n in range(20)]


def test_tcp_client_mode_reconnects_after_the_reader_drops(collector):
    reader = TcpScannerServer()
    host, port = reader.address
    source = fast(open_source("fixed1", f"tcp://{host}:{port}?suffix=CRLF"))
    try:
        with running(source, collector):
            reader.accept(timeout=WAIT)
            reader.write(b"0109501101530003\r\n")
            collector.wait_for(1)
            reader.drop()
            reader.accept(timeout=WAIT)  # the agent comes back by itself
            reader.write(b"0109501101530010\r\n")
            got = collector.wait_for(2)
    finally:
        reader.close()
    assert got == [b"0109501101530003", b"0109501101530010"]
    assert source.status.losses == 1


def test_tcp_listen_mode_accepts_the_reader_again_after_it_disconnects(collector):
    port = free_port()
    source = fast(open_source("fixed2", f"tcp-listen://127.0.0.1:{port}"))
    sends = parse_script("@aim ]C1\n0109501101530003\n@aim off\nYST-L4711-20270131\n")
    with running(source, collector):
        reader = TcpScannerClient("127.0.0.1", port, timeout=WAIT)
        play(sends[:1], reader.write, suffix=b"\r")
        collector.wait_for(1)
        reader.close()
        assert source.status.wait_for(lambda s: s.losses == 1, WAIT)
        play(sends[1:], reader.write, suffix=b"\n")
        got = collector.wait_for(2)
        reader.close()
    assert got == [b"]C10109501101530003", b"YST-L4711-20270131"]


def test_a_failing_sink_does_not_stop_the_reader(pty_scanner, collector):
    def flaky(scan):
        collector(scan)
        if scan.data == b"BOOM":
            raise RuntimeError("engine hiccup")

    source = open_source("line1", f"serial://{pty_scanner.device}")
    with running(source, flaky):
        assert source.status.wait_for(lambda s: s.connected, WAIT)
        pty_scanner.write(b"BOOM\rNEXT\r")
        assert collector.wait_for(2) == [b"BOOM", b"NEXT"]
