"""SSCC numbering: check digits (verified by biip), preview, the ledger, the range, and
100,000 SSCCs across repeated kill -9 of the allocating process never reused."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from biip.sscc import Sscc

from lotedge.config.loader import load_config
from lotedge.core.sscc import SerialRangeExhausted, SsccScheme
from lotedge.state.db import connect, open_state, transaction
from lotedge.state.shipping import allocate_sscc
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge

CHILD = Path(__file__).with_name("sscc_child.py")
NOW = datetime(2030, 1, 2, tzinfo=UTC)


def _allocate(conn, scheme: SsccScheme, n: int) -> list[str]:
    with transaction(conn):
        return [allocate_sscc(conn, scheme, pallet_id=str(uuid.uuid4()), now=NOW) for _ in range(n)]


@pytest.mark.parametrize(
    ("prefix", "extension"), [("9520123", 0), ("952012", 7), ("952012345678", 9)]
)
def test_every_sscc_is_valid_for_biip_with_our_prefix_and_extension(tmp_path, prefix, extension):
    scheme = SsccScheme(prefix, extension)
    conn = open_state(tmp_path)
    ssccs = _allocate(conn, scheme, 300)
    ssccs.append(scheme.render(scheme.capacity))  # the last serial of the range too
    for sscc in ssccs:
        parsed = Sscc.parse(sscc)  # raises on a wrong length or check digit
        assert parsed.extension_digit == extension
        assert sscc[1 : 1 + len(prefix)] == prefix
    assert len(set(ssccs)) == len(ssccs)


def test_preview_shows_what_allocation_then_issues_and_uses_none(config_path: Path):
    c = ("-c", str(config_path))
    shown = lotedge("sscc", "preview", "-n", "5", *c)
    assert shown.returncode == 0, shown.stderr
    previewed = shown.stdout.split()
    assert len(previewed) == 5 and all(len(s) == 18 and s.isdigit() for s in previewed)
    assert lotedge("sscc", "preview", "-n", "5", *c).stdout.split() == previewed  # none used
    config = load_config(config_path)
    assert config.shipping is not None
    conn = open_state(config.state_dir)
    assert _allocate(conn, config.shipping.sscc, 2) == previewed[:2]
    as_json = json.loads(lotedge("sscc", "preview", "-n", "3", "--json", *c).stdout)
    assert as_json["ssccs"] == previewed[2:5]
    assert (as_json["serials_used"], as_json["serials_total"]) == (2, 999_999_999)


def test_the_ledger_skips_ssccs_issued_under_another_prefix_split(tmp_path: Path):
    """Prefix 9520123 with 9-digit serials and prefix 95201230 with 8-digit ones render the
    same SSCCs: after the change the counter starts again, the ledger does not repeat one."""
    conn = open_state(tmp_path)
    before = _allocate(conn, SsccScheme("9520123", 0), 3)
    after = _allocate(conn, SsccScheme("95201230", 0), 2)
    assert before == [SsccScheme("95201230", 0).render(n) for n in (1, 2, 3)]
    assert after == [SsccScheme("95201230", 0).render(n) for n in (4, 5)]


def test_a_used_up_range_refuses_and_config_check_warns_before(tmp_path: Path):
    path = write_config(
        tmp_path, replace={'company_prefix = "9520123"': 'company_prefix = "952012345678"'}
    )
    config = load_config(path)
    assert config.shipping is not None
    scheme = config.shipping.sscc
    assert scheme.capacity == 9999
    conn = open_state(config.state_dir)
    _allocate(conn, scheme, 8999)
    checked = lotedge("config", "check", str(path))
    assert checked.returncode == 0 and "SSCC serial" not in checked.stderr  # 89.99 %: quiet
    _allocate(conn, scheme, 2)
    checked = lotedge("config", "check", str(path))
    assert checked.returncode == 0
    assert "9001 of 9999 SSCC serial references of prefix 952012345678" in checked.stderr
    assert "customer CORNER has no gln: shipments to it are written" in checked.stderr
    _allocate(conn, scheme, 998)
    with pytest.raises(SerialRangeExhausted, match="no SSCC serial left"):
        _allocate(conn, scheme, 1)
    preview = lotedge("sscc", "preview", "-c", str(path))
    assert preview.returncode == 1 and "no SSCC serial left" in preview.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('company_prefix = "95201A3"', "must be digits only"),
        ('company_prefix = "95201"', "shorter than the 6 digits GS1 assigns in the 952 range"),
        ('company_prefix = "9520123456789"', "has 13 digits; a GS1 Company Prefix has 4-12"),
        ('company_prefix = "9520123456789012"', "leaves no room for an SSCC serial reference"),
        ('gln = "9520987000012"', "customers[0].gln"),  # wrong check digit
        ('code = "CORNER"', "customer code used more than once: CORNER"),
        ("extension_digit = 0", None),
    ],
)
def test_config_check_refuses_bad_prefixes_glns_and_codes(tmp_path: Path, setting, message):
    key = setting.split(" = ")[0]
    replacements = {
        "company_prefix": 'company_prefix = "9520123"',
        "gln": 'gln = "9520987000011"',
        "code": 'code = "SHOPCO"',
        "extension_digit": "extension_digit = 0",
    }
    wrong = setting if message else "extension_digit = 10"
    path = write_config(tmp_path, replace={replacements[key]: wrong})
    checked = lotedge("config", "check", str(path))
    assert checked.returncode == 1
    assert (message or "shipping.extension_digit") in checked.stderr, checked.stderr


def test_customers_may_come_from_the_master_data_file(tmp_path: Path):
    (tmp_path / "masterdata.toml").write_text(
        '[[customers]]\ncode = "FARAWAY"\nname = "Far Away Foods"\ngln = "9520555000016"\n'
    )
    root_key = 'master_data_file = "masterdata.toml"\n[identity]'
    path = write_config(tmp_path, replace={"[identity]": root_key})
    config = load_config(path)
    assert [c.code for c in config.customers] == ["SHOPCO", "CORNER", "FARAWAY"]
    customer = config.customer("FARAWAY")
    assert customer is not None and customer.gln == "9520555000016"


def test_100000_ssccs_across_repeated_kill_9_are_never_reused(tmp_path: Path):
    """A process allocating SSCCs in transactions of 500 is SIGKILLed at random moments (and
    restarted with its clock stepped back and forth): every SSCC it reported committed is in
    the ledger, and no SSCC is ever issued twice."""
    path = write_config(tmp_path)
    rng = random.Random(14)
    told: list[str] = []
    offsets = [0, -400, 30, -1, 0, 365, -3650, 0]
    round_ = 0
    while len(told) < 100_000:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(path), str(offsets[round_ % len(offsets)])],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        for _ in range(rng.randint(10, 40)):
            line = child.stdout.readline()
            assert line, "the child stopped"
            told.extend(line.split())
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        rest = child.stdout.read()  # committed, not yet read; a line cut by the kill is not
        told.extend(" ".join(rest.split("\n")[:-1]).split())
        child.stdout.close()
        round_ += 1
    assert round_ >= 3
    assert len(set(told)) == len(told), "an SSCC was issued twice"
    conn = connect(load_config(path).state_dir / "state.db")
    issued = [sscc for (sscc,) in conn.execute("SELECT sscc FROM issued_ssccs")]
    assert set(told) <= set(issued)
    for sscc in rng.sample(issued, 200):
        assert Sscc.parse(sscc).company_prefix is not None
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
