"""A Zebra-like label printer on TCP: splits the stream into formats and immediate commands,
answers ``~HS``/``~HI`` in the real reply format, holds formats while faulted, and renders every
printed label to PNG with zplkit.

From Python (tests, bench)::

    sim = PrinterSimulator(port=0, out_dir=Path("out")).start()
    ... print to tcp://127.0.0.1:{sim.port} ...
    sim.set_fault(paper_out=True)
    sim.wait_for_jobs(1, timeout=5)
    sim.stop()

From a shell: ``lotedge sim printer --port 9100 --out DIR --control-port 9180`` (see
``lotedge.cli.sim_printer``), with faults switched on stdin or over HTTP
(``curl -X POST 'localhost:9180/fault?paper_out=1'``, ``GET /jobs``, ``GET /status``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import zplkit

from lotedge.printers.status import FAULTS, HostStatus, format_host_status

HOST_IDENTIFICATION_REPLY = b"\x02ZD621-203dpi,V93.21.26Z,8,8176KB\x03\r\n"


class ZplStream:
    """Splits a byte stream into formats (``^XA...^XZ``) and immediate ``~`` commands.

    A ``~`` command is executed as soon as it arrives, even inside a format, as on a printer.

    >>> s = ZplStream()
    >>> s.feed(b"~HS^XA^FDa") + s.feed(b"^FS^XZ junk")
    [('command', b'~HS'), ('format', b'^XA^FDa^FS^XZ')]
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._format: bytes | None = None

    @property
    def partial(self) -> bool:
        """A format has started but its ^XZ has not arrived."""
        return self._format is not None

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        """Add bytes; returns the complete items, in order."""
        self._buffer += data
        items: list[tuple[str, bytes]] = []
        while True:
            tilde = self._buffer.find(b"~")
            if self._format is None:
                start = self._buffer.find(b"^XA")
                if tilde >= 0 and (start < 0 or tilde < start):
                    if not self._take_command(tilde, items):
                        return items
                    continue
                if start < 0:
                    self._buffer = self._buffer[-2:]  # may be the start of a split "^XA"
                    return items
                self._format, self._buffer = b"", self._buffer[start:]
            end = self._buffer.find(b"^XZ")
            if tilde >= 0 and (end < 0 or tilde < end):
                self._format += self._buffer[:tilde]
                self._buffer = self._buffer[tilde:]
                if not self._take_command(0, items):
                    return items
                continue
            if end < 0:
                self._format += self._buffer[:-2]  # the last two may start a split "^XZ"
                self._buffer = self._buffer[-2:]
                return items
            items.append(("format", self._format + self._buffer[: end + 3]))
            self._format, self._buffer = None, self._buffer[end + 3 :]

    def _take_command(self, at: int, items: list[tuple[str, bytes]]) -> bool:
        """Cut the 3-byte ``~XX`` at `at`; False when it is not complete yet."""
        if len(self._buffer) < at + 3:
            self._buffer = self._buffer[at:]
            return False
        items.append(("command", self._buffer[at : at + 3]))
        self._buffer = self._buffer[at + 3 :]
        return True


@dataclass
class PrintedLabel:
    """One format the simulator printed."""

    index: int
    zpl: bytes
    #: time.time() and time.perf_counter() when its last byte arrived.
    received_at: float
    received_perf: float
    png: bytes | None = None
    png_path: Path | None = None
    render_error: str = ""
    rendered: threading.Event = field(default_factory=threading.Event, repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "received_at": self.received_at,
            "bytes": len(self.zpl),
            "png": str(self.png_path) if self.png_path else None,
            "render_error": self.render_error,
        }


class PrinterSimulator:
    """The simulator as an object: ``start()``, ``stop()``, ``port``, ``jobs``, ``set_fault()``."""

    def __init__(
        self,
        port: int = 9100,
        out_dir: Path | None = None,
        *,
        host: str = "127.0.0.1",
        control_port: int | None = None,
        dpi: int = 203,
    ) -> None:
        self.host = host
        self.out_dir = out_dir
        self.dpi = dpi
        self._requested = (port, control_port)
        self.port = port
        self.control_port = control_port
        self.jobs: list[PrintedLabel] = []
        self.commands: list[bytes] = []
        self.held: list[tuple[bytes, float, float]] = []
        self.status = HostStatus()
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._render_queue: queue.Queue[PrintedLabel | None] = queue.Queue()
        self._server: socket.socket | None = None
        self._http: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> PrinterSimulator:
        """Bind (port 0 picks a free one, see ``.port``) and serve in background threads."""
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self._requested[0]))
        server.listen()
        self._server = server
        self.port = server.getsockname()[1]
        self._spawn(self._accept_loop, "printer-sim-accept")
        self._spawn(self._render_loop, "printer-sim-render")
        if self._requested[1] is not None:
            address = (self.host, self._requested[1])
            self._http = ThreadingHTTPServer(address, _control_handler(self))
            self.control_port = self._http.server_address[1]
            self._spawn(self._http.serve_forever, "printer-sim-http", 0.05)
        return self

    def stop(self) -> None:
        """Stop listening, drop connections (held formats are lost, as on power-off)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() in the serving thread
            self._server.close()
        with self._lock:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        self._render_queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: Any, name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- faults ----------------------------------------------------------------------------
    def set_fault(self, **flags: bool) -> None:
        """Switch faults, e.g. ``set_fault(paper_out=True)``; held formats print when clear."""
        unknown = set(flags) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
        with self._lock:
            self.status = dataclasses.replace(self.status, **flags)
            self._release_held()

    def clear_faults(self) -> None:
        self.set_fault(**dict.fromkeys(FAULTS, False))

    def host_status(self) -> HostStatus:
        with self._lock:
            return dataclasses.replace(self.status, formats_in_buffer=len(self.held))

    def wait_for_jobs(self, count: int, timeout: float) -> bool:
        """Wait until `count` labels have printed and rendered; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.jobs) >= count, timeout):
                return False
            jobs = self.jobs[:count]
        return all(j.rendered.wait(max(0.0, deadline - time.monotonic())) for j in jobs)

    def snapshot(self) -> dict[str, Any]:
        """Status for the HTTP control and the stdin ``status`` command."""
        status = self.host_status()
        return {
            "port": self.port,
            "faults": list(status.faults),
            "printed": len(self.jobs),
            "held": len(self.held),
            "commands": [c.decode("ascii", "replace") for c in self.commands[-20:]],
        }

    # -- serving ---------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
            self._spawn(self._serve, "printer-sim-conn", client)

    def _serve(self, client: socket.socket) -> None:
        stream = ZplStream()
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    return
                for kind, item in stream.feed(data):
                    reply = self._command(item) if kind == "command" else self._format(item)
                    if reply:
                        client.sendall(reply)
        except OSError:
            return
        finally:
            with self._lock:
                self._clients.discard(client)
            client.close()

    def _command(self, command: bytes) -> bytes:
        with self._lock:
            self.commands.append(command)
            if command == b"~JA":
                self.held.clear()
        if command == b"~HS":
            return format_host_status(self.host_status())
        if command == b"~HI":
            return HOST_IDENTIFICATION_REPLY
        return b""

    def _format(self, zpl: bytes) -> bytes:
        with self._lock:
            self.held.append((zpl, time.time(), time.perf_counter()))
            self._release_held()
        return b""

    def _release_held(self) -> None:
        """Print held formats unless a fault stops the printer. Caller holds the lock."""
        if self.status.faults:
            return
        for zpl, received_at, received_perf in self.held:
            label = PrintedLabel(len(self.jobs) + 1, zpl, received_at, received_perf)
            self.jobs.append(label)
            self._render_queue.put(label)
        self.held.clear()
        self._lock.notify_all()

    def _render_loop(self) -> None:
        while (label := self._render_queue.get()) is not None:
            try:
                doc = zplkit.render(label.zpl, zplkit.Options(dpi=self.dpi))
                label.png = doc.labels[0].png()
            except (ValueError, IndexError) as exc:
                label.render_error = str(exc) or "no label in format"
            if self.out_dir is not None:
                stem = self.out_dir / f"label-{label.index:05d}"
                stem.with_suffix(".zpl").write_bytes(label.zpl)
                if label.png is not None:
                    label.png_path = stem.with_suffix(".png")
                    label.png_path.write_bytes(label.png)
            label.rendered.set()


def _control_handler(sim: PrinterSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/status":
                self._json(200, sim.snapshot())
            elif path == "/jobs":
                self._json(200, [j.summary() for j in list(sim.jobs)])
            else:
                self._json(404, {"error": "GET /status or /jobs; POST /fault?paper_out=1, /clear"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            try:
                if parts.path == "/fault":
                    query = parse_qs(parts.query)
                    sim.set_fault(**{k: v[-1] in ("1", "true", "on") for k, v in query.items()})
                elif parts.path == "/clear":
                    sim.clear_faults()
                else:
                    raise ValueError("POST /fault?<fault>=0|1 or /clear")
            except ValueError as exc:
                self._json(400, {"error": str(exc)})
                return
            self._json(200, sim.snapshot())

        def _json(self, code: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
