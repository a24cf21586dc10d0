"""A simulated serial or TCP barcode scanner: the far end of the transports the agent reads.

* `PtyScanner`: a pseudo-terminal pair; point the agent at `path` (or the stable `link`), and
  `replug()` to simulate a USB unplug and replug (new pty, same link).
* `TcpScannerServer`: a fixed-mount reader serving TCP; the agent connects with ``tcp://``.
* `TcpScannerClient`: a reader that connects to the agent's ``tcp-listen://`` and reconnects.

All have `write(bytes)`; `scanscript.play` drives them from a scan script.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import tty
from pathlib import Path


class PtyScanner:
    """A serial scanner on a pseudo-terminal (raw mode, so bytes pass unchanged)."""

    def __init__(self, link: str | Path | None = None) -> None:
        self.link = Path(link) if link else None
        self._master = self._slave = -1
        self.path = ""
        self._open()

    def _open(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # keep our slave end open so the pty survives until the agent opens
        self.path = os.ttyname(self._slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.path)
            tmp.replace(self.link)  # atomic: the agent never sees a missing link mid-switch

    @property
    def device(self) -> str:
        """What to point the agent at: the stable link when there is one."""
        return str(self.link) if self.link else self.path

    def write(self, data: bytes) -> None:
        """Send bytes as the scanner would."""
        os.write(self._master, data)

    def unplug(self) -> None:
        """Close the pty: the agent's reads fail as on a USB unplug."""
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def replug(self) -> None:
        """Unplug, then appear again as a new pty behind the same link."""
        self.unplug()
        self._open()

    def close(self) -> None:
        """Unplug for good and remove the link."""
        self.unplug()
        if self.link is not None:
            self.link.unlink(missing_ok=True)


class TcpScannerServer:
    """A reader with a TCP server; `write` sends to the connected agent (waiting for it)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = socket.create_server((host, port))
        self.address: tuple[str, int] = self._server.getsockname()[:2]
        self._conn: socket.socket | None = None

    def accept(self, timeout: float | None = None) -> None:
        """Wait for the agent to connect (replacing any previous connection)."""
        self._server.settimeout(timeout)
        conn, _ = self._server.accept()
        self.drop()
        self._conn = conn

    def write(self, data: bytes) -> None:
        """Send bytes to the agent, accepting its connection first if needed."""
        if self._conn is None:
            self.accept()
        assert self._conn is not None
        self._conn.sendall(data)

    def drop(self) -> None:
        """Close the agent's connection (the agent should reconnect)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Stop serving."""
        self.drop()
        self._server.close()


class TcpScannerClient:
    """A reader that connects to the agent; `write` reconnects until `timeout` if needed."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.address = (host, port)
        self.timeout = timeout
        self._sock: socket.socket | None = None

    def connect(self) -> None:
        """Connect, retrying while the agent is not listening yet."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._sock = socket.create_connection(self.address, timeout=self.timeout)
                return
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def write(self, data: bytes) -> None:
        """Send bytes, connecting first if needed."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        self._sock.sendall(data)

    def close(self) -> None:
        """Disconnect (the agent goes back to waiting for a reader)."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
