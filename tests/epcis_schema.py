"""Where GS1's EPCIS 2.0 files are (JSON Schema, OpenAPI document, example documents), for the
conformance assertions that use them; each skips, naming where it looked, when they are absent.

`$LOTEDGE_EPCIS_DIR` when set; else the nearest ancestor's `shared/epcis` (the repository's
`../shared/epcis`, found as well from a worktree one level deeper).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

FILE = "EPCIS-JSON-Schema.json"
_REPO = Path(__file__).resolve().parent.parent


def epcis_dir() -> Path:
    if os.environ.get("LOTEDGE_EPCIS_DIR"):
        return Path(os.environ["LOTEDGE_EPCIS_DIR"])
    for parent in _REPO.parents:
        if (parent / "shared" / "epcis" / FILE).is_file():
            return parent / "shared" / "epcis"
    return _REPO.parent / "shared" / "epcis"


SCHEMA = epcis_dir() / FILE


def schema_path() -> Path:
    """The schema file; skips the test (naming where it looked) when it is missing."""
    if not SCHEMA.is_file():
        pytest.skip(f"EPCIS schema not found at {SCHEMA} (GS1's file; set LOTEDGE_EPCIS_DIR)")
    return SCHEMA


def gs1_file(name: str) -> Path:
    """A file (or folder) of GS1's set; skips the test when it is missing."""
    path = epcis_dir() / name
    if not path.exists():
        pytest.skip(f"{name} not found in {epcis_dir()} (GS1's files; set LOTEDGE_EPCIS_DIR)")
    return path


def examples() -> list[Path]:
    """GS1's example documents (`examples/gs1/*.jsonld`); skips when they are absent."""
    return sorted(gs1_file("examples/gs1").glob("*.jsonld"))


def validator() -> Draft7Validator:
    """A draft-07 validator with format checks on (needs jsonschema[format-nongpl])."""
    schema = json.loads(schema_path().read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def problems(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What is wrong with each event (by eventID; only the wrong ones): against GS1's schema
    with format checks when it is here, else by the store's own structural reading of an
    event (what the store accepts without a schema). For behaviour tests, which must not skip
    without GS1's files; the conformance tests check every event kind against the schema."""
    if SCHEMA.is_file():
        checker = validator()
        found = {e.get("eventID", str(i)): errors(checker, e) for i, e in enumerate(events)}
    else:
        from lotedge.store.events import Rejection, parse_event

        found = {}
        for i, event in enumerate(events):
            parsed = parse_event(json.dumps(event).encode())
            found[event.get("eventID", str(i))] = (
                [f"{parsed.code}: {parsed.reason}"] if isinstance(parsed, Rejection) else []
            )
    return {event_id: wrong for event_id, wrong in found.items() if wrong}


def errors(checker: Draft7Validator, event: dict[str, Any]) -> list[str]:
    """What is wrong with `event`, one line per error (empty when valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(event)]
