"""The client side of the control socket (docs/control-socket.md): one JSON request line, one
reply line. Imports nothing of the agent, so a command that talks to it starts at once."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any


class ControlClient:
    """The CLI's side of the control socket."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout

    def request(self, op: str, **args: Any) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout)
            try:
                sock.connect(str(self.path))
            except (FileNotFoundError, ConnectionRefusedError):
                raise ConnectionError(
                    f"no lotedge daemon is listening on {self.path}; "
                    "start it with 'lotedge run -c FILE'"
                ) from None
            sock.sendall(json.dumps({"op": op, "args": args}, default=str).encode() + b"\n")
            with sock.makefile("rb") as stream:
                line = stream.readline()
        if not line:
            raise ConnectionError("the daemon closed the connection without answering")
        return json.loads(line)
