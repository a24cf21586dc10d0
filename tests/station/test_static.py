"""The page and its assets: only files of the static directory, never anything beside it."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    """A station in this process over a real state, serving a static dir of our own."""
    tmp_path = tmp_path_factory.mktemp("station")
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_bytes(INDEX)
    (static / "app.js").write_text("export const ok = true;\n")
    (static / "nested").mkdir()
    (static / "nested" / "deep.css").write_text("body {}\n")
    (tmp_path / "secret.txt").write_text("not for the web\n")
    config = load_config(write_config(tmp_path))
    conn = open_state(config.state_dir)
    engine = Engine(config, conn)
    engine.start()
    hub = Hub(SnapshotReader(config, config.state_dir / STATE_FILE, {})).start()
    server = StationServer("127.0.0.1", 0, Access(None), hub, engine.call, static_dir=static)
    server.start()
    yield Station(server.url)
    server.stop()
    engine.stop()
    conn.close()


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
