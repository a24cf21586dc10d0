"""`lotedge doctor` against the simulators (all ok) and against dead devices (clear fails)."""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.apps.doctor import run_checks
from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scanner import PtyScanner
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge
from tests.publish.broker import Certs, Mosquitto, private_mosquitto


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def by_name(checks):
    return {c.name: c for c in checks}


def test_all_ok_against_simulators(tmp_path: Path):
    printer = PrinterSimulator(port=0).start()
    scanner = PtyScanner(tmp_path / "ttyScan")
    try:
        path = write_config(
            tmp_path,
            extra=(
                f'[[scanners]]\nname = "hopper"\nurl = "serial://{tmp_path}/ttyScan?baud=9600"\n'
                f'[printer]\nurl = "tcp://127.0.0.1:{printer.port}"\n'
            ),
        )
        result = lotedge("doctor", "-c", str(path))
    finally:
        printer.stop()
        scanner.close()
    assert result.returncode == 0, result.stdout
    assert "all checks passed" in result.stdout
    assert "scanner hopper" in result.stdout and "printer line" in result.stdout


def test_dead_printer_and_paper_out_fail_with_hints(tmp_path: Path):
    path = write_config(tmp_path, extra=f'[printer]\nurl = "tcp://127.0.0.1:{dead_port()}"\n')
    check = by_name(run_checks(str(path)))["printer line"]
    assert check.status == "fail"
    assert "Connection refused" in check.detail or "refused" in check.detail.lower()
    assert "powered on" in check.hint

    printer = PrinterSimulator(port=0).start()
    printer.set_fault(paper_out=True)
    try:
        other = tmp_path / "paper"
        other.mkdir()
        path = write_config(other, extra=f'[printer]\nurl = "tcp://127.0.0.1:{printer.port}"\n')
        check = by_name(run_checks(str(path)))["printer line"]
    finally:
        printer.stop()
    assert (check.status, "paper_out" in check.detail) == ("fail", True)


def test_missing_scanner_and_bad_config(tmp_path: Path):
    path = write_config(
        tmp_path, extra='[[scanners]]\nname = "hopper"\nurl = "serial:///dev/ttyNOPE?baud=9600"\n'
    )
    check = by_name(run_checks(str(path)))["scanner hopper"]
    assert check.status == "fail" and "/dev/ttyNOPE" in check.detail
    assert "dialout" in check.hint

    # A bad URL is a config problem, with its line, as in `lotedge config check`.
    path.write_text(path.read_text().replace("baud=9600", "baud=fast"))
    [check] = run_checks(str(path))
    line = path.read_text().splitlines().index('url = "serial:///dev/ttyNOPE?baud=fast"') + 1
    assert (check.name, check.status) == ("config", "fail")
    assert check.detail == (
        f"line {line}: scanners[0].url: option baud='fast' is not a positive whole number"
        " (hint: expected serial://<device>?baud=N&parity=N|E|O|M|S&bytesize=5|6|7|8"
        "&stopbits=1|1.5|2&suffix=auto|CR|LF|CRLF|TAB|0xHH&gs=TEXT&alt029=1|0)"
    )

    path.write_text("[identity]\nsite = 'S'\n")
    checks = run_checks(str(path))
    assert {c.name for c in checks} == {"config"}
    assert all(c.status == "fail" for c in checks)


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A Mosquitto with a plain and a TLS listener (certificates signed by a test CA)."""
    if shutil.which("openssl") is None:
        pytest.skip("the TLS checks need the openssl binary for the test certificates")
    certs = Certs.make(tmp_path_factory.mktemp("certs"))
    with private_mosquitto(tmp_path_factory.mktemp("mosquitto"), certs) as server:
        yield server


def broker_check(tmp_path: Path, mqtt: str):
    path = write_config(tmp_path, extra=mqtt)
    return by_name(run_checks(str(path)))["broker"]


def test_broker_ok_plain_and_tls(tmp_path: Path, mosquitto: Mosquitto):
    plain = f'[mqtt]\nhost = "127.0.0.1"\nport = {mosquitto.port}\n[mqtt.tls]\nenabled = false\n'
    check = broker_check(tmp_path, plain)
    assert (check.status, check.detail) == ("ok", f"connected to mqtt://127.0.0.1:{mosquitto.port}")

    other = tmp_path / "tls"
    other.mkdir()
    tls = (
        f'[mqtt]\nhost = "localhost"\nport = {mosquitto.tls_port}\n'
        f'[mqtt.tls]\nca_file = "{mosquitto.certs("ca.crt")}"\n'
    )
    check = broker_check(other, tls)
    assert (check.status, check.detail) == (
        "ok",
        f"connected to mqtts://localhost:{mosquitto.tls_port}",
    )


def test_broker_dead_port_fails_clearly(tmp_path: Path):
    port = dead_port()
    check = broker_check(
        tmp_path, f'[mqtt]\nhost = "127.0.0.1"\nport = {port}\n[mqtt.tls]\nenabled = false\n'
    )
    assert check.status == "fail"
    assert check.detail.startswith(f"127.0.0.1:{port}: ")
    assert "refused" in check.detail.lower()
    assert check.hint == "broker running and reachable? host and port right? firewall?"


def test_broker_wrong_ca_fails_naming_the_verification_problem(
    tmp_path: Path, mosquitto: Mosquitto
):
    tls = (
        f'[mqtt]\nhost = "localhost"\nport = {mosquitto.tls_port}\n'
        f'[mqtt.tls]\nca_file = "{mosquitto.certs("wrong-ca.crt")}"\n'
    )
    check = broker_check(tmp_path, tls)
    assert check.status == "fail"
    # OpenSSL's verify message: the broker's chain does not lead to the configured CA.
    assert re.fullmatch(
        rf"localhost:{mosquitto.tls_port}: TLS: (self[- ]signed certificate in certificate "
        r"chain|unable to get local issuer certificate)",
        check.detail,
    ), check.detail
    assert check.hint == (
        "the broker's certificate is not signed by [mqtt.tls] ca_file: right CA file?"
    )


def test_the_table_prints_brackets_and_config_text_as_written(tmp_path: Path):
    """Nothing in a check's words is console markup: "[mqtt]", "[[scanners]]", a device path
    with [brackets] print as they are."""
    path = write_config(
        tmp_path, extra='[[scanners]]\nname = "[bold]x"\nurl = "serial:///dev/tty[red]NOPE"\n'
    )
    printed = lotedge("doctor", "-c", str(path))
    assert printed.returncode == 1
    assert "no [mqtt]: events stay in the outbox" in printed.stdout
    assert "scanner [bold]x" in printed.stdout and "/dev/tty[red]NOPE" in printed.stdout
