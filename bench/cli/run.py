"""How fast the command line answers, and how much memory the daemon holds.

A tech types `lotedge scan ...` or `lotedge batch status` at the line; each is a new Python
process. Measured here, each beside a bare Python start (`python -c "import argparse, json,
sqlite3"`) in the same run, the commands interleaved round by round so that load on the machine
hits them alike:

* `lotedge --help` (the parser and nothing else);
* the control-socket commands against a running agent: `scan`, `batch` (start / cancel in
  turn), `hold list`, `batch status`;
* the daemon's resident memory (VmRSS from /proc) once it is up and has served those commands,
  without a camera and with one 1080p MJPEG camera at 15 fps (the camera simulator), after it has
  decoded frames for a while.

    .venv/bin/python -m bench.cli.run [--quick] [--rounds N] [--camera-seconds S]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, figures

LOTEDGE = str(Path(sys.executable).parent / "lotedge")
BARE = [sys.executable, "-c", "import argparse, json, sqlite3"]


def write_config(directory: Path, extra: str = "") -> Path:
    """The example config with its state in `directory`/state and `extra` appended."""
    text = (REPO / "config" / "lotedge.example.toml").read_text()
    path = directory / "lotedge.toml"
    path.write_text(text.replace('dir = "../state"', 'dir = "state"') + extra)
    return path


def start_agent(config: Path) -> subprocess.Popen[str]:
    agent = subprocess.Popen(
        [LOTEDGE, "run", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert agent.stdout is not None
    for line in agent.stdout:
        if "lotedge ready" in line:
            return agent
    raise RuntimeError(f"the agent did not start: {agent.stdout.read()}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def commands(config: Path) -> dict[str, list[list[str]]]:
    """Each measured command; `batch` alternates start and cancel."""
    c = ["-c", str(config)]
    return {
        "python (bare start)": [BARE],
        "lotedge --help": [[LOTEDGE, "--help"]],
        "lotedge scan": [[LOTEDGE, "scan", "#LE:AGAIN", *c]],
        "lotedge batch": [
            [LOTEDGE, "batch", "start", "BREAD", *c],
            [LOTEDGE, "batch", "cancel", *c],
        ],
        "lotedge hold list": [[LOTEDGE, "hold", "list", *c]],
        "lotedge batch status": [[LOTEDGE, "batch", "status", *c]],
    }


def cli_figures(config: Path, rounds: int) -> dict[str, dict[str, float]]:
    measured = commands(config)
    samples: dict[str, list[float]] = {name: [] for name in measured}
    for round_no in range(rounds + 1):
        for name, variants in measured.items():
            took = timed(variants[round_no % len(variants)])
            if round_no:  # the first round warms the file cache
                samples[name].append(took)
    return {name: figures(values) for name, values in samples.items()}


def camera_rss(directory: Path, seconds: float) -> tuple[float, str]:
    """The agent's RSS with one 1080p camera at 15 fps, after `seconds` of frames."""
    port = free_port()
    camera = subprocess.Popen(
        [LOTEDGE, "sim", "camera", "--port", str(port), "--size", "1920x1080", "--fps", "15"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert camera.stdout is not None
        line = camera.stdout.readline()
        url = line.split("agent URL: ", 1)[1].rstrip(")\n")
        config = write_config(directory, f'\n[[cameras]]\nname = "cam"\nurl = "{url}"\n')
        agent = start_agent(config)
        try:
            time.sleep(seconds)
            return rss_mb(agent.pid), url
        finally:
            agent.terminate()
            agent.wait(20)
    finally:
        camera.terminate()
        camera.wait(20)


def free_port() -> int:
    from lotedge.apps.broker import free_port as free

    return free()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds, 5 s of camera frames")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--camera-seconds", type=float, default=20.0)
    args = parser.parse_args()
    rounds = 10 if args.quick else args.rounds
    seconds = 5.0 if args.quick else args.camera_seconds
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        directory = Path(tmp)
        (directory / "plain").mkdir()
        config = write_config(directory / "plain")
        agent = start_agent(config)
        try:
            cli = cli_figures(config, rounds)
            idle_rss = rss_mb(agent.pid)
        finally:
            agent.terminate()
            agent.wait(20)
        (directory / "camera").mkdir()
        with_camera, url = camera_rss(directory / "camera", seconds)
    bare = cli["python (bare start)"]["median_ms"]
    print(f"{rounds} rounds, each command a new process (median, p99; x bare Python's median)")
    for name, figure in cli.items():
        ratio = figure["median_ms"] / bare
        print(
            f"  {name:<22} median {figure['median_ms']:7.1f} ms  p99 {figure['p99_ms']:7.1f} ms"
            f"  {ratio:5.2f}x"
        )
    print(f"daemon RSS without a camera: {idle_rss:.1f} MB")
    print(
        f"daemon RSS with one 1080p camera at 15 fps ({seconds:g} s, {url}): {with_camera:.1f} MB"
    )
    print(json.dumps({"cli": cli, "rss_mb": {"idle": idle_rss, "camera_1080p": with_camera}}))


if __name__ == "__main__":
    main()
