"""A private Mosquitto for tests and the bench: plain, TLS and mutual-TLS listeners on free ports.

Certificates are made with the `openssl` command: a CA, a server certificate for 127.0.0.1 and
localhost, a client certificate, and an unrelated CA for the wrong-CA test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lotedge.apps import broker as lotedge_broker
from lotedge.apps.broker import free_port

MOSQUITTO = shutil.which("mosquitto") or next(
    (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)),
    None,
)
PASSWD = shutil.which("mosquitto_passwd")


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _key_and_csr(d: Path, name: str, cn: str) -> None:
    _openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        str(d / f"{name}.key"),
        "-out",
        str(d / f"{name}.csr"),
        "-subj",
        f"/CN={cn}",
    )


def _ca(d: Path, name: str) -> None:
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        str(d / f"{name}.key"),
        "-out",
        str(d / f"{name}.crt"),
        "-subj",
        f"/CN={name}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )


def _sign(d: Path, name: str, ext: str) -> None:
    (d / f"{name}.ext").write_text(
        f"{ext}\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
        "basicConstraints=critical,CA:FALSE\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(d / f"{name}.csr"),
        "-CA",
        str(d / "ca.crt"),
        "-CAkey",
        str(d / "ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        str(d / f"{name}.crt"),
        "-extfile",
        str(d / f"{name}.ext"),
    )


@dataclass(frozen=True)
class Certs:
    """PEM files in one directory."""

    dir: Path

    @classmethod
    def make(cls, d: Path) -> Certs:
        d.mkdir(parents=True, exist_ok=True)
        _ca(d, "ca")
        _ca(d, "wrong-ca")
        _key_and_csr(d, "server", "localhost")
        _sign(d, "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth")
        _key_and_csr(d, "client", "lotedge-test-client")
        _sign(d, "client", "extendedKeyUsage=clientAuth")
        return cls(d)

    def __call__(self, name: str) -> str:
        """The path of one file, e.g. certs("ca.crt")."""
        return str(self.dir / name)


class Mosquitto:
    """One mosquitto process; `stop()` and `start()` again keep its ports and persisted sessions."""

    def __init__(
        self,
        workdir: Path,
        certs: Certs | None,
        users: dict[str, str] | None = None,
        max_inflight: int = 20,
    ) -> None:
        """Plain listener `port`; with `certs` TLS `tls_port` and mutual TLS `mtls_port`; with
        `users` (name -> password) a plain `auth_port` that wants one of them. `max_inflight`
        is also the Receive Maximum the broker announces (mosquitto's default is 20)."""
        assert MOSQUITTO is not None, "mosquitto binary not found"
        self.workdir = workdir
        self.certs = certs
        self.port = free_port()
        self.tls_port = free_port() if certs else None
        self.mtls_port = free_port() if certs else None
        self.auth_port = free_port() if users else None
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        anonymous = "allow_anonymous true"
        lines = [
            "user root" if os.geteuid() == 0 else "",
            "per_listener_settings true",
            "persistence true",
            f"persistence_location {workdir}/",
            "max_queued_messages 0",
            f"max_inflight_messages {max_inflight}",
            f"log_dest file {workdir}/mosquitto.log",
            f"listener {self.port} 127.0.0.1",
            anonymous,
        ]
        if certs:
            tls = [
                f"cafile {certs('ca.crt')}",
                f"certfile {certs('server.crt')}",
                f"keyfile {certs('server.key')}",
            ]
            lines += [f"listener {self.tls_port} 127.0.0.1", anonymous, *tls]
            lines += [f"listener {self.mtls_port} 127.0.0.1", anonymous, *tls]
            lines += ["require_certificate true"]
        if users:
            passwords = workdir / "passwords"
            passwords.write_text("".join(f"{name}:{pw}\n" for name, pw in users.items()))
            subprocess.run([PASSWD or "mosquitto_passwd", "-U", str(passwords)], check=True)
            lines += [f"listener {self.auth_port} 127.0.0.1", f"password_file {passwords}"]
            lines += ["allow_anonymous false"]
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        assert MOSQUITTO is not None, "mosquitto binary not found"
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: see {self.workdir}/mosquitto.log")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start listening within 10 s")

    def stop(self) -> None:
        """Clean shutdown (SIGTERM): mosquitto saves sessions and queued messages first."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        """Hard stop (SIGKILL), as when its machine dies: nothing is saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): connections stay up but nothing is acknowledged."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def private_mosquitto(workdir: Path, certs: Certs | None = None) -> Iterator[Mosquitto]:
    """A Mosquitto of the caller's own, which it may stop, pause and restart; skips the test
    when the binary is missing. Resumed (if paused) and stopped at the end."""
    if MOSQUITTO is None:
        import pytest  # only here: the bench imports this module without pytest

        pytest.skip("mosquitto binary not installed: this test needs a real broker")
    server = Mosquitto(workdir, certs)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.resume()
        server.stop()


class EmbeddedBroker(lotedge_broker.EmbeddedBroker):
    """amqtt (MQTT 3.1.1 only): the fallback when mosquitto is not installed, and the
    3.1.1-only broker of the protocol fallback test. No TLS listeners."""

    tls_port = None
    mtls_port = None
