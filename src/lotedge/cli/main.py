"""The `lotedge` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from lotedge.cli import (
    agent_cmds,
    config_cmds,
    ops_cmds,
    scanner_cmds,
    shipping_cmds,
    sim,
    sim_printer,
    sscc_cmds,
    store_cmds,
)

DEFAULT_CONFIG = os.environ.get("LOTEDGE_CONFIG", "/etc/lotedge/lotedge.toml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lotedge", description="Shop-floor edge agent for lot traceability."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_cmds.register(sub, DEFAULT_CONFIG)
    agent_cmds.register(sub, DEFAULT_CONFIG)
    ops_cmds.register(sub, DEFAULT_CONFIG)
    scanner_cmds.register(sub, DEFAULT_CONFIG)
    shipping_cmds.register(sub, DEFAULT_CONFIG)
    sscc_cmds.register(sub, DEFAULT_CONFIG)
    store_cmds.register(sub, DEFAULT_CONFIG)
    simulators = sub.add_parser("sim", help="simulated scanners, cameras and printers")
    devices = simulators.add_subparsers(dest="device", required=True, metavar="DEVICE")
    sim.register(devices)
    sim_printer.register_printer_sim(devices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(store_cmds.hold_shorthand(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
