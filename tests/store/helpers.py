"""A `lotedge store` subprocess and its config, for the MQTT tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

TOKEN = "t0ken"


class StoreProcess:
    """`lotedge store` as a real subprocess; its log is collected from stderr."""

    def __init__(self, config: Path, client_id: str, *args: str) -> None:
        """`args`: more options of `lotedge store` (e.g. --leave)."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lotedge.cli.main",
                "store",
                "-c",
                str(config),
                "--client-id",
                client_id,
                "--json",
                *args,
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

    def pause(self) -> None:
        """SIGSTOP: connected, but nothing it receives is stored or acknowledged."""
        self.proc.send_signal(signal.SIGSTOP)

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
    topic_filter: str = "lotedge/v1/+/+/events",
    tls: dict[str, str] | None = None,
    extra: str = "",
    name: str = "store.toml",
) -> Path:
    """A minimal lotedge config for a store process; plain MQTT unless `tls` (the keys of
    [store.mqtt.tls]) is given; `extra` is appended (more tables)."""
    tls_keys = {"enabled": "false"} if tls is None else {k: f'"{v}"' for k, v in tls.items()}
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
topic_filter = "{topic_filter}"
[store.mqtt.tls]
{"".join(f"{key} = {value}{chr(10)}" for key, value in tls_keys.items())}"""
    if api_port is not None:
        text += f'\n[store.api]\nbind = "127.0.0.1:{api_port}"\n'
        text += 'token = { env = "LOTEDGE_TEST_TOKEN" }\n'
    path = directory / name
    path.write_text(text + extra)
    return path
