"""Issue 21, findings 8 and 9: connections. The control socket of a real daemon serves 40
clients at once (a real backlog, bounded workers), a client that never reads its replies cannot
hold up SIGTERM beyond the unit's stop timeout; the station and the store's API cut off a
request that does not arrive whole (slowloris)."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lotedge.store.api import TraceApi, make_server
from lotedge.store.db import Database
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.broker import MOSQUITTO, free_port
from tests.security.conftest import Line

#: `TimeoutStopSec` of systemd/lotedge.service: SIGTERM must end the daemon within it.
UNIT_STOP_TIMEOUT = 30


def test_forty_clients_at_once_all_get_their_answers(line: Line):
    def calls(_n: int) -> list[str]:
        client = control_client(line.config_path)
        return [client.request("status")["status"] for _ in range(10)]

    with ThreadPoolExecutor(40) as pool:
        answers = [status for statuses in pool.map(calls, range(40)) for status in statuses]
    assert answers == ["ok"] * 400


def test_sigterm_ends_the_daemon_behind_a_client_that_never_reads(tmp_path: Path):
    path = write_config(tmp_path)
    daemon = start_daemon(path)
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(str(control_client(path).path))
        stuck.setblocking(False)
        request = json.dumps({"op": "hold.list"}).encode() + b"\n"
        sent = 0
        with pytest.raises(BlockingIOError):  # until the daemon stops reading: it is stuck
            while sent < 50_000_000:
                sent += stuck.send(request * 64)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(UNIT_STOP_TIMEOUT) == 0
    finally:
        stuck.close()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def unanswered(host: str, port: int, partial: bytes, wait: float) -> bytes:
    """Send the start of a request and nothing more; what the server sends before it hangs up
    (raises TimeoutError if it keeps the connection beyond `wait`)."""
    with socket.create_connection((host, port), timeout=wait) as conn:
        conn.sendall(partial)
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
        return received


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")
def test_the_station_cuts_off_a_request_that_never_completes(line: Line):
    host, port = line.station.host.rsplit(":", 1)
    started = time.monotonic()
    unanswered(host, int(port), b"GET /api/state HTTP/1.1\r\nHost: x\r\nX-Slow: 1", wait=30)
    assert time.monotonic() - started < 30  # bounded: cut off, not served for ever
    status, body = line.station.command("batch.start", {"product": "NOPE"})
    assert status == 409 and body["code"] == "unknown_product"  # it still serves others


def test_the_station_cuts_off_a_body_that_never_completes(line: Line):
    host, port = line.station.host.rsplit(":", 1)
    head = (
        f"POST /api/command/batch.start HTTP/1.1\r\nHost: {line.station.host}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    ).encode()
    assert unanswered(host, int(port), head, wait=30) == b""


def test_the_store_api_cuts_off_a_half_sent_request(bakery_url_sqlite: str):
    api = TraceApi(lambda: Database(bakery_url_sqlite), "t")
    port = free_port()
    server = make_server(f"127.0.0.1:{port}", api, request_deadline=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        half = b"GET /v1/lots?lot=F1 HTTP/1.1\r\nHost: x\r\n"
        with ThreadPoolExecutor(40) as pool:  # more than its workers: all cut off, none hangs
            answers = list(pool.map(lambda _: unanswered("127.0.0.1", port, half, 30), range(40)))
        assert all(a == b"" or a.startswith(b"HTTP/1.1 503") for a in answers), answers
    finally:
        server.shutdown()
        server.server_close()
        api.close()


@pytest.fixture
def bakery_url_sqlite(tmp_path: Path) -> str:
    from lotedge.store.ingest import Ingestor
    from tests.store.genealogy_data import bakery

    url = f"sqlite:///{tmp_path / 'trace.db'}"
    with Database(url) as db:
        db.create_schema()
        Ingestor(db).ingest(bakery())
    return url
