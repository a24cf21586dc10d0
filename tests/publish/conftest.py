"""Fixtures: a private Mosquitto (with TLS listeners), a state database, a subscriber."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.state import db

from .broker import MOSQUITTO, PASSWD, Certs, EmbeddedBroker, Mosquitto, private_mosquitto
from .helpers import Subscriber

#: Accounts on the session broker's `auth_port`.
USERS = {"line-agent": "s3cret"}


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto | EmbeddedBroker]:
    """One broker for the tests that never stop it: Mosquitto with TLS listeners, or embedded
    amqtt (no TLS: those tests skip) when the mosquitto binary is missing."""
    server: Mosquitto | EmbeddedBroker
    if MOSQUITTO is None:
        server = EmbeddedBroker()
    else:
        certs = Certs.make(tmp_path_factory.mktemp("certs")) if shutil.which("openssl") else None
        server = Mosquitto(tmp_path_factory.mktemp("mosquitto"), certs, USERS if PASSWD else None)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def amqtt_broker() -> Iterator[EmbeddedBroker]:
    """An MQTT 3.1.1-only broker."""
    server = EmbeddedBroker()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tls_broker(broker: Mosquitto | EmbeddedBroker) -> Mosquitto:
    if not isinstance(broker, Mosquitto) or broker.certs is None:
        pytest.skip("TLS tests need mosquitto and openssl (.ci/run installs them)")
    return broker


@pytest.fixture
def auth_broker(broker: Mosquitto | EmbeddedBroker) -> Mosquitto:
    if not isinstance(broker, Mosquitto) or broker.auth_port is None:
        pytest.skip("the password test needs mosquitto and mosquitto_passwd")
    return broker


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A broker this test may stop, pause and restart."""
    with private_mosquitto(tmp_path / "mosquitto") as server:
        yield server


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
