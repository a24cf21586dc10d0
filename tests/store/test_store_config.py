"""The trace store runs from a store-only config file, or from an agent config's [store]."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lotedge.config.loader import load_store_config
from lotedge.config.problems import ConfigError
from tests.conftest import REPO, write_config


def test_store_only_file(tmp_path: Path):
    (tmp_path / "token").write_text("t0k3n\n")
    path = tmp_path / "store.toml"
    path.write_text(
        '[store]\ndatabase_url = "sqlite:///trace.db"\n'
        '[store.mqtt]\nhost = "broker.plant.example"\n'
        '[store.api]\ntoken = { file = "token" }\n'
    )
    settings = load_store_config(path)
    store = settings.store
    assert settings.base_dir == tmp_path
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
    """Without a database_url the trace database is in the agent's state directory, never
    beside the config file (which may be in a source tree)."""
    settings = load_store_config(write_config(tmp_path))
    assert (settings.store.database_url, settings.base_dir) == (
        f"sqlite:///{tmp_path / 'state' / 'trace.db'}",
        tmp_path,
    )
    given = write_config(tmp_path, extra='[store]\ndatabase_url = "sqlite:///t.db"\n')
    assert load_store_config(given).store.database_url == "sqlite:///t.db"


def test_store_only_file_with_customers_and_a_master_data_file(tmp_path: Path):
    (tmp_path / "master.toml").write_text(
        '[[customers]]\ncode = "C2"\nname = "Kiosk"\n\n'
        '[[materials]]\ncode = "FLOUR"\nname = "Flour"\n'  # an agent's: not the store's
    )
    path = tmp_path / "store.toml"
    path.write_text(
        'master_data_file = "master.toml"\n[store]\n\n'
        '[[customers]]\ncode = "C1"\nname = "Corner Bakery"\ngln = "9520000000011"\n'
        'address = "Main St 1"\nphone = "+47 22 00 00 00"\n'
    )
    customers = load_store_config(path).customers
    assert [(c.code, c.name, c.gln) for c in customers] == [
        ("C1", "Corner Bakery", "9520000000011"),
        ("C2", "Kiosk", None),
    ]


def test_customers_are_checked(tmp_path: Path):
    path = tmp_path / "store.toml"
    path.write_text(
        "[store]\n"
        '[[customers]]\ncode = "C1"\nname = "A"\ngln = "9520000000012"\n'
        '[[customers]]\ncode = "C 2"\nname = "B"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_store_config(path)
    found = [str(p) for p in caught.value.problems]
    assert any("customers[0].gln" in p and "check digit" in p for p in found), found
    assert any("customers[1].code" in p for p in found), found
    path.write_text(
        "[store]\n"
        '[[customers]]\ncode = "C1"\nname = "A"\ngln = "9520000000011"\n'
        '[[customers]]\ncode = "C1"\nname = "B"\ngln = "9520000000011"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_store_config(path)
    found = [str(p) for p in caught.value.problems]
    assert any("customer code used more than once: C1" in p for p in found), found
    assert any("customer GLN used more than once: 9520000000011" in p for p in found), found


def test_store_only_file_with_locations_compliance_and_a_customers_place(tmp_path: Path):
    (tmp_path / "master.toml").write_text(
        '[[locations]]\ncode = "DOCK-C1"\nname = "Corner Bakery dock"\ncity = "Peoria"\n'
    )
    path = tmp_path / "store.toml"
    path.write_text(
        'master_data_file = "master.toml"\n[store]\n[compliance]\nfsma204 = true\n'
        '[[locations]]\ncode = "PLANT1"\nname = "Bakery"\ntlc_source_reference = "FEI 3000001"\n'
        '[[customers]]\ncode = "C1"\nname = "Corner Bakery"\nlocation = "DOCK-C1"\n'
    )
    settings = load_store_config(path)
    assert settings.compliance.fsma204
    assert [loc.code for loc in settings.locations] == ["PLANT1", "DOCK-C1"]
    assert settings.customers[0].location == "DOCK-C1"
    path.write_text(
        "[store]\n"
        '[[locations]]\ncode = "DOCK-C1"\nname = "Dock"\n'
        '[[locations]]\ncode = "DOCK-C1"\nname = "Dock again"\n'
        '[[customers]]\ncode = "C1"\nname = "Corner Bakery"\nlocation = "DOCK-C2"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_store_config(path)
    found = [str(p) for p in caught.value.problems]
    assert any("location code used more than once: DOCK-C1" in p for p in found), found
    assert any(
        "customers[0].location" in p
        and "'DOCK-C2', which is not in [[locations]]" in p
        and "did you mean 'DOCK-C1'?" in p
        for p in found
    ), found


def test_what_the_readme_creates_in_the_repository_is_ignored_by_git(tmp_path: Path):
    """The README's commands, run from the repository, write only what git ignores."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    written = ["state/trace.db", "labels/x.png", "label.png", "sheet.png", "events.jsonld"]
    written += ["config/trace.db", "config/trace.db-wal", "recall.xlsx", "drill/F1-drill.json"]
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", *written], cwd=REPO, capture_output=True, text=True
    )
    assert sorted(checked.stdout.split()) == sorted(written)


def test_store_amqp_section(tmp_path: Path):
    """[store.amqp]: the connection keys of [store.mqtt] with AMQP's ports, TLS by default."""
    path = tmp_path / "store.toml"
    path.write_text(
        '[store]\ndatabase_url = "sqlite:///trace.db"\n'
        '[store.amqp]\nhost = "rabbit1.plant"\nfailover_hosts = ["rabbit2.plant", "rabbit3:5673"]\n'
        'username = "store"\npassword = { env = "LOTEDGE_AMQP_PASSWORD" }\nprefetch = 500\n'
    )
    store = load_store_config(path).store
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
