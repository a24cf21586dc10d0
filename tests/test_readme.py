"""README's "Using it" block, run as written: every command, in its order, against copies of the
shipped example configs (config/lotedge.example.toml, config/store.example.toml) in a scratch
directory, with a private Mosquitto and the simulators, so the README cannot drift.

What the test changes, and only that: the fixed ports (1883, 9100, 8081) become free ones; the
edits the README asks of the reader are made (the agent's four [mqtt] lines uncommented, the
scanner `hopper` uncommented with a simulated scanner's device); the lot `batch end` prints
replaces the README's example lot; a pty simulator plays the test sheet where the README says
"scan the sheet". Long-running commands (the agent, the store, the simulators) run in the
background and are stopped at the end.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lotedge.apps.broker import free_port
from tests.conftest import REPO
from tests.publish.broker import MOSQUITTO, Mosquitto

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed"),
]

AGENT = "config/lotedge.example.toml"
STORE = "config/store.example.toml"
README_LOT = "26339L10001"
BACKGROUND = ("run", "store", "sim")
"""Commands that run until stopped: `lotedge store` without a subcommand, `run`, `sim ...`."""


def readme_commands() -> list[str]:
    """The `lotedge` lines of the "Using it" block, comments removed, `-c ...` spelt out."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Using it", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "lotedge", line
            commands.append(shlex.join(words).replace("-c ...", f"-c {AGENT}"))
    return commands


def test_the_block_is_found_and_spells_out_each_config():
    commands = readme_commands()
    assert len(commands) > 30
    assert all("..." not in c for c in commands)
    assert f"lotedge run -c {AGENT}" in commands


class Walkthrough:
    """A scratch directory with the example configs, and the commands run in it."""

    def __init__(self, root: Path, broker_port: int) -> None:
        self.root = root
        self.ports = {"1883": str(broker_port), "9100": str(free_port()), "8081": str(free_port())}
        self.replacements: dict[str, str] = {}
        self.background: list[subprocess.Popen[str]] = []
        (root / "config").mkdir(parents=True)
        shutil.copy(REPO / STORE, root / STORE)
        agent = (REPO / AGENT).read_text()
        agent, uncommented = re.subn(
            r"# \[mqtt\]\n# (host = .*)\n# (port = .*)\n# (tls = .*)\n",
            r"[mqtt]\n\1\n\2\n\3\n",
            agent,
        )
        assert uncommented == 1, "the README's four [mqtt] lines are not in the agent config"
        (root / AGENT).write_text(agent)
        for name in (AGENT, STORE):
            path = root / name
            path.write_text(path.read_text().replace("port = 1883", f"port = {broker_port}"))

    def argv(self, command: str) -> list[str]:
        words = shlex.split(command)
        for i, word in enumerate(words):
            words[i] = self.ports.get(word, self.replacements.get(word, word))
        return [sys.executable, "-m", "lotedge.cli.main", *words[1:]]

    def run(self, command: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(command),
            cwd=self.root,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            check=False,
        )

    def start(self, command: str, ready: str) -> subprocess.Popen[str]:
        """A long-running command; returns once a line of its output holds `ready`."""
        process = subprocess.Popen(
            self.argv(command),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.background.append(process)
        seen = []
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if ready in line:
                # Read on until it ends: a full pipe nobody reads would block its next line
                # (and its stop on SIGINT).
                drain = threading.Thread(target=process.stdout.read, daemon=True)
                drain.start()
                return process
        raise AssertionError(f"{command} ended before {ready!r}:\n{''.join(seen)}")

    def stop(self) -> None:
        for process in reversed(self.background):
            process.send_signal(signal.SIGINT)
        for process in self.background:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def walkthrough(tmp_path: Path) -> Iterator[Walkthrough]:
    broker = Mosquitto(tmp_path / "mosquitto", None)
    broker.start()
    walk = Walkthrough(tmp_path / "clone", broker.port)
    try:
        yield walk
    finally:
        walk.stop()
        broker.stop()


def wait_for(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


READY = {
    "lotedge run": "lotedge ready",
    "lotedge store": "subscribed to",
    "lotedge sim scanner": "simulated scanner",
    "lotedge sim printer": "printer simulator on",
    "lotedge sim camera": "camera stream:",
}


def scanner_test(walk: Walkthrough, command: str) -> subprocess.CompletedProcess[str]:
    """`scanner test` with the config's commented scanner `hopper` on a simulated serial
    scanner that scans the test sheet (as the README's reader would, by hand)."""
    link = walk.root / "ttyScanner"
    scanner = walk.start(
        f"lotedge sim scanner pty --link {link} --script test_sheet --wait 2 --hold 30",
        "simulated scanner",
    )
    agent = walk.root / AGENT
    text = agent.read_text()
    commented = '# [[scanners]]\n# name = "hopper"\n# url = "serial:///dev/ttyACM0?baud=9600"\n'
    assert commented in text
    scanners = f'[[scanners]]\nname = "hopper"\nurl = "serial://{link}?suffix=CR"\n'
    agent.write_text(text.replace(commented, scanners))
    try:
        return walk.run(command)
    finally:
        agent.write_text(text)
        scanner.send_signal(signal.SIGINT)
        scanner.wait(60)  # SIGINT: a few seconds, more on a loaded CI machine


def test_every_command_of_using_it_works_as_written(walkthrough: Walkthrough):
    walk = walkthrough
    for command in readme_commands():
        words = shlex.split(command)
        if words[1] in BACKGROUND and (words[1] != "store" or words[2].startswith("-")):
            (ready,) = [text for prefix, text in READY.items() if command.startswith(prefix)]
            walk.start(command, ready)
            continue
        if words[1:3] == ["scanner", "test"]:
            done = scanner_test(walk, command)
        else:
            done = walk.run(command)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        if words[1:3] == ["batch", "end"]:
            (lot,) = re.findall(r"lot (\S+?)\.?$", done.stdout.strip())
            walk.replacements[README_LOT] = lot
            wait_for(
                lambda lot=lot: (
                    walk.run(f"lotedge trace backward {lot} -c {STORE}").returncode == 0
                ),
                "the store has the batch's events",
            )
