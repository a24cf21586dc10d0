"""Fixtures for the trace store: databases (SQLite and PostgreSQL), a broker, and GS1's EPCIS
schema for the conformance assertions (they skip without it; the behaviour tests never need it:
without a schema the store checks events structurally)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.store.db import Database
from lotedge.store.schema import SchemaValidator
from tests import epcis_schema
from tests.publish.broker import MOSQUITTO, Certs, EmbeddedBroker, Mosquitto

PG_URL = os.environ.get("LOTEDGE_TEST_PG_URL")


@pytest.fixture(scope="session")
def schema_path() -> Path:
    return epcis_schema.schema_path()


@pytest.fixture(scope="session")
def validator(schema_path: Path) -> SchemaValidator:
    return SchemaValidator.load(schema_path)


def pg_schema_url(base: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` as their search path."""
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL database, dropped afterwards."""
    if not PG_URL:
        pytest.skip("set LOTEDGE_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    import psycopg

    schema = f"lotedge_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_schema_url(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty trace database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trace.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with Database(db_url) as database:
        database.create_schema()
        yield database


@pytest.fixture
def bakery_url(db_url: str) -> str:
    """A database of each kind holding the genealogy of genealogy_data.py."""
    from lotedge.store.ingest import Ingestor

    from .genealogy_data import bakery

    with Database(db_url) as database:
        database.create_schema()
        Ingestor(database).ingest(bakery())
    return db_url


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A private Mosquitto (the publishing tests' helper) on a free port; yields the port."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto binary not found (.ci/run installs it)")
    broker = Mosquitto(tmp_path / "mosquitto", None)
    broker.start()
    yield broker.port
    broker.stop()


@pytest.fixture
def amqtt_port() -> Iterator[int]:
    """An MQTT 3.1.1-only broker (amqtt); yields the port."""
    broker = EmbeddedBroker()
    broker.start()
    yield broker.port
    broker.stop()


@pytest.fixture(scope="session")
def tls_mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A private Mosquitto with its TLS and mutual-TLS listeners (and `certs`)."""
    if MOSQUITTO is None or shutil.which("openssl") is None:
        pytest.skip("the TLS tests need mosquitto and openssl (.ci/run installs them)")
    broker = Mosquitto(
        tmp_path_factory.mktemp("mosquitto"), Certs.make(tmp_path_factory.mktemp("certs"))
    )
    broker.start()
    yield broker
    broker.stop()
