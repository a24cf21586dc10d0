from __future__ import annotations

import dataclasses
import socket
import threading

import pytest
import zxingcpp

from lotedge.core.labels import LabelError, digital_link, gs1_elements
from lotedge.printers.escpos_label import inert
from lotedge.printers.transport import open_printer
from tests.labels.label_checks import escpos_images, eventually, parse_element_string


def decoded(escpos: bytes) -> list[tuple[str, str]]:
    found = []
    for image in escpos_images(escpos):
        for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
            found.append((barcode.symbology_identifier, barcode.bytes.decode()))
    return found


def test_escpos_layout_carries_the_same_gs1_data(renderer, sample):
    out = renderer.render(sample, "lot_label.escpos")
    symbols = decoded(out)
    elements = gs1_elements(sample)
    code128 = [parse_element_string(text) for sid, text in symbols if sid == "]C1"]
    assert code128 == [elements[:3], elements[3:]]
    assert [parse_element_string(t) for sid, t in symbols if sid == "]d2"] == [elements]
    assert [t for sid, t in symbols if sid == "]Q1"] == [
        digital_link("https://id.example.com", sample)
    ]
    for text in (b"Sourdough loaf", b"26032L10007", b"Qty 12.5 kg", b"Operator Ana"):
        assert text in out


def test_escpos_text_cannot_inject_commands(renderer, sample):
    data = dataclasses.replace(sample, operator="Ana\x1b@\x1dV\x00", product_name="Zoé\n")
    out = renderer.render(data, "lot_label.escpos")
    assert b"Operator Ana\\x1B@\\x1DV\\x00\n" in out
    assert b"Zo\x82\\x0A\n" in out  # é in code page 437, the newline shown literally
    assert inert("\x1b") == "\\x1B"


def test_escpos_refuses_what_gs1_forbids(renderer, sample):
    with pytest.raises(LabelError, match=r"AI \(10\) value 'A\[1' contains a bracket"):
        renderer.render(dataclasses.replace(sample, lot="A[1"), "lot_label.escpos")


ONLINE_QUERY, PAPER_QUERY = b"\x10\x04\x01", b"\x10\x04\x04"


class EscposPrinter:
    """A network ESC/POS printer on a real socket: answers DLE EOT status, keeps the rest."""

    def __init__(self) -> None:
        self.paper = True
        self.received = b""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _reply(self, query: bytes) -> bytes:
        if query == ONLINE_QUERY:
            return b"\x12"  # bit 3 clear: online
        return b"\x12" if self.paper else b"\x72"  # 0x72: paper end sensors

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(65536):
                    if data in (ONLINE_QUERY, PAPER_QUERY):
                        conn.sendall(self._reply(data))
                    else:
                        self.received += data


def test_escpos_over_tcp_checks_paper_and_sends(renderer, sample):
    printer = EscposPrinter()
    printer.paper = False
    payload = renderer.render(sample, "lot_label.escpos")
    try:
        with open_printer(f"escpos+tcp://127.0.0.1:{printer.port}", timeout=2) as transport:
            assert transport.health(2).faults == ("paper_out",)
            printer.paper = True
            assert transport.health(2).faults == ()
            transport.send(payload)
        eventually(lambda: printer.received == payload)
    finally:
        printer.server.close()


def test_escpos_printer_that_does_not_answer_is_faulted():
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"escpos+tcp://127.0.0.1:{silent.getsockname()[1]}"
        with open_printer(url, timeout=0.2) as transport:
            assert transport.health(0.2).faults == ("no_answer",)
    finally:
        silent.close()
