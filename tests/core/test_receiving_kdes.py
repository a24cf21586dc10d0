"""FSMA 204 key data elements at receiving, through the engine on a real SQLite state: a vendor
location's TLC source reference goes with each receipt; with `[compliance] fsma204` a receipt
that would leave a key data element empty is refused, naming it, and nothing is recorded;
config check warns about the master data beforehand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config
from tests.core.test_engine import Line
from tests.core.test_receiving import OLD, outbox, receive

SITE = """
[[locations]]
code = "PLANT1"
name = "Lotedge Bakery Inc."
phone = "(217) 555-0100"
address = "1 Oven Road"
city = "Springfield"
state = "IL"
postal_code = "62701"
country = "US"
"""
MILL = """
[[locations]]
code = "NM"
name = "Northern Mills"
gln = "9521234000013"
phone = "(309) 555-0111"
address = "7 Wheat Lane"
city = "Peoria"
state = "IL"
postal_code = "61602"
country = "US"
tlc_source_reference = "FEI 3012345678"
"""
FSMA = "[compliance]\nfsma204 = true\n"


def line_with(directory: Path, extra: str) -> Line:
    directory.mkdir(exist_ok=True)
    return Line(write_config(directory, extra=extra))


def test_the_vendors_tlc_source_reference_goes_with_the_receipt(tmp_path: Path):
    line = line_with(tmp_path, SITE + MILL)
    assert receive(line, OLD)[-1] == "received"
    (event,) = outbox(line, "events")
    assert event["lotedge:tlcSourceReference"] == "FEI 3012345678"


def test_complete_master_data_receives_under_fsma204(tmp_path: Path):
    line = line_with(tmp_path, FSMA + SITE + MILL)
    assert receive(line, OLD)[-1] == "received"


def test_a_receipt_missing_a_key_data_element_is_refused_naming_it(tmp_path: Path):
    mill = MILL.replace('tlc_source_reference = "FEI 3012345678"\n', "").replace(
        'phone = "(309) 555-0111"\n', ""
    )
    line = line_with(tmp_path, FSMA + mill)  # no site location either
    receive(line)
    reply = line.decide(OLD)
    assert reply["reason"] == "missing_kde"
    for named in ("vendor NM's phone", "tlc_source_reference", "site 'PLANT1'"):
        assert named in reply["message"]
    assert line.rows("receipts") == 0 and outbox(line, "events") == []


def test_config_check_warns_about_master_data_that_leaves_a_kde_empty(tmp_path: Path):
    path = write_config(tmp_path, extra=FSMA + SITE + MILL)
    done = subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", "config", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    warnings = [w for w in done.stderr.splitlines() if "FSMA 204" in w]
    # Northern Mills is complete; the other two vendors have no location entry.
    assert len(warnings) == 2, warnings
    assert any("'Sweet & Co'" in w and "SUGAR" in w for w in warnings)
    assert any("'Levure SA'" in w and "YEAST" in w for w in warnings)
