"""A scan source over any byte stream: open, read, frame, submit; reopen with backoff on loss.

Serial ports, TCP connections, stdin and HID keyboards differ only in how they open and read
(an `Endpoint` giving a `ByteStream`); the loop, framing and reconnect policy live here once.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from lotedge.core.scan import RawScan
from lotedge.ops import metrics
from lotedge.scanners.base import ScanSink
from lotedge.scanners.framing import Framer, Framing
from lotedge.scanners.reconnect import Backoff, LinkStatus, connected, retry_later

log = logging.getLogger(__name__)


class ByteStream(Protocol):
    """An open device. `read` waits briefly and returns b"" when nothing arrived."""

    def read(self) -> bytes:
        """Bytes received; b"" after a short timeout. Raises OSError when the device is gone."""
        ...

    def close(self) -> None:
        """Release the device."""
        ...


class Endpoint(Protocol):
    """Where a stream comes from (a port path, a TCP address, ...)."""

    description: str

    def connect(self, stop: threading.Event) -> ByteStream | None:
        """Open the device; None if `stop` was set while waiting. Raises OSError on failure."""
        ...

    def close(self) -> None:
        """Release anything kept between connections (e.g. a listening socket)."""
        ...


class StreamSource:
    """A `ScanSource` reading scans from an endpoint, surviving its loss."""

    def __init__(
        self, name: str, endpoint: Endpoint, framing: Framing, backoff: Backoff | None = None
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        self.framing = framing
        self.backoff = backoff or Backoff()
        self.status = LinkStatus()

    def run(self, sink: ScanSink, stop: threading.Event) -> None:
        """Deliver scans to `sink` until `stop` is set."""
        try:
            while not stop.is_set():
                where = self.endpoint.description
                try:
                    stream = self.endpoint.connect(stop)
                except OSError as exc:
                    retry_later(
                        self.status, self.backoff, self.who, f"cannot open {where}: {exc}", stop
                    )
                    continue
                if stream is None:
                    break
                try:
                    self._pump(stream, sink, stop)
                except OSError as exc:
                    stream.close()  # before waiting: release the dead device now
                    self.status.update(losses=self.status.losses + 1)
                    retry_later(self.status, self.backoff, self.who, f"lost {where}: {exc}", stop)
                else:
                    stream.close()
        finally:
            self.endpoint.close()
            self.status.update(connected=False)

    def _pump(self, stream: ByteStream, sink: ScanSink, stop: threading.Event) -> None:
        connected(self.status, self.backoff, self.who, self.endpoint.description)
        framer = Framer(self.framing, self.who)
        counted = 0
        try:
            while not stop.is_set():
                scans = framer.feed(stream.read())
                if framer.discarded > counted:
                    new, counted = framer.discarded - counted, framer.discarded
                    metrics.DISCARDED_FRAMES.labels(self.name).inc(new)
                    self.status.update(discarded=self.status.discarded + new)
                for data in scans:
                    self.status.update(scans=self.status.scans + 1)
                    submit(sink, RawScan(data, source=self.name))
        finally:
            if framer.pending:
                log.warning("scanner %s: dropping partial scan %r", self.name, framer.pending)

    @property
    def who(self) -> str:
        """How logs name this source."""
        return f"scanner {self.name}"


def submit(sink: ScanSink, scan: RawScan) -> None:
    """Hand a scan to the sink; a failing sink is logged and must not stop the reader."""
    try:
        sink(scan)
    except Exception:
        log.exception("%s: the sink failed on %r", scan.source, scan.data)
