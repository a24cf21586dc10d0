"""What the demo's steps share: running a `lotedge` command, waiting, the private-URN check."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from lotedge.apps.demo.script import WAIT


def lotedge_cli(*args: str, timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
    """`lotedge ARGS` as a user runs it, its output captured (killed after `timeout` s)."""
    return subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Whether `condition` came true within `timeout` seconds (asked every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def private_urns(database: Any) -> list[str]:
    """The `urn:lotedge:` identifiers in the stored events (their @context's extension
    namespace, `urn:lotedge:ns:`, is a prefix definition, not an identifier)."""
    found = []
    for (body,) in database.fetchall("SELECT body FROM events"):
        event = json.loads(body)
        event.pop("@context", None)
        found += re.findall(r"urn:lotedge:[^\"]*", json.dumps(event))
    return sorted(set(found))
