"""`lotedge doctor`: check a line's setup end to end and say what to fix.

Each check gives ok, fail or info with a detail and, when it fails, a hint. Checks never raise:
whatever goes wrong becomes a failed line.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lotedge.config.device_urls import device_sections
from lotedge.config.loader import load_config
from lotedge.config.model import Config
from lotedge.config.problems import ConfigError
from lotedge.devices.registry import probe, resolve
from lotedge.ops.lock import LOCK_FILE
from lotedge.state.db import STATE_FILE, connect
from lotedge.state.schema import MIGRATIONS

MIN_FREE_BYTES = 200 * 1024 * 1024
#: Seconds a device probe may take, for devices without a configured timeout.
PROBE_TIMEOUT = 3.0
EARLIEST_SANE_YEAR = 2025


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    status: str  # ok | fail | info
    detail: str
    hint: str = ""


def run_checks(
    config_path: str, broker_check: Callable[[Config], Check] | None = None
) -> list[Check]:
    """Every check for the config at `config_path`, in the order a technician would go."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return [
            Check("config", "fail", str(p), p.hint or "see lotedge config check")
            for p in exc.problems
        ]
    checks = [Check("config", "ok", f"{config_path} is valid")]
    for group in (
        _ports_present,
        _devices,
        _broker,
        _state_dir,
        _disk,
        _clock,
    ):
        checks.extend(_guarded(group, config))
    return checks


def _guarded(group: Callable[[Config], Iterator[Check]], config: Config) -> list[Check]:
    try:
        return list(group(config))
    except Exception as exc:  # a check must never stop the others
        return [Check(group.__name__.strip("_"), "fail", f"check crashed: {exc!r}")]


def _ports_present(config: Config) -> Iterator[Check]:
    from serial.tools import list_ports

    ports = [p.device for p in list_ports.comports()]
    yield Check("serial ports", "info", ", ".join(ports) or "none found")
    by_id = sorted(glob.glob("/dev/serial/by-id/*") + glob.glob("/dev/input/by-id/*kbd*"))
    if by_id:
        yield Check("stable device names", "info", ", ".join(by_id))
    cameras = sorted(glob.glob("/dev/video*"))
    yield Check("cameras", "info", ", ".join(cameras) or "none found")


def _devices(config: Config) -> Iterator[Check]:
    """Each scanner, camera and printer, probed by its adapter (the device registry's probe)."""
    for _path, kind, section in device_sections(config):
        if section is None:
            yield Check(kind, "info", "none configured")
            continue
        name = f"{kind} {section.name}"
        try:
            device = resolve(section.url, kind, dict(section))
            found = probe(device, getattr(section, "timeout_seconds", PROBE_TIMEOUT))
        except Exception as exc:  # a probe must never stop the others
            yield Check(name, "fail", f"{section.url}: {exc}", "see lotedge config check")
            continue
        yield Check(name, found.status, found.detail, found.hint)


def _broker(config: Config) -> Iterator[Check]:
    import ssl

    from paho.mqtt.enums import MQTTProtocolVersion

    from lotedge.mqtt import session

    if config.mqtt is None:
        yield Check("broker", "info", "no [mqtt]: events stay in the outbox")
        return
    # A clean session: the doctor leaves no session (nor queued messages) on the broker.
    mqtt = config.mqtt.model_copy(update={"session_expiry_seconds": 0})
    where = f"{mqtt.host}:{mqtt.effective_port}"
    scheme = "mqtts" if mqtt.tls.enabled else "mqtt"
    topic = f"{mqtt.topic_prefix}/{config.identity.site}/{config.identity.line}/doctor"
    try:
        client = session.new_client(
            mqtt,
            client_id=f"lotedge-doctor-{config.identity.device_id}",
            protocol=MQTTProtocolVersion.MQTTv5
            if mqtt.protocol != "3.1.1"
            else MQTTProtocolVersion.MQTTv311,
            will=(topic, b""),
            base_dir=config.base_dir,
        )
        session.connect(client, mqtt)
    except ssl.SSLCertVerificationError as exc:
        yield Check("broker", "fail", f"{where}: TLS: {exc.verify_message or exc}", _tls_hint(exc))
    except ssl.SSLError as exc:
        yield Check(
            "broker",
            "fail",
            f"{where}: TLS handshake failed: {exc.reason or exc}",
            "does the broker speak TLS on this port? client certificate accepted?",
        )
    except session.ConnectFailed as exc:
        hint = (
            "check username and password (secret env/file)"
            if "authori" in str(exc).lower()
            else "check the broker's log"
        )
        yield Check("broker", "fail", str(exc), hint)
    except (OSError, ValueError) as exc:
        yield Check(
            "broker",
            "fail",
            f"{where}: {exc}",
            "broker running and reachable? host and port right? firewall?",
        )
    else:
        client.disconnect()
        yield Check("broker", "ok", f"connected to {scheme}://{where}")


def _tls_hint(exc: Exception) -> str:
    message = str(exc).lower()
    if "hostname" in message or "ip address mismatch" in message:
        return "the certificate is for another name: use the name in the certificate as host"
    if "expired" in message:
        return "the broker's certificate has expired"
    return "the broker's certificate is not signed by [mqtt.tls] ca_file: right CA file?"


def _state_dir(config: Config) -> Iterator[Check]:
    directory = config.state_dir
    if not directory.exists():
        parent = directory.parent
        writable = os.access(parent, os.W_OK)
        yield Check(
            "state directory",
            "ok" if writable else "fail",
            f"{directory} will be created on first run",
            "" if writable else f"{parent} is not writable by this user",
        )
        return
    if not os.access(directory, os.W_OK):
        yield Check("state directory", "fail", f"{directory} is not writable", "check ownership")
        return
    yield Check("state directory", "ok", str(directory))
    database = directory / STATE_FILE
    if database.exists():
        yield _state_database(database)
    if (directory / LOCK_FILE).exists():
        owner = (directory / LOCK_FILE).read_text().strip()
        yield Check("agent", "info", f"lock file names pid {owner or '?'}")


def _state_database(path: Path) -> Check:
    conn = connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return Check("state database", "fail", f"{path}: {exc}", "restore from backup")
    finally:
        conn.close()
    latest = MIGRATIONS[-1][0]
    if integrity != "ok":
        return Check("state database", "fail", f"quick_check: {integrity}", "restore from backup")
    if version > latest:
        return Check(
            "state database", "fail", f"schema {version} is newer than {latest}", "upgrade lotedge"
        )
    return Check("state database", "ok", f"schema {version}, integrity ok")


def _disk(config: Config) -> Iterator[Check]:
    directory = config.state_dir if config.state_dir.exists() else config.state_dir.parent
    free = shutil.disk_usage(directory).free
    mib = free // (1024 * 1024)
    if free < MIN_FREE_BYTES:
        yield Check(
            "free disk",
            "fail",
            f"{mib} MiB free at {directory}",
            "free space: the outbox and audit need room while the broker is down",
        )
    else:
        yield Check("free disk", "ok", f"{mib} MiB free at {directory}")


def _clock(config: Config) -> Iterator[Check]:
    now = datetime.now().astimezone()
    if now.year < EARLIEST_SANE_YEAR:
        yield Check(
            "clock",
            "fail",
            f"system time is {now.isoformat()}",
            "no RTC or NTP? set the time (timedatectl) before production",
        )
        return
    database = config.state_dir / STATE_FILE
    last = None
    if database.exists():
        conn = connect(database)
        try:
            row = conn.execute("SELECT max(received_at) FROM scans").fetchone()
        finally:
            conn.close()
        last = datetime.fromisoformat(row[0]) if row and row[0] else None
    if last is not None and now < last:
        yield Check(
            "clock",
            "fail",
            f"{now.isoformat()} is before the last scan ({last.isoformat()})",
            "the clock stepped back: check NTP (timedatectl status)",
        )
        return
    yield Check("clock", "ok", now.isoformat(timespec="seconds"))
