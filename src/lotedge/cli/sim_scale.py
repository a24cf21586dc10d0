"""``lotedge sim scale``: the scale simulator as a process a tech can point the agent at.

MT-SICS (or continuous output) on a pseudo-terminal, or on TCP with ``--port``. A scale script
(``--script``) plays first; then each line typed on stdin is a step of the same grammar
(``load 25 settle=1``, ``overload``, ``stuck 2``, ``disconnect`` ...; see
`lotedge.simulators.scale`).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TextIO

from lotedge.simulators.scale import ScaleModel, ScaleServer, ScriptError, parse_script, play


def register_scale_sim(sim_subparsers: argparse._SubParsersAction) -> None:
    """Add ``scale`` to the sub-commands of ``lotedge sim``."""
    parser = sim_subparsers.add_parser(
        "scale",
        help="a simulated scale speaking MT-SICS (or continuous output) on a pty or TCP",
        description="Steps typed on stdin: load KG [settle=S], wait S, overload, underload, "
        "stuck N, disconnect.",
    )
    parser.add_argument("--port", type=int, default=None, help="serve TCP 127.0.0.1:PORT (0: any)")
    parser.add_argument("--link", type=Path, help="pty: also create this stable symlink")
    parser.add_argument("--protocol", choices=("sics", "continuous"), default="sics")
    parser.add_argument("--interval", type=float, default=0.1, help="continuous: seconds a line")
    parser.add_argument("--s-timeout", type=float, default=3.0, help="S waits this long to settle")
    parser.add_argument("--script", type=Path, help="a scale script to play first")
    parser.set_defaults(func=cmd_scale)


def cmd_scale(args: argparse.Namespace) -> int:
    try:
        steps = parse_script(args.script.read_text()) if args.script else []
    except (OSError, ScriptError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = ScaleModel(s_timeout=args.s_timeout)
    try:
        server = ScaleServer(
            model, protocol=args.protocol, port=args.port, link=args.link, interval=args.interval
        )
    except OSError as exc:
        print(f"error: cannot serve the scale: {exc}", file=sys.stderr)
        return 1
    scheme = "tcp" if args.port is not None else "serial"
    query = "?protocol=continuous" if args.protocol == "continuous" else ""
    print(f"scale simulator: {scheme}://{server.device}{query}", flush=True)
    try:
        play(steps, server)
        serve_stdin(server, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def serve_stdin(server: ScaleServer, stdin: TextIO, stdout: TextIO) -> None:
    """Play each line of `stdin` as a step; at end of input keep serving until interrupted."""
    for line in stdin:
        if line.strip() == "quit":
            return
        try:
            play(parse_script(line), server)
        except ScriptError as exc:
            print(f"error: {exc}", file=stdout, flush=True)
    threading.Event().wait()
