"""The local control channel: a Unix socket speaking one JSON object per line each way."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lotedge.agent.codec import BadRequest, request_from_json
from lotedge.agent.requests import Reply, Request
from lotedge.core.limits import MAX_REQUEST_BYTES, load_request
from lotedge.core.reasons import Reason
from lotedge.ops.connections import BoundedThreads

log = logging.getLogger(__name__)
#: A client that neither sends nor reads for this long is cut off.
IO_TIMEOUT_SECONDS = 10.0
BUSY = Reply(False, error="the daemon is busy: too many clients at once; try again", code="busy")
_MAX_LINE = MAX_REQUEST_BYTES + 1  # one more: a longer line is refused, not split


class ControlServer:
    """Serves `{"op": ..., "args": {...}}` lines with `Reply.as_dict()` lines."""

    def __init__(self, path: Path, call: Callable[[Request], Reply]) -> None:
        self.path = path
        self._call = call
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        handler = self._handler_class()
        if path.exists():
            path.unlink()  # the single-instance lock guarantees no live owner
        self._server = _Server(str(path), handler)
        os.chmod(path, 0o660)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="control", daemon=True
        )

    def _handler_class(self) -> type[socketserver.StreamRequestHandler]:
        call, connections, lock, stopping = (
            self._call,
            self._connections,
            self._lock,
            self._stopping,
        )

        class Handler(socketserver.StreamRequestHandler):
            #: Each read and write: a client that stops reading its replies (or sends nothing)
            #: is cut off after this, so a stop never waits longer.
            timeout = IO_TIMEOUT_SECONDS

            def handle(self) -> None:
                with lock:
                    if stopping.is_set():
                        return  # accepted as the stop began: stop() did not see it to close
                    connections.add(self.connection)
                try:
                    for line in iter(lambda: self.rfile.readline(_MAX_LINE), b""):
                        self.wfile.write(json.dumps(answer(line, call)).encode() + b"\n")
                        self.wfile.flush()
                        if len(line) == _MAX_LINE and not line.endswith(b"\n"):
                            _skip_line(self.rfile)  # refused as too large: never parsed
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    return  # the client went away or stalled; its request was still applied
                finally:
                    with lock:
                        connections.discard(self.connection)

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Accept no more; each open connection finishes the request in hand, then closes."""
        self._server.shutdown()
        with self._lock:
            self._stopping.set()
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)  # ends the next readline, not the reply
        self._server.server_close()  # joins the connection threads
        self.path.unlink(missing_ok=True)


class _Server(BoundedThreads, socketserver.UnixStreamServer):
    """16 clients served at once, 128 waiting; one turned away is told the daemon is busy."""

    # stop() waits for each connection to finish the request in hand (block_on_close).
    daemon_threads = False

    def busy(self, request: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(json.dumps(BUSY.as_dict()).encode() + b"\n")


def _skip_line(stream: io.BufferedIOBase) -> None:
    """Read and drop the rest of an over-long line, up to its newline."""
    while (chunk := stream.readline(_MAX_LINE)) and not chunk.endswith(b"\n"):
        pass


def answer(line: bytes, call: Callable[[Request], Reply]) -> dict[str, Any]:
    """One request line to one reply object; bad input gets an error reply, never an exception."""
    try:
        try:
            message = load_request(line)
        except json.JSONDecodeError as exc:  # too deep, too large: ValueError, below
            where = f"{exc.msg.lower()} at character {exc.pos}"
            raise BadRequest(f"the request is not JSON ({where})") from None
        if not isinstance(message, dict):
            raise BadRequest("a request is a JSON object with 'op' and 'args'")
        request = request_from_json(str(message.get("op")), message.get("args", {}))
    except BadRequest as exc:
        return Reply(False, error=str(exc), code=exc.code.value).as_dict()
    except ValueError as exc:  # not JSON, too deep or too large: json's message names where
        return Reply(False, error=str(exc), code=Reason.BAD_JSON.value).as_dict()
    return call(request).as_dict()
