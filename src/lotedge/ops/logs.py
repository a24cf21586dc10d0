"""Logging: readable lines on a terminal, JSON lines under systemd or when asked."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from lotedge.config.base import RESOLVED_SECRETS

#: A word of a log line that may be a URL-encoded value (a query parameter, a path segment).
_ENCODED = re.compile(r"[^\s&?=\"'<>]*[%+][^\s&?=\"'<>]*")


def redact(text: str) -> str:
    """`text` with every secret lotedge has read masked, in each of its encodings: as is,
    escaped (`config.base.secret_forms`), and URL-encoded in any way a client chose."""
    for secret in sorted(RESOLVED_SECRETS, key=len, reverse=True):  # longest form first
        text = text.replace(secret, "***")
    return _ENCODED.sub(_mask_encoded, text)


def _mask_encoded(word: re.Match[str]) -> str:
    decoded = unquote_plus(word.group())
    return "***" if any(secret in decoded for secret in RESOLVED_SECRETS) else word.group()


class RedactSecrets(logging.Filter):
    """Masks every secret lotedge has read (passwords, tokens) in any log record, its
    traceback included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if RESOLVED_SECRETS:
            record.msg, record.args = redact(record.getMessage()), ()
            if record.exc_info:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
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
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
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
