"""``lotedge sim scanner ...`` and ``lotedge sim camera ...``: simulated devices for testing a line.

`register(sim_commands)` adds the ``scanner`` and ``camera`` parsers to the sub-commands of
``lotedge sim``; each sets ``func`` to its handler, called with the parsed arguments.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lotedge.devices.options import SUFFIXES
from lotedge.simulators import scanscript

if TYPE_CHECKING:
    from lotedge.simulators.camera import Code


def script_path(name: str) -> Path:
    """A scan script by path, or by name among the shipped ones (``bakery_line``)."""
    for candidate in (Path(name), scanscript.SCRIPTS / name, scanscript.SCRIPTS / f"{name}.scan"):
        if candidate.is_file():
            return candidate
    shipped = ", ".join(p.stem for p in sorted(scanscript.SCRIPTS.glob("*.scan")))
    raise argparse.ArgumentTypeError(f"no scan script {name!r} (shipped: {shipped})")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT like 1280x720, got {text!r}"
        ) from None


def add_scanner_parser(sim_commands: argparse._SubParsersAction) -> None:
    """``sim scanner pty|tcp-server|tcp-client``."""
    parser = sim_commands.add_parser(
        "scanner",
        help="a simulated serial or TCP scanner playing a scan script or typed lines",
        description="Without --script, each line typed is sent as a scan (<GS> for GS).",
    )
    parser.add_argument("mode", choices=("pty", "tcp-server", "tcp-client"))
    parser.add_argument(
        "address",
        nargs="?",
        default="127.0.0.1:4001",
        help="tcp-server: listen address; tcp-client: the agent's tcp-listen",
    )
    parser.add_argument("--link", help="pty: also create this stable symlink to the device")
    parser.add_argument("--script", type=script_path, help="scan script path or shipped name")
    parser.add_argument("--suffix", choices=[s for s in SUFFIXES if s != "AUTO"], default="CR")
    parser.add_argument(
        "--wait",
        type=float,
        default=2.0,
        help="seconds to wait before playing, for the agent to open the device",
    )
    parser.add_argument(
        "--hold",
        type=float,
        default=None,
        help="seconds to stay connected after the last scan (default: until Ctrl+C)",
    )
    parser.set_defaults(func=run_scanner)


def add_camera_parser(sim_commands: argparse._SubParsersAction) -> None:
    """``sim camera``: the example line's codes as an MJPEG stream (or a video file)."""
    parser = sim_commands.add_parser(
        "camera", help="a simulated barcode camera serving MJPEG over HTTP"
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--size", type=_size, default=(1280, 720), help="WIDTHxHEIGHT")
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--degrade", choices=("clean", "realistic", "harsh"), default="realistic")
    parser.add_argument(
        "--code",
        action="append",
        metavar="FORMAT:TEXT",
        help="code to show, e.g. DataMatrix:(01)09501101530003(10)L1 "
        "(bracketed AIs make it GS1); repeatable; default: the example line",
    )
    parser.add_argument("--once", action="store_true", help="show the codes once, do not loop")
    parser.add_argument("--video", type=Path, help="write an MJPEG .avi instead of serving")
    parser.set_defaults(func=run_camera)


def register(sim_commands: argparse._SubParsersAction) -> None:
    """Add ``scanner`` and ``camera`` to the sub-commands of ``lotedge sim``."""
    add_scanner_parser(sim_commands)
    add_camera_parser(sim_commands)


def _typed_lines() -> Iterator[scanscript.Send]:
    return (scanscript.Send(scanscript.unescape(line.rstrip("\r\n")), 0.0, 0) for line in sys.stdin)


def _echoing(write: Callable[[bytes], object]) -> Callable[[bytes], object]:
    def write_and_show(data: bytes) -> None:
        write(data)
        print(f"sent {data!r}", flush=True)

    return write_and_show


def run_scanner(args: argparse.Namespace) -> int:
    """Open the simulated device, play the script (or typed lines), keep it open until Ctrl+C."""
    from lotedge.simulators.scanner import PtyScanner, TcpScannerClient, TcpScannerServer

    host, _, port = args.address.rpartition(":")
    device: PtyScanner | TcpScannerServer | TcpScannerClient
    if args.mode == "pty":
        device = PtyScanner(args.link)
        where = f"serial://{device.device}"
    elif args.mode == "tcp-server":
        device = TcpScannerServer(host, int(port))
        where = f"tcp://{host}:{device.address[1]}"
    else:
        device = TcpScannerClient(host, int(port))  # connects on the first scan
        where = f"tcp-listen://{host}:{port}"
    print(f"simulated scanner: point the agent at {where}", flush=True)
    try:
        time.sleep(args.wait)
        sends = scanscript.load_script(args.script) if args.script else _typed_lines()
        count = scanscript.play(sends, _echoing(device.write), SUFFIXES[args.suffix])
        print(f"sent {count} scans; Ctrl+C to unplug", flush=True)
        threading.Event().wait(args.hold)
    except KeyboardInterrupt:
        pass
    finally:
        device.close()
    return 0


def run_camera(args: argparse.Namespace) -> int:
    """Serve the scene as MJPEG (looping unless --once), or write it to --video."""
    from lotedge.simulators import camera

    codes = [_code(text) for text in args.code] if args.code else camera.EXAMPLE_CODES
    frames = camera.scene(codes, args.size, args.fps, degradation=camera.PRESETS[args.degrade])
    if args.video:
        count = camera.write_video(args.video, frames, args.fps)
        print(f"wrote {count} frames to {args.video}")
        return 0
    jpegs = [camera.encode_jpeg(frame) for frame in frames]
    server = camera.MjpegServer(jpegs, args.fps, port=args.port, loop=not args.once).start()
    print(f"camera stream: {server.url}  (agent URL: {server.url}?formats=DataMatrix,Code128)")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _code(text: str) -> Code:
    from lotedge.simulators.camera import Code

    fmt, sep, content = text.partition(":")
    if not sep:
        raise SystemExit(f"--code expects FORMAT:TEXT, got {text!r}")
    return Code(content, fmt, gs1=content.startswith("("))
