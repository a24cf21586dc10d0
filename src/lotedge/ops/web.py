"""Small pieces shared by the agent's and the store's HTTP servers (stdlib http.server)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

JSON = "application/json"


def bearer_matches(authorization: str | None, token: bytes) -> bool:
    """True when an `Authorization: Bearer <token>` header carries `token` (constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(given.strip(), token)


def token_matches(given: str, token: bytes) -> bool:
    """Compare a presented token with the expected one in constant time."""
    return hmac.compare_digest(given.encode(), token)


def json_text(value: Any) -> str:
    """A JSON reply body: indented, one trailing newline."""
    return json.dumps(value, indent=2) + "\n"


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write a whole response: status, type, length, extra headers and the body."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
