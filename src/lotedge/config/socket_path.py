"""Where an agent config puts the control socket, read without validating the whole file: a
command that talks to the running agent answers at once (the agent checked the file when it
started; pydantic and the master data are not imported for this)."""

from __future__ import annotations

import tomllib
from pathlib import Path

#: `[state] dir` when the file does not say (relative to the config file).
STATE_DIR = "state"
#: `[control] socket` when the file does not say (relative to the state directory).
CONTROL_SOCKET = "control.sock"


def control_socket(config_path: str | Path) -> Path | None:
    """The control socket of the agent config at `config_path`; None when the file cannot be
    read this way (not there, not TOML, a wrong type): the full check then says why."""
    path = Path(config_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        state = data.get("state", {}).get("dir", STATE_DIR)
        socket = data.get("control", {}).get("socket", CONTROL_SOCKET)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return None
    if not isinstance(state, str) or not isinstance(socket, str) or "identity" not in data:
        return None
    state_dir = Path(state).expanduser()
    if not state_dir.is_absolute():
        state_dir = (path.resolve().parent / state_dir).resolve()
    return state_dir / socket
