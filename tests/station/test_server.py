"""The server in this process: the page and its assets (only files of the static directory,
never anything beside it), and the stream's keepalives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lotedge.agent.engine import Engine
from lotedge.config.loader import load_config
from lotedge.state.db import STATE_FILE, open_state
from lotedge.station.access import Access
from lotedge.station.hub import Hub
from lotedge.station.server import StationServer
from lotedge.station.snapshot import SnapshotReader
from tests.conftest import write_config
from tests.station.helpers import Station

INDEX = b"<!doctype html><title>station</title><script type=module src=/static/app.js></script>"


#: No token, no allow-list: loopback clients only (these tests are on loopback).
OPEN = Access(None)


@contextmanager
def serving(
    directory: Path, keepalive_seconds: float = 15.0, access: Access = OPEN
) -> Iterator[Station]:
    """A station in this process over a real state, serving a static dir of our own."""
    static = directory / "static"
    static.mkdir()
    (static / "index.html").write_bytes(INDEX)
    (static / "app.js").write_text("export const ok = true;\n")
    (static / "nested").mkdir()
    (static / "nested" / "deep.css").write_text("body {}\n")
    (directory / "secret.txt").write_text("not for the web\n")
    config = load_config(write_config(directory))
    conn = open_state(config.state_dir)
    engine = Engine(config, conn)
    engine.start()
    hub = Hub(SnapshotReader(config, config.state_dir / STATE_FILE, {})).start()
    server = StationServer(
        "127.0.0.1",
        0,
        access,
        hub,
        engine.call,
        static_dir=static,
        keepalive_seconds=keepalive_seconds,
    ).start()
    try:
        yield Station(server.url)
    finally:
        server.stop()
        engine.stop()
        conn.close()


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    with serving(tmp_path_factory.mktemp("station")) as station:
        yield station


def test_the_page_and_its_assets(station: Station):
    page = station.request("GET", "/")
    assert page.status == 200 and page.body == INDEX  # type: ignore[attr-defined]
    assert page.getheader("Content-Type") == "text/html; charset=utf-8"
    assert page.getheader("Content-Security-Policy").startswith("default-src 'self';")
    assert page.getheader("X-Content-Type-Options") == "nosniff"
    script = station.request("GET", "/static/app.js?v=3")
    assert script.status == 200
    assert script.getheader("Content-Type") == "text/javascript; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/..%2Fsecret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E%2Fsecret.txt",
        "/static/..%5Csecret.txt",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/static/nested/deep.css",  # sub-folders are not served either
        "/static/nested",
        "/static/",
        "/static/.",
        "/../../../../etc/passwd",
        "/secret.txt",
        "/index.html",
    ],
)
def test_nothing_outside_the_static_files_is_served(station: Station, path: str):
    response = station.request("GET", path)
    assert response.status == 404, path
    assert b"not for the web" not in response.body  # type: ignore[attr-defined]
    assert b"root:" not in response.body  # type: ignore[attr-defined]


def test_an_idle_stream_gets_keepalive_comments(tmp_path: Path):
    with serving(tmp_path, keepalive_seconds=0.05) as station:
        events = station.events()
        first = events.next()
        lines = [events.response.fp.readline() for _ in range(4)]
        assert lines.count(b": keepalive\n") == 2 and lines.count(b"\n") == 2
        assert station.state()["seq"] == first["seq"]  # nothing changed: no new state
        events.close()


def test_only_the_right_token_earns_the_cookie(tmp_path: Path):
    """A trusted client (here loopback) is let through without the token, but gets no cookie
    it could carry to an address where the token is needed."""
    with serving(tmp_path, access=Access("the-token")) as station:
        wrong = station.request("GET", "/?token=guess")
        assert wrong.status == 303 and wrong.getheader("Set-Cookie") is None
        right = station.request("GET", "/?token=the-token")
        assert right.status == 303 and right.getheader("Location") == "/"
        assert right.getheader("Set-Cookie") == Access("the-token").cookie_header()


def test_a_base64_token_is_taken_as_typed(tmp_path: Path):
    """`openssl rand -base64` gives `+`, `/` and `=`: typed into the address bar, they arrive as
    they are (a `+` is not a space here), and percent-encoded ones work too."""
    token = "Ab+c/d=="
    with serving(tmp_path, access=Access(token)) as station:
        for typed in (token, "Ab%2Bc%2Fd%3D%3D"):
            login = station.request("GET", f"/?token={typed}")
            assert login.getheader("Set-Cookie") == Access(token).cookie_header(), typed


def test_a_page_rebound_to_loopback_by_dns_is_refused(station: Station):
    """DNS rebinding: another site's name resolved to 127.0.0.1. Its requests come from
    loopback, with Origin and Host both naming that site, so only the Host check stops them."""
    rebound = {"Host": "evil.example:8080", "Origin": "http://evil.example:8080"}
    refused = station.request("GET", "/api/state", **rebound)
    assert refused.status == 403
    assert b"open it by its address or localhost" in refused.body  # type: ignore[attr-defined]
    body = b'{"product": "BREAD"}'
    kind = {"Content-Type": "application/json"}
    command = station.request("POST", "/api/command/batch.start", body, **rebound, **kind)
    assert command.status == 403
    assert station.state()["batch"] is None
    assert station.request("GET", "/", Host="localhost").status == 200
