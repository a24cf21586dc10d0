"""Bounds on the connections of the agent's and the store's servers (stdlib socketserver):
a real listen backlog, a fixed number of worker threads, and a deadline for a request to
arrive whole, so neither many clients nor a slow one can exhaust the process or hold up a stop.

`BoundedThreads` replaces `ThreadingMixIn`'s one thread per connection without limit: the
accept loop waits up to `slot_wait_seconds` for a free worker, then turns the connection away
(`busy`), so the backlog keeps the others waiting and the loop still sees a shutdown.
`RequestDeadline` is for `BaseHTTPRequestHandler`s: a request whose line, headers and body do
not arrive within `request_deadline_seconds` is cut off (a slowloris cannot keep a worker).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any

#: Pending connections the kernel queues for a server (socketserver's default is 5).
BACKLOG = 128


class BoundedThreads(socketserver.ThreadingMixIn):
    """At most `max_workers` connections served at once; the rest wait in the backlog."""

    max_workers = 16
    slot_wait_seconds = 2.0
    request_queue_size = BACKLOG
    daemon_threads = True
    _slots: threading.BoundedSemaphore | None = None

    def _semaphore(self) -> threading.BoundedSemaphore:
        if self._slots is None:
            self._slots = threading.BoundedSemaphore(self.max_workers)
        return self._slots

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._semaphore().acquire(timeout=self.slot_wait_seconds):
            self.busy(request)
            self.shutdown_request(request)  # type: ignore[attr-defined]
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._semaphore().release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._semaphore().release()

    def busy(self, request: socket.socket) -> None:
        """Tell a connection turned away why, if the protocol has a way (default: nothing)."""


class RequestDeadline:
    """Mixin for `BaseHTTPRequestHandler`: each request must arrive whole (request line,
    headers and the body the handler reads) within `request_deadline_seconds`. A request
    without a body is complete once its headers are in; a handler that reads a body calls
    `request_complete()` after it."""

    request_deadline_seconds = 5.0
    connection: socket.socket
    _timer: threading.Timer | None = None

    def handle_one_request(self) -> None:
        self._timer = threading.Timer(self.request_deadline_seconds, self._cut_off)
        self._timer.daemon = True
        self._timer.start()
        try:
            super().handle_one_request()  # type: ignore[misc]
        finally:
            self.request_complete()

    def parse_request(self) -> bool:
        parsed: bool = super().parse_request()  # type: ignore[misc]
        if parsed and not int(self.headers.get("Content-Length") or 0):  # type: ignore[attr-defined]
            self.request_complete()  # nothing more to arrive (a stream may now run long)
        return parsed

    def request_complete(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _cut_off(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def http_busy(request: socket.socket) -> None:
    """A plain 503 for an HTTP connection turned away (best effort, never blocks long)."""
    with contextlib.suppress(OSError):
        request.settimeout(1.0)
        body = b'{"error": "busy", "message": "too many connections; try again"}\n'
        request.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            b"Retry-After: 1\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
