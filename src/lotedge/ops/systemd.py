"""sd_notify: READY, STOPPING, STATUS and WATCHDOG to systemd (a datagram on $NOTIFY_SOCKET).

Written here rather than taken from a package: the protocol is one sendto(), and the PyPI
`sdnotify` package is unmaintained since 2017 while `systemd-python` needs libsystemd headers.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable


def notify(message: str) -> bool:
    """Send one notification; False when not running under systemd (no $NOTIFY_SOCKET)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


def watchdog_interval() -> float | None:
    """Seconds between keepalives (half of WatchdogSec), or None when no watchdog is set."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 2_000_000


def serve_watchdog(heartbeat: Callable[[], float], stop: threading.Event) -> None:
    """Until `stop`: send WATCHDOG=1 while `heartbeat()` (a monotonic time the main loop sets
    as it goes round) is recent. A hung loop stops the keepalives and systemd restarts us."""
    interval = watchdog_interval()
    tick = min(interval, 1.0) if interval else 1.0
    while not stop.wait(tick):
        if interval and time.monotonic() - heartbeat() < 2 * interval:
            notify("WATCHDOG=1")
