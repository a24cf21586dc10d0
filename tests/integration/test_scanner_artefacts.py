"""Scanner artefacts through the real daemon, from the pty and TCP scanner simulators: a
separator sent as text, dropped, or typed as Alt+029 is refused with its own reason on a scanner
whose URL does not say so, and read right on one whose URL does; a pallet label and bad GS1 data
get their reasons with or without an AIM prefix; an over-long frame is discarded up to its
suffix, counted and logged once, and the scan after it is read."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from lotedge.apps.broker import free_port
from lotedge.config.loader import load_config
from lotedge.simulators.scanner import PtyScanner, TcpScannerServer
from lotedge.simulators.scanscript import parse_script, play
from lotedge.state.db import connect
from tests.conftest import write_config
from tests.core.daemon_helpers import start_daemon

FLOUR = "0109501101530003"
PLAIN = f"""
#LE:START:BREAD
@gs <GS>
{FLOUR}10TOKEN1<GS>17291231
@gs drop
{FLOUR}10DROP1<GS>17291231
@gs 029
{FLOUR}10ALT1<GS>17291231
@gs GS
{FLOUR}10GOOD1<GS>17291231
00095011015300000003
0109501101530004109L1
@aim ]C1
0109501101530004109L1
00095011015300000003
"""
PLAIN_REASONS = [
    "batch_started",
    "separator_token",
    "missing_separator",
    "missing_separator",
    "accepted",
    "pallet_label",
    "invalid_gs1",
    "invalid_gs1",
    "pallet_label",
]


def test_artefacts_through_the_daemon(tmp_path: Path):
    plain, tokened = PtyScanner(tmp_path / "ttyPlain"), PtyScanner(tmp_path / "ttyTokened")
    reader = TcpScannerServer()
    host, port = reader.address
    metrics_port = free_port()
    scanners = {
        "plain": f"serial://{plain.device}?suffix=CR",
        "tokened": f"serial://{tokened.device}?suffix=CR&gs=<GS>",
        "reader": f"tcp://{host}:{port}?alt029=1",
    }
    extra = "".join(f'[[scanners]]\nname = "{n}"\nurl = "{u}"\n' for n, u in scanners.items())
    path = write_config(tmp_path, extra=extra + f"[metrics]\nport = {metrics_port}\n")
    daemon = start_daemon(path)
    conn = connect(load_config(path).state_dir / "state.db")
    try:
        play(parse_script(PLAIN), plain.write, sleep=lambda _: None)
        assert _rows(conn, "plain", len(PLAIN_REASONS)) == PLAIN_REASONS
        plain.write(b"9" * 5000)  # no suffix: discarded, with what follows up to the suffix
        plain.write(b"REST-OF-IT\r" + f"{FLOUR}10AFTER1\x1d17291231\r".encode())
        play(parse_script(f"@gs <GS>\n{FLOUR}10TOK2<GS>17291231"), tokened.write)
        play(parse_script(f"@gs 029\n{FLOUR}10ALT2<GS>17291231"), reader.write)
        tokened_rows = _rows(conn, "tokened", 1)
        reader_rows = _rows(conn, "reader", 1)
        plain_rows = _rows(conn, "plain", len(PLAIN_REASONS) + 1)
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read()
    finally:
        output = daemon.stop()
        for device in (plain, tokened, reader):
            device.close()
    assert (tokened_rows, reader_rows) == (["accepted"], ["accepted"])
    assert plain_rows == [*PLAIN_REASONS, "accepted"]  # AFTER1; nothing of the long frame
    lots = {lot for (lot,) in conn.execute("SELECT lot FROM consumptions")}
    assert lots == {"GOOD1", "AFTER1", "TOK2", "ALT2"}
    messages = dict(conn.execute("SELECT reason, message FROM scans WHERE source = 'plain'"))
    assert "set the option gs of the scanner's URL to '<GS>'" in messages["separator_token"]
    assert b'lotedge_scanner_discarded_frames_total{scanner="plain"} 1.0' in scraped
    assert output.count("without a scan suffix: discarding it") == 1


def _rows(conn, source: str, count: int) -> list[str]:
    """The reasons of `source`'s scans, once there are `count` of them (or after 20 s)."""
    deadline = time.monotonic() + 20
    while True:
        rows = [
            reason
            for (reason,) in conn.execute(
                "SELECT reason FROM scans WHERE source = ? ORDER BY id", (source,)
            )
        ]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)
