"""`lotedge store` under systemd: READY once it is serving, WATCHDOG while its loop runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from lotedge.apps.broker import EmbeddedBroker


def test_store_sends_ready_and_watchdog(tmp_path: Path):
    broker = EmbeddedBroker()
    broker.start()
    config = tmp_path / "store.toml"
    config.write_text(
        f'[store]\ndatabase_url = "sqlite:///trace.db"\n'
        f'[store.mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n'
        "[store.mqtt.tls]\nenabled = false\n"
    )
    path = str(tmp_path / "notify.sock")
    messages: set[str] = set()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(20)
        store = subprocess.Popen(
            [sys.executable, "-m", "lotedge.cli.main", "store", "-c", str(config)],
            env={**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            while not {"READY=1", "WATCHDOG=1"} <= messages:
                messages.update(sock.recv(4096).decode().split("\n"))
            store.send_signal(signal.SIGTERM)
            assert store.wait(20) == 0
        finally:
            if store.poll() is None:
                store.kill()
            broker.stop()
    assert (tmp_path / "trace.db").exists()
