"""docs/scan-decisions.md and the code agree: every reason of its table is a reason code and
every scan reason is in it, and each example label of its examples table gets its reason (with
any AIM prefix where the row says so)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from lotedge.config.model import Config
from lotedge.core.decisions import Decision, ScanContext, decide_material
from lotedge.core.reasons import Reason
from lotedge.core.scan import RawScan, parse_scan
from tests.conftest import REPO
from tests.core.test_engine import REQUEST_ERRORS

DOC = (REPO / "docs" / "scan-decisions.md").read_text()
PREFIXES = ("", "]C1", "]C0", "]Q1")


def _rows(marker_start: str, marker_end: str) -> list[list[str]]:
    block = DOC[DOC.index(marker_start) : DOC.index(marker_end, DOC.index(marker_start))]
    lines = [line for line in block.splitlines() if line.startswith("| ")][1:]  # no header
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def _examples() -> list[tuple[str, str, bool]]:
    rows = _rows("<!-- decision-examples -->", "<!-- /decision-examples -->")
    return [(scan.strip("`"), reason.strip("`"), any == "yes") for scan, reason, any, _ in rows]


def decide(example: Config, text: str) -> Decision:
    data = text.replace("<GS>", "\x1d").encode()
    now = datetime(2026, 6, 1, 10).astimezone()
    context = ScanContext(now, example.product("BREAD"), example.materials, timedelta(0))
    return decide_material(parse_scan(RawScan(data), example.materials, "#LE:"), context)


def test_the_reasons_table_is_every_scan_reason():
    rows = _rows("| outcome | reason |", "\n\n")
    in_table = {code for row in rows for code in re.findall(r"`([a-z0-9_]+)`", row[1])}
    assert in_table == {r.value for r in Reason} - REQUEST_ERRORS


def test_the_examples_table_covers_the_reasons_of_a_label():
    covered = {reason for _, reason, _ in _examples()}
    label_reasons = {
        "unreadable",
        "invalid_gs1",
        "separator_token",
        "missing_separator",
        "pallet_label",
        "no_lot",
        "unknown_material",
        "accepted",
    }
    assert covered == label_reasons


@pytest.mark.parametrize(("scan", "reason", "any_prefix"), _examples())
def test_each_example_gets_its_reason(example: Config, scan: str, reason: str, any_prefix: bool):
    for prefix in PREFIXES if any_prefix else ("",):
        decision = decide(example, prefix + scan)
        assert decision.reason.value == reason, (prefix + scan, decision.message)
        assert ".." not in decision.message and decision.message.endswith(".")
