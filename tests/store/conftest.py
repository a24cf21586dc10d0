"""Fixtures for the trace store: databases (SQLite and PostgreSQL), the EPCIS schema, a broker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lotedge.store.db import Database
from lotedge.store.schema import SchemaValidator

REPO = Path(__file__).resolve().parents[2]
EPCIS_DIR = Path(os.environ.get("LOTEDGE_EPCIS_DIR", REPO.parent / "shared" / "epcis"))
SCHEMA = EPCIS_DIR / "EPCIS-JSON-Schema.json"
PG_URL = os.environ.get("LOTEDGE_TEST_PG_URL")
TOKEN = "t0ken"


@pytest.fixture(scope="session")
def schema_path() -> Path:
    if not SCHEMA.is_file():
        pytest.skip(f"EPCIS schema not found at {SCHEMA} (GS1's file; set LOTEDGE_EPCIS_DIR)")
    return SCHEMA


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
def bakery_url(db_url: str, validator: SchemaValidator) -> str:
    """A database of each kind holding the genealogy of genealogy_data.py."""
    from genealogy_data import bakery

    from lotedge.store.ingest import Ingestor

    with Database(db_url) as database:
        database.create_schema()
        Ingestor(database, validator).ingest(bakery())
    return db_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A private Mosquitto on a free loopback port; yields the port."""
    binary = shutil.which("mosquitto") or shutil.which(
        "mosquitto", path="/usr/sbin:/usr/local/sbin"
    )
    if binary is None:
        pytest.skip("mosquitto binary not found (apt-get install mosquitto)")
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\n"  # the default (1000) drops QoS 1 messages for slow clients
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mosquitto did not start: {proc.stderr.read()!r}") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class StoreProcess:
    """`lotedge store` as a real subprocess; its log is collected from stderr."""

    def __init__(self, config: Path, client_id: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lotedge.cli.store_cmds",
                "store",
                "-c",
                str(config),
                "--client-id",
                client_id,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LOTEDGE_TEST_TOKEN": TOKEN},
        )
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)

    def wait_for_log(self, text: str, timeout: float = 20) -> None:
        assert wait_until(lambda: any(text in line for line in self.log), timeout), self.log

    def stop(self) -> dict[str, int]:
        """SIGTERM, then the counts it printed on the way out."""
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, (out, self.log)
        return json.loads(out.strip().splitlines()[-1])["store"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll until `predicate()` holds or `timeout` seconds pass (a bound, not a timing check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def store_config(
    directory: Path,
    *,
    port: int,
    database_url: str,
    schema: Path | None,
    api_port: int | None = None,
) -> Path:
    """A minimal lotedge config for a store process."""
    text = f"""
[identity]
site = "CENTRAL"
line = "STORE"
device_id = "store"

[store]
database_url = "{database_url}"
batch_size = 50
{f'schema_path = "{schema}"' if schema else ""}

[store.mqtt]
port = {port}
"""
    if api_port is not None:
        text += f'\n[store.api]\nbind = "127.0.0.1:{api_port}"\n'
        text += 'token = { env = "LOTEDGE_TEST_TOKEN" }\n'
    path = directory / "store.toml"
    path.write_text(text)
    return path
