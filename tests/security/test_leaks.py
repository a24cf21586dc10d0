"""Issue 21, finding 10: small leaks. A URL-encoded station token never reaches the log (the
daemon at DEBUG), the state directory, database and control socket get 0750 / 0640 / 0660
whatever the umask, and an alert id too large for any database is a plain error."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from lotedge.config.loader import load_config
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client
from tests.labels.label_checks import eventually
from tests.publish.broker import MOSQUITTO
from tests.security.conftest import Line
from tests.station.helpers import Station

TOKEN = "s3cr/et+to ken=x&y"


def run_daemon(path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`lotedge run` at DEBUG under umask 000, as a careless shell would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "lotedge.cli.main", "run", "-c", str(path), "--log-level", "DEBUG"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
        preexec_fn=lambda: os.umask(0),
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_token_is_masked_in_every_encoding_and_the_state_is_private(tmp_path: Path):
    path = write_config(tmp_path, extra='[station]\nport = 0\ntoken = { env = "STATION_TOKEN" }\n')
    daemon = run_daemon(path, {"STATION_TOKEN": TOKEN})
    try:
        control = control_client(path)
        eventually(lambda: _answers(control), timeout=20)
        eventually(lambda: "station" in control.request("status")["data"])
        station = Station(control.request("status")["data"]["station"]["url"])
        for form in (quote(TOKEN, safe=""), quote(TOKEN)):
            assert station.request("GET", f"/?token={form}").status in (200, 303)
        config = load_config(path)
        state, socket_path = config.state_dir, config.state_dir / config.control.socket
        modes = (mode(state), mode(state / "state.db"), mode(socket_path))
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    log = output.decode()
    assert "?token=***" in log  # the requests were logged, masked
    for form in (TOKEN, quote(TOKEN, safe=""), quote(TOKEN), quote(TOKEN).replace("%20", "+")):
        assert form not in log
    assert modes == (0o750, 0o640, 0o660)


def _answers(control) -> bool:
    try:
        control.request("status")
    except (ConnectionError, FileNotFoundError):
        return False
    return True


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")
def test_an_alert_id_beyond_any_database_is_a_plain_error(line: Line):
    reply = line.control.request("alert.ack", id=10**23)
    assert reply["status"] == "error" and reply["code"] == "bad_request"
    assert "'id' must be a whole number from 1 to 9223372036854775807" in reply["error"]
    status, body = line.station.command("alert.ack", {"id": 1e23})
    assert status == 400 and "'id' must be a whole number" in body["error"], body
