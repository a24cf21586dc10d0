"""Fixtures: a private Mosquitto (with TLS listeners), a state database, a subscriber."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.state import db

from .broker import MOSQUITTO, Certs, Mosquitto
from .helpers import Subscriber

NEEDS_MOSQUITTO = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not installed: cannot make test certificates")
    return Certs.make(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory, certs: Certs) -> Iterator[Mosquitto]:
    """One broker for the session's tests that never stop it."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto binary not installed (.ci/run installs it)")
    server = Mosquitto(tmp_path_factory.mktemp("mosquitto"), certs)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A broker this test may stop, pause and restart."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto binary not installed: the outage tests need a real broker")
    server = Mosquitto(tmp_path / "mosquitto", None)
    server.start()
    yield server
    if server.process is not None:
        server.resume()
    server.stop()


@pytest.fixture
def state_db(tmp_path: Path) -> Path:
    """A migrated, empty state database."""
    db.open_state(tmp_path / "state").close()
    return tmp_path / "state" / db.STATE_FILE


@pytest.fixture
def subscribe() -> Iterator[type[Subscriber]]:
    """Make subscribers (`subscribe(port, topic)`); all are closed at the end of the test."""
    made: list[Subscriber] = []

    def make(port: int, topic: str, client_id: str = "") -> Subscriber:
        made.append(Subscriber(port, topic, client_id))
        return made[-1]

    yield make  # type: ignore[misc]
    for s in made:
        s.close()
