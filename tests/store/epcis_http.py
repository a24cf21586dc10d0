"""A store's HTTP service on a free port (the real server, capture worker and database), a small
client for its EPCIS REST binding, and the conformance check of each exchange against GS1's
OpenAPI document (`openapi-core`) and JSON Schema, when GS1's files are there."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from lotedge.config.store import StoreApiConfig
from lotedge.store.http_service import serve_http

TOKEN = "s3cret"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def store_http(database_url: str, *, forward: bool = False, **limits: int) -> Iterator[str]:
    """The store's HTTP service on `database_url`; yields its base URL."""
    config = StoreApiConfig(bind="127.0.0.1:0", token={"env": "UNUSED"}, **limits)
    with serve_http(config, TOKEN, database_url, forward=forward) as server:
        assert server is not None
        yield f"http://127.0.0.1:{server.server_address[1]}"


class Client:
    """Requests to one store; every exchange goes through `checker` when one is given."""

    def __init__(self, base: str, checker: Any = None, token: str | None = TOKEN) -> None:
        self.base, self.checker, self.token = base, checker, token

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        url = self.base + path + (("?" + urlencode(params, safe="|")) if params else "")
        sent = dict(headers or {})
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            sent["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                reply = Reply(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as exc:
            reply = Reply(exc.code, dict(exc.headers.items()), exc.read())
        if self.checker is not None:
            self.checker.check(method, urlsplit(url), sent, body, reply)
        return reply

    def follow(self, location: str, timeout: float = 30.0) -> dict[str, Any]:
        """The capture job at `location`, once it has finished."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.request("GET", location).json()
            if not job["running"] or time.monotonic() > deadline:
                return job
            time.sleep(0.05)
