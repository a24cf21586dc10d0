"""Logs: JSON lines when asked, and no secret ever appears in them."""

from __future__ import annotations

import json
import logging

import pytest

from lotedge.config.base import SecretRef
from lotedge.ops.logs import setup_logging


def test_secrets_are_masked_in_json_logs(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("LOTEDGE_TEST_TOKEN", "tok-9f8e7d")
    token = SecretRef(env="LOTEDGE_TEST_TOKEN").resolve()
    setup_logging("INFO", json_lines=True)
    log = logging.getLogger("lotedge.test")
    log.warning("connecting with %s", token)
    log.error(f"broker said no to password {token}")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [entry["message"] for entry in lines] == [
        "connecting with ***",
        "broker said no to password ***",
    ]
    assert all(entry["level"] in ("warning", "error") for entry in lines)
    logging.getLogger().handlers.clear()
