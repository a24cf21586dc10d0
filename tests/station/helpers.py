"""Talking to a running station over real HTTP: JSON requests and the server-sent events."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

WAIT = 15.0


class Station:
    """A client of one station URL (`http://host:port/`)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.host = urlsplit(url).netloc
        self.headers = headers or {}

    def request(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> http.client.HTTPResponse:
        """One request on a fresh connection; the response is read in full."""
        conn = http.client.HTTPConnection(self.host, timeout=WAIT)
        conn.request(method, path, body=body, headers={**self.headers, **headers})
        response = conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        conn.close()
        return response

    def state(self) -> dict[str, Any]:
        response = self.request("GET", "/api/state")
        assert response.status == 200, response.body  # type: ignore[attr-defined]
        return json.loads(response.body)  # type: ignore[attr-defined]

    def command(self, op: str, args: object) -> tuple[int, dict[str, Any]]:
        body = json.dumps(args).encode()
        response = self.request(
            "POST", f"/api/command/{op}", body, **{"Content-Type": "application/json"}
        )
        return response.status, json.loads(response.body)  # type: ignore[attr-defined]

    def events(self) -> Events:
        return Events(self.host, self.headers)


class Events:
    """An open `/api/events` stream, read event by event."""

    def __init__(self, host: str, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection(host, timeout=WAIT)
        self.conn.request("GET", "/api/events", headers=headers)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self) -> dict[str, Any]:
        """The next `state` event's snapshot (comments and the retry line are skipped)."""
        event, data = "", []
        while True:
            line = self.response.fp.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data.append(line.removeprefix("data: "))
            elif not line and data:
                assert event == "state"
                return json.loads("\n".join(data))

    def until(
        self, condition: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> dict[str, Any]:
        """Read snapshots until one meets `condition`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snapshot = self.next()
            if condition(snapshot):
                return snapshot
        raise AssertionError("no snapshot met the condition in time")

    def close(self) -> None:
        self.conn.close()
