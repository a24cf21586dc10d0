"""Logging: readable lines on a terminal, JSON lines under systemd or when asked."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from lotedge.config.base import RESOLVED_SECRETS


class RedactSecrets(logging.Filter):
    """Masks every secret lotedge has read (passwords, tokens) in any log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if RESOLVED_SECRETS:
            message = record.getMessage()
            for secret in RESOLVED_SECRETS:
                message = message.replace(secret, "***")
            record.msg, record.args = message, ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def setup_logging(level: str = "INFO", json_lines: bool | None = None) -> None:
    """JSON when `json_lines`, or by default when stderr is not a terminal under systemd."""
    if json_lines is None:
        json_lines = "JOURNAL_STREAM" in os.environ or "INVOCATION_ID" in os.environ
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
