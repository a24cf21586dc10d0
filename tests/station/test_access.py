"""Who may use the station: the config rule for exposed binds, and the per-request decision."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from lotedge.config.loader import load_config
from lotedge.station.access import COOKIE, Access
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge
from tests.core.test_config import problems_of

TOKEN = "s3cret-station-token"
HOST = "127.0.0.1:8080"


def test_an_exposed_station_needs_a_token_or_an_allow_list(tmp_path: Path):
    path = write_config(tmp_path, extra='[station]\nbind = "0.0.0.0"\n')
    [problem] = problems_of(path)
    assert problem.startswith("station: bind = '0.0.0.0' makes the station reachable")
    assert "set token = {env = NAME} or allow = [client networks]" in problem
    result = lotedge("config", "check", str(path))
    assert result.returncode == 1 and "station: bind = '0.0.0.0'" in result.stderr


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ('bind = "lotedge.local"', "station.bind", "must be an IP address"),
        ('allow = ["10.0.0.1/8"]', "station.allow", "has host bits set"),
        ('allow = ["ten"]', "station.allow", "10.1.2.0/24"),
        ('token = { env = "A", file = "b" }', "station.token", "exactly one of"),
        ("port = 70000", "station.port", "must be at most 65535"),
    ],
)
def test_station_keys_are_checked(tmp_path: Path, section: str, key: str, words: str):
    [problem] = problems_of(write_config(tmp_path, extra=f"[station]\n{section}\n"))
    assert problem.startswith(key) and words in problem, problem


def test_loopback_or_protected_binds_are_fine(tmp_path: Path):
    for station in (
        "",
        'bind = "::1"',
        'bind = "0.0.0.0"\ntoken = { env = "LOTEDGE_STATION_TOKEN" }',
        'bind = "0.0.0.0"\nallow = ["10.1.2.0/24", "fd00::/8"]',
    ):
        path = write_config(tmp_path, extra=f"[station]\nport = 0\n{station}\n")
        assert load_config(path).station is not None, station


def test_a_missing_token_is_reported_and_stops_the_agent_before_it_starts(tmp_path: Path):
    path = write_config(
        tmp_path, extra='[station]\nbind = "0.0.0.0"\ntoken = { env = "LOTEDGE_NO_SUCH_TOKEN" }\n'
    )
    check = lotedge("config", "check", str(path))
    assert check.returncode == 1
    assert "station.token: environment variable LOTEDGE_NO_SUCH_TOKEN is not set" in check.stderr
    run = lotedge("run", "-c", str(path))
    assert run.returncode == 2
    assert "environment variable LOTEDGE_NO_SUCH_TOKEN is not set" in run.stderr
    assert not (tmp_path / "state").exists()  # nothing started


OFFICE = Access(TOKEN, (ipaddress.ip_network("10.1.2.0/24"),))


@pytest.mark.parametrize(
    ("client", "trusted"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.1.2.77", True),
        ("::ffff:10.1.2.77", True),  # an IPv4 client on a dual-stack socket
        ("::ffff:127.0.0.1", True),
        ("10.1.3.1", False),
        ("192.0.2.9", False),
        ("fd00::1", False),
        ("not an address", False),
    ],
)
def test_loopback_and_allowed_networks_need_no_token(client: str, trusted: bool):
    assert OFFICE.trusted(client, HOST) is trusted
    assert OFFICE.allows(client, HOST, None, None) is trusted


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("127.0.0.1:8080", True),
        ("[::1]:8080", True),
        ("localhost:8080", True),
        ("LOCALHOST", True),
        (f"{socket.gethostname()}:8080", True),
        ("10.1.2.3:8080", True),  # an address cannot be a rebound name
        ("evil.example:8080", False),  # DNS rebinding: another site's name on 127.0.0.1
        ("localhost.evil.example", False),
        ("127.0.0.1:port", False),
        ("[::1", False),
        ("", False),
        (None, False),
    ],
)
def test_a_loopback_client_must_name_this_machine(host: str | None, trusted: bool):
    assert OFFICE.trusted("127.0.0.1", host) is trusted
    assert OFFICE.allows("127.0.0.1", host, None, None) is trusted
    assert OFFICE.allows("127.0.0.1", host, f"Bearer {TOKEN}", None)  # the token still works
    assert OFFICE.trusted("10.1.2.77", host)  # an allowed network: its name is not checked


def test_others_need_the_token_as_bearer_or_cookie():
    outsider = "192.0.2.9"
    assert OFFICE.allows(outsider, HOST, f"Bearer {TOKEN}", None)
    assert OFFICE.allows(outsider, HOST, f"bearer  {TOKEN} ", None)
    assert not OFFICE.allows(outsider, HOST, "Bearer wrong", None)
    assert not OFFICE.allows(outsider, HOST, TOKEN, None)  # no scheme
    assert not OFFICE.allows(outsider, HOST, f"Basic {TOKEN}", None)
    cookie = OFFICE.cookie_header().split(";")[0]
    assert cookie.startswith(f"{COOKIE}=") and TOKEN not in cookie  # derived, not the token
    assert OFFICE.allows(outsider, HOST, None, f"theme=dark; {cookie}")
    # cookies of other apps on the same host (any port) that SimpleCookie cannot parse
    assert OFFICE.allows(outsider, HOST, None, f'prefs={{"a": 1}}; {cookie}')
    assert OFFICE.allows(outsider, HOST, None, f"{cookie}; note=two words")
    assert not OFFICE.allows(outsider, HOST, None, f"{COOKIE}={TOKEN}")
    assert not OFFICE.allows(outsider, HOST, None, f"{COOKIE}=")
    assert not OFFICE.allows(outsider, HOST, None, 'bad"cookie')
    assert "HttpOnly" in OFFICE.cookie_header() and "SameSite=Strict" in OFFICE.cookie_header()
    assert OFFICE.login(TOKEN) and not OFFICE.login("wrong") and not OFFICE.login("")


def test_without_a_token_only_the_allow_list_gets_in():
    closed = Access(None, (ipaddress.ip_network("10.1.2.0/24"),))
    assert closed.allows("10.1.2.3", HOST, None, None)
    assert not closed.allows("192.0.2.9", HOST, "Bearer anything", None)
    assert not closed.login("anything")


def test_a_taken_port_is_a_clear_error(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = write_config(tmp_path, extra=f"[station]\nport = {port}\n")
        run = lotedge("run", "-c", str(path))
    assert run.returncode == 2, run.stderr
    assert f"error: [station] cannot listen on 127.0.0.1 port {port}: " in run.stderr
    assert "Address already in use" in run.stderr and "Traceback" not in run.stderr
