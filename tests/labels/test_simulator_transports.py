from __future__ import annotations

import itertools
import json
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.core.labels import gs1_elements
from lotedge.devices.url import UrlError
from lotedge.printers.status import HostStatus, format_host_status, parse_host_status
from lotedge.printers.transport import PrinterError, open_printer
from lotedge.simulators.printer import PrinterSimulator, ZplStream
from tests.labels.label_checks import TEMPLATE, gs1_read


@pytest.fixture
def sim(tmp_path):
    simulator = PrinterSimulator(port=0, out_dir=tmp_path / "printed", control_port=0).start()
    yield simulator
    simulator.stop()


STREAM = b"~HS^XA^FH^FDone^FS^XZ\r\n~HI^XA^FDtwo~JA^FS^XZ"


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM) - 1), unique=True))
def test_stream_split_does_not_depend_on_chunking(cuts):
    stream = ZplStream()
    edges = [0, *sorted(cuts), len(STREAM)]
    items = [i for a, b in itertools.pairwise(edges) for i in stream.feed(STREAM[a:b])]
    assert items == [
        ("command", b"~HS"),
        ("format", b"^XA^FH^FDone^FS^XZ"),
        ("command", b"~HI"),
        ("command", b"~JA"),
        ("format", b"^XA^FDtwo^FS^XZ"),
    ]


def test_host_status_reply_has_the_real_framing():
    reply = format_host_status(HostStatus(paused=True, head_open=True, formats_in_buffer=2))
    lines = reply.split(b"\r\n")
    assert lines[0] == b"\x02030,0,1,0000,002,0,0,0,000,0,0,0\x03"
    assert lines[1] == b"\x02001,0,1,0,1,2,6,0,00000000,1,000\x03"
    assert lines[2] == b"\x021234,0\x03"
    assert parse_host_status(reply).faults == ("paused", "head_open")


def test_malformed_status_is_quoted():
    with pytest.raises(ValueError, match=r"not a ~HS reply .*: b'\\x02nope\\x03'"):
        parse_host_status(b"\x02nope\x03")


def test_tcp_label_prints_and_renders(sim, renderer, sample):
    with open_printer(f"tcp://127.0.0.1:{sim.port}") as printer:
        assert printer.health(2).faults == ()
        printer.send(renderer.render(sample, TEMPLATE))
    assert sim.wait_for_jobs(1, timeout=10)
    label = sim.jobs[0]
    assert label.png_path is not None and label.png_path.read_bytes() == label.png
    assert gs1_read(label.png)["]d2"] == gs1_elements(sample)


def test_faults_hold_formats_until_cleared(sim):
    sim.set_fault(paper_out=True)
    with open_printer(f"tcp://127.0.0.1:{sim.port}") as printer:
        printer.send(b"^XA^FO10,10^A0N,30,30^FDx^FS^XZ")
        assert printer.health(2).faults == ("paper_out",)
        status = parse_host_status(printer.query(b"~HS", 2, lambda r: r.count(b"\x03") == 3))
    assert status.formats_in_buffer == 1 and sim.jobs == []
    sim.clear_faults()
    assert sim.wait_for_jobs(1, timeout=5)


def test_http_control_switches_faults_and_lists_jobs(sim):
    base = f"http://127.0.0.1:{sim.control_port}"
    request = urllib.request.Request(f"{base}/fault?head_open=1", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["faults"] == ["head_open"]
    with open_printer(f"tcp://127.0.0.1:{sim.port}") as printer:
        assert printer.health(2).faults == ("head_open",)
        assert printer.query(b"~HI", 2, lambda r: b"\x03" in r).startswith(b"\x02ZD621")
    with urllib.request.urlopen(urllib.request.Request(f"{base}/clear", method="POST")) as r:
        assert json.load(r)["faults"] == []
    assert sim.wait_for_jobs(0, timeout=1)
    with urllib.request.urlopen(f"{base}/jobs", timeout=5) as response:
        assert json.load(response) == []


def test_unreachable_printer_is_a_printer_error():
    stopped = PrinterSimulator(port=0).start()
    stopped.stop()
    with pytest.raises(PrinterError, match=f"cannot connect to printer 127.0.0.1:{stopped.port}"):
        open_printer(f"tcp://127.0.0.1:{stopped.port}", timeout=2)


def test_directory_spool_writes_whole_files(tmp_path):
    with open_printer(f"dir://{tmp_path}/spool") as printer:
        assert printer.health(1).checked is False
        printer.send(b"^XA^XZ")
    assert [p.read_bytes() for p in (tmp_path / "spool").glob("*.zpl")] == [b"^XA^XZ"]


@pytest.mark.parametrize("url", ["serial://loop://?baud=19200", "serial+loop://?baud=19200"])
def test_serial_loop_answers_what_it_is_sent(url):
    """serial+loop:// is the old spelling of serial://loop://, still read."""
    with open_printer(url) as printer:
        assert printer.query(b"~HS", 1, lambda r: len(r) == 3) == b"~HS"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("lpt://x", r"unknown printer scheme lpt://; known: tcp, serial, cups, dir, escpos\+tcp"),
        ("tcp://:9100", r"expected tcp://<host>\[:<port>\]: host is missing \(in 'tcp://:9100'\)"),
        ("tcp://h:99999", r"expected tcp://<host>\[:<port>\]: port '99999' is not a port number"),
        ("dir://relative", r"expected dir:///<directory>: give the absolute path"),
        ("serial:///dev/x?bad=1", r"unknown option 'bad'; did you mean 'baud'\?"),
        ("serial:///dev/x?xyz=1", r"unknown option 'xyz'; known: baud, parity, bytesize, stop"),
        ("serial:///dev/x?baud=x", r"option baud='x' is not a positive whole number"),
        ("escpos+usb://4b8", r"vendor and product ids must be hex, like 04b8:0202"),
        ("cups://", r"the queue name is missing"),
    ],
)
def test_bad_urls_show_the_expected_form(url, message):
    with pytest.raises(UrlError, match=message):
        open_printer(url)


def test_missing_serial_device_is_a_printer_error(tmp_path):
    with pytest.raises(PrinterError, match="cannot open serial printer"):
        open_printer(f"serial://{tmp_path}/ttyNONE")


def test_cups_without_lpr_is_a_printer_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with (
        open_printer("cups://zebra_line") as printer,
        pytest.raises(PrinterError, match="cannot submit to CUPS queue zebra_line"),
    ):
        printer.send(b"^XA^XZ")


def test_serial_transport_through_pyserial_socket_url(sim):
    with open_printer(f"serial://socket://127.0.0.1:{sim.port}", timeout=2) as printer:
        sim.set_fault(ribbon_out=True)
        assert printer.health(2).faults == ("ribbon_out",)
        sim.clear_faults()
        printer.send(b"^XA^FO10,10^A0N,30,30^FH^FDserial^FS^XZ")
    assert sim.wait_for_jobs(1, timeout=5)
