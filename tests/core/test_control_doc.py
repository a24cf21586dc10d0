"""docs/control-socket.md names every operation of the control socket with its arguments, and
what it says about framing holds for the real socket."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

from lotedge.agent import codec
from tests.conftest import REPO, write_config
from tests.core.daemon_helpers import control_client, start_daemon

DOC = (REPO / "docs" / "control-socket.md").read_text()


def test_the_table_lists_every_operation_and_its_arguments():
    rows = re.findall(r"^\| `([a-z.]+)` \| (.*?) \|", DOC, re.M)
    documented = {op: set(re.findall(r"`([a-z_]+)`", args)) for op, args in rows}
    assert set(documented) == set(codec.COMMANDS)
    for op, command in codec.COMMANDS.items():
        assert set(command.fields) <= documented[op], op


def test_one_reply_line_per_request_line_on_one_connection(tmp_path: Path):
    path = write_config(tmp_path)
    daemon = start_daemon(path)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(control_client(path).path))
            lines = sock.makefile("rwb")
            replies = []
            for request in (b'{"op": "status"}', b"{nope", b'{"op": "batch.start", "args": {}}'):
                lines.write(request + b"\n")
                lines.flush()
                replies.append(json.loads(lines.readline()))
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert [r["status"] for r in replies] == ["ok", "error", "error"]
    assert replies[1]["code"] == "bad_request"
    assert replies[1]["error"].startswith("the request is not JSON (")
    assert replies[2]["code"] == "bad_request"
