"""The station's HTTP server: the page, its assets, the snapshot, the live stream, commands.

Stdlib `HTTPServer` with bounded threads (`ops.connections`): a handful of endpoints,
server-sent events need nothing but a long-lived response, and the device is small (no
framework, no new dependency).

    GET  /                      the page (`/?token=T` logs a browser in with a cookie)
    GET  /static/<file>         its assets, only files that ship in the package's static dir
    GET  /api/state             the snapshot (JSON)
    GET  /api/events            text/event-stream of `state` events
    POST /api/command/<op>      batch.start, batch.end, label.reprint, alert.ack
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import queue
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lotedge.agent.codec import BadRequest, request_from_json
from lotedge.agent.requests import Reply, Request
from lotedge.core.limits import load_request
from lotedge.ops.connections import BoundedThreads, RequestDeadline, http_busy
from lotedge.ops.web import JSON, send
from lotedge.station.access import Access
from lotedge.station.hub import Hub
from lotedge.station.snapshot import Snapshot

log = logging.getLogger(__name__)

#: The operations the page may run; everything else stays with the CLI and the central side.
ALLOWED_OPS = ("batch.start", "batch.end", "label.reprint", "alert.ack")
#: Largest command body accepted (the arguments of one command are a few dozen bytes).
MAX_BODY = 16 * 1024
#: A body up to this size is read and dropped before refusing it; a larger one is cut off.
DRAIN_BODY = 1024 * 1024
STATIC_DIR = Path(__file__).parent / "static"
#: On every response: no sniffing, no framing, no script or style but our own files.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


class StationServer:
    """Serves the station on bind:port (port 0 picks a free one): `start()`, `url`, `stop()`."""

    def __init__(
        self,
        bind: str,
        port: int,
        access: Access,
        hub: Hub,
        call: Callable[[Request], Reply],
        *,
        static_dir: Path = STATIC_DIR,
        keepalive_seconds: float = 15.0,
    ) -> None:
        self.hub = hub
        handler = _handler(access, hub, call, _static_files(static_dir), keepalive_seconds)
        server_class = _Server6 if ":" in bind else _Server
        self._server = server_class((bind, port), handler)
        host = socket.gethostname() if bind in ("0.0.0.0", "::") else bind
        host = f"[{host}]" if ":" in host else host
        self.url = f"http://{host}:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="station-http", daemon=True
        )

    def start(self) -> StationServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end the live streams, close the socket."""
        self._server.shutdown()
        self.hub.stop()
        self._server.server_close()


class _Server(BoundedThreads, HTTPServer):
    """At most 32 connections at once (live streams included); others wait, then get a 503."""

    max_workers = 32

    def busy(self, request: socket.socket) -> None:
        http_busy(request)


class _Server6(_Server):
    address_family = socket.AF_INET6


def _static_files(directory: Path) -> dict[str, Path]:
    """The files that may be served, by name: a URL can only pick one of these."""
    if not directory.is_dir():
        return {}
    return {path.name: path for path in directory.iterdir() if path.is_file()}


def _content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        kind = "text/javascript"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def _reply_body(reply: Reply) -> dict[str, Any]:
    """The control socket's reply with a boolean `ok`, as the page reads it."""
    return {
        "ok": reply.ok,
        "status": "ok" if reply.ok else "error",
        "data": reply.data,
        "error": reply.error or None,
        "code": reply.code or None,
    }


def _hang_up(connection: socket.socket) -> Callable[[], None]:
    def hang_up() -> None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)

    return hang_up


def _handler(
    access: Access,
    hub: Hub,
    call: Callable[[Request], Reply],
    static: dict[str, Path],
    keepalive_seconds: float,
) -> type[BaseHTTPRequestHandler]:
    class Handler(RequestDeadline, BaseHTTPRequestHandler):
        server_version = "lotedge-station"
        #: Socket timeout: a client that stops reading is cut off after this.
        timeout = 60

        # -- routing ---------------------------------------------------------------------
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query.replace("+", "%2B"))  # typed in, not form-encoded
            if url.path == "/" and "token" in query:
                self._login(query["token"][-1])
            elif not self._admitted(url.path):
                return
            elif url.path == "/":
                self._file(static.get("index.html"))
            elif url.path.startswith("/static/"):
                self._file(static.get(unquote(url.path.removeprefix("/static/"))))
            elif url.path == "/api/state":
                self._json(200, hub.current())
            elif url.path == "/api/events":
                self._events()
            elif url.path.startswith("/api/command/"):
                self._error(405, "method_not_allowed", "commands are sent with POST", Allow="POST")
            else:
                self._error(404, "not_found", f"no such page: {url.path}")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if not self._admitted(path):
                return
            if not path.startswith("/api/command/"):
                self._error(405, "method_not_allowed", f"{path} takes GET", Allow="GET")
                return
            self._command(path.removeprefix("/api/command/"))

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        # -- access ----------------------------------------------------------------------
        def _admitted(self, path: str) -> bool:
            client, host = self.client_address[0], self.headers.get("Host")
            if access.allows(
                client, host, self.headers.get("Authorization"), self.headers["Cookie"]
            ):
                return True
            if access.token is None:
                message = (
                    f"the station does not serve {client} at {host}; open it by its address or "
                    "localhost, or ask to add your network to [station] allow"
                )
                self._refuse(path, 403, "forbidden", message)
            else:
                message = (
                    "this station needs its token: open /?token=<token> once in this browser, "
                    "or send 'Authorization: Bearer <token>'"
                )
                self._refuse(path, 401, "unauthorized", message)
            return False

        def _refuse(self, path: str, status: int, code: str, message: str) -> None:
            challenge = {"WWW-Authenticate": 'Bearer realm="lotedge station"'}
            headers = challenge if status == 401 else {}
            if path.startswith("/api/"):
                self._error(status, code, message, **headers)
            else:
                body = f"{message}\n".encode()
                send(self, status, "text/plain; charset=utf-8", body, {**API_HEADERS, **headers})

        def _login(self, token: str) -> None:
            """`/?token=T`: the right token gets the cookie; a trusted client is let through
            without one (being on an allowed network is no reason to carry access elsewhere)."""
            headers = {**API_HEADERS, "Location": "/"}
            if access.login(token):
                headers["Set-Cookie"] = access.cookie_header()
            elif not self._admitted("/"):
                return
            send(self, 303, "text/plain; charset=utf-8", b"go to /\n", headers)

        # -- replies ---------------------------------------------------------------------
        def _json(self, status: int, body: object, **headers: str) -> None:
            text = json.dumps(body, default=str).encode()
            send(self, status, JSON, text, {**API_HEADERS, **headers})

        def _error(self, status: int, code: str, message: str, **headers: str) -> None:
            body = {"ok": False, "status": "error", "data": {}, "error": message, "code": code}
            self._json(status, body, **headers)

        def _file(self, path: Path | None) -> None:
            if path is None:
                self._error(404, "not_found", "no such file")
                return
            body = path.read_bytes()
            headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
            send(self, 200, _content_type(path), body, headers)

        # -- the live stream -------------------------------------------------------------
        def _events(self) -> None:
            stream = hub.subscribe(_hang_up(self.connection))
            self.close_connection = True
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                for name, value in API_HEADERS.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"retry: 2000\n\n")
                sent = self._event(hub.current())
                while True:
                    try:
                        snapshot = stream.queue.get(timeout=keepalive_seconds)
                    except queue.Empty:
                        self.wfile.write(b": keepalive\n\n")
                        continue
                    if snapshot is None:
                        return
                    if snapshot["seq"] > sent:
                        sent = self._event(snapshot)
            except OSError:
                return  # the client left, or was cut off for not keeping up
            finally:
                hub.unsubscribe(stream)

        def _event(self, snapshot: Snapshot) -> int:
            data = json.dumps(snapshot, default=str)
            self.wfile.write(f"event: state\nid: {snapshot['seq']}\ndata: {data}\n\n".encode())
            return snapshot["seq"]

        # -- commands --------------------------------------------------------------------
        def _command(self, op: str) -> None:
            if op not in ALLOWED_OPS:
                message = f"the station may not run {op!r}; it runs {', '.join(ALLOWED_OPS)}"
                self._error(403, "not_allowed", message)
                return
            origin = self.headers.get("Origin")
            if origin and urlsplit(origin).netloc != self.headers.get("Host"):
                self._error(403, "cross_origin", f"commands from {origin} are not accepted")
                return
            if self.headers.get_content_type() != JSON:
                message = "send the arguments as a JSON object with Content-Type: application/json"
                self._error(415, "bad_request", message)
                return
            args = self._body()
            if args is None:
                return
            try:
                request = request_from_json(op, args)
            except BadRequest as exc:
                self._error(400, exc.code, str(exc))
                return
            try:
                reply = call(request)
            except TimeoutError:
                self._error(503, "busy", "the agent did not answer in time; nothing is known")
                return
            self._json(200 if reply.ok else 409, _reply_body(reply))

        def _body(self) -> dict[str, Any] | None:
            """The JSON object in the request body, or None after answering with an error."""
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True
                self._error(411, "bad_request", "a Content-Length header is needed")
                return None
            if not 0 <= length <= MAX_BODY:
                if MAX_BODY < length <= DRAIN_BODY:
                    self.rfile.read(length)  # so the client sees the answer, not a reset
                self.close_connection = True
                self._error(413, "bad_request", f"the body may be at most {MAX_BODY} bytes")
                return None
            try:
                body = self.rfile.read(length)
                self.request_complete()
                args = load_request(body, MAX_BODY)
            except ValueError as exc:  # not JSON (json's message says where), too deep
                self._error(400, "bad_request", f"the body is not valid JSON: {exc}")
                return None
            if not isinstance(args, dict):
                self._error(400, "bad_request", "the body must be a JSON object of arguments")
                return None
            return args

    return Handler
