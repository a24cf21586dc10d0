"""``lotedge sim printer``: the printer simulator as a process a tech can point the agent at.

Faults are switched on stdin (``paper_out 1``, ``head_open 0``, ``clear``, ``status``, ``jobs``,
``quit``) or over HTTP with ``--control-port`` (``POST /fault?paper_out=1``, ``GET /jobs``).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lotedge.printers.status import FAULTS

if TYPE_CHECKING:
    from lotedge.simulators.printer import PrinterSimulator

HELP = f"commands: <fault> 1|0 (faults: {', '.join(FAULTS)}), clear, status, jobs, help, quit"


def register_printer_sim(sim_subparsers: argparse._SubParsersAction) -> None:
    """Add ``printer`` to the sub-commands of ``lotedge sim``."""
    parser = sim_subparsers.add_parser(
        "printer",
        help="a simulated Zebra printer on TCP that renders what it prints to PNG",
        description=HELP,
    )
    parser.add_argument("--port", type=int, default=9100, help="TCP port (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--out", type=Path, default=None, help="directory for .zpl and .png")
    parser.add_argument("--control-port", type=int, default=None, help="HTTP control port")
    parser.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    parser.set_defaults(func=cmd_printer)


def cmd_printer(args: argparse.Namespace) -> int:
    from lotedge.simulators.printer import PrinterSimulator

    sim = PrinterSimulator(
        args.port, args.out, host=args.host, control_port=args.control_port, dpi=args.dpi
    )
    try:
        sim.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    control = f", control http://{args.host}:{sim.control_port}" if sim.control_port else ""
    print(f"printer simulator on tcp://{args.host}:{sim.port}{control}", flush=True)
    print(HELP, flush=True)
    try:
        serve_stdin(sim, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def serve_stdin(sim: PrinterSimulator, stdin: TextIO, stdout: TextIO) -> None:
    """Run commands from `stdin` until ``quit``; at end of input keep serving until interrupted."""
    for line in stdin:
        words = line.split()
        if not words:
            continue
        if words == ["quit"]:
            return
        print(run_command(sim, words), file=stdout, flush=True)
    threading.Event().wait()


def run_command(sim: PrinterSimulator, words: list[str]) -> str:
    """One stdin command; returns the text to show."""
    match words:
        case ["clear"]:
            sim.clear_faults()
        case ["status"]:
            pass
        case ["jobs"]:
            return json.dumps([j.summary() for j in list(sim.jobs)])
        case [fault, ("1" | "0" | "on" | "off") as value] if fault in FAULTS:
            sim.set_fault(**{fault: value in ("1", "on")})
        case _:
            return HELP
    return json.dumps(sim.snapshot())
