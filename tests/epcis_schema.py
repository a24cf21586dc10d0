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


def errors(checker: Draft7Validator, event: dict[str, Any]) -> list[str]:
    """What is wrong with `event`, one line per error (empty when valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in checker.iter_errors(event)]
