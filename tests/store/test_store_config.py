"""The trace store runs from a store-only config file, or from an agent config's [store]."""

from __future__ import annotations

from pathlib import Path

import pytest

from lotedge.config.loader import load_store_config
from lotedge.config.problems import ConfigError
from tests.conftest import write_config


def test_store_only_file(tmp_path: Path):
    (tmp_path / "token").write_text("t0k3n\n")
    path = tmp_path / "store.toml"
    path.write_text(
        '[store]\ndatabase_url = "sqlite:///trace.db"\n'
        '[store.mqtt]\nhost = "broker.plant.example"\n'
        '[store.api]\ntoken = { file = "token" }\n'
    )
    store, base_dir = load_store_config(path)
    assert base_dir == tmp_path
    assert store.mqtt.host == "broker.plant.example"
    assert store.api is not None and store.api.token.resolve() == "t0k3n"


def test_store_only_file_reports_problems_with_paths(tmp_path: Path):
    path = tmp_path / "store.toml"
    path.write_text('[store]\ndatabase_ur = "sqlite:///x.db"\n[scanners]\n')
    with pytest.raises(ConfigError) as caught:
        load_store_config(path)
    found = [str(p) for p in caught.value.problems]
    assert any("store.database_ur: unknown key" in p and "database_url" in p for p in found)
    assert any("scanners: unknown key" in p for p in found)


def test_agent_config_store_section(tmp_path: Path):
    store, base_dir = load_store_config(write_config(tmp_path))
    assert (store.database_url, base_dir) == ("sqlite:///trace.db", tmp_path)


def test_store_amqp_section(tmp_path: Path):
    """[store.amqp]: the connection keys of [store.mqtt] with AMQP's ports, TLS by default."""
    path = tmp_path / "store.toml"
    path.write_text(
        '[store]\ndatabase_url = "sqlite:///trace.db"\n'
        '[store.amqp]\nhost = "rabbit1.plant"\nfailover_hosts = ["rabbit2.plant", "rabbit3:5673"]\n'
        'username = "store"\npassword = { env = "LOTEDGE_AMQP_PASSWORD" }\nprefetch = 500\n'
    )
    store, _ = load_store_config(path)
    assert store.amqp is not None
    assert store.amqp.endpoints == [
        ("rabbit1.plant", 5671),
        ("rabbit2.plant", 5671),
        ("rabbit3", 5673),
    ]
    assert (store.amqp.queue, store.amqp.exchange, store.amqp.prefetch) == (
        "lotedge-store",
        "amq.topic",
        500,
    )
    path.write_text('[store.amqp]\nhost = "rabbit1.plant"\n[store.amqp.tls]\nenabled = false\n')
    with pytest.raises(ConfigError, match=r"store\.amqp.*plain TCP to rabbit1\.plant"):
        load_store_config(path)
