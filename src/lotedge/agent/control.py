"""The local control channel: a Unix socket speaking one JSON object per line each way."""

from __future__ import annotations

import contextlib
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
from lotedge.core.reasons import Reason

log = logging.getLogger(__name__)
_MAX_LINE = 64 * 1024


class ControlServer:
    """Serves `{"op": ..., "args": {...}}` lines with `Reply.as_dict()` lines."""

    def __init__(self, path: Path, call: Callable[[Request], Reply]) -> None:
        self.path = path
        self._call = call
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        handler = self._handler_class()
        if path.exists():
            path.unlink()  # the single-instance lock guarantees no live owner
        self._server = socketserver.ThreadingUnixStreamServer(str(path), handler)
        # stop() waits for each connection to finish the request in hand (block_on_close).
        self._server.daemon_threads = False
        os.chmod(path, 0o660)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="control", daemon=True
        )

    def _handler_class(self) -> type[socketserver.StreamRequestHandler]:
        call, connections, lock = self._call, self._connections, self._lock

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with lock:
                    connections.add(self.connection)
                try:
                    for line in iter(lambda: self.rfile.readline(_MAX_LINE), b""):
                        self.wfile.write(json.dumps(answer(line, call)).encode() + b"\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client went away; its request, if any, was still applied
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
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)  # ends the next readline, not the reply
        self._server.server_close()  # joins the connection threads
        self.path.unlink(missing_ok=True)


def answer(line: bytes, call: Callable[[Request], Reply]) -> dict[str, Any]:
    """One request line to one reply object; bad input gets an error reply, never an exception."""
    try:
        try:
            message = json.loads(line)
        except json.JSONDecodeError as exc:
            where = f"{exc.msg.lower()} at character {exc.pos}"
            raise BadRequest(f"the request is not JSON ({where})") from None
        if not isinstance(message, dict):
            raise BadRequest("a request is a JSON object with 'op' and 'args'")
        request = request_from_json(str(message.get("op")), message.get("args", {}))
    except BadRequest as exc:
        return Reply(False, error=str(exc), code=exc.code.value).as_dict()
    except ValueError as exc:
        return Reply(False, error=str(exc), code=Reason.BAD_REQUEST.value).as_dict()
    return call(request).as_dict()
