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
    scale_cmds,
    scanner_cmds,
    sim,
    sim_printer,
    sim_scale,
    store_cmds,
)
from lotedge.cli.errors import CliError

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
    scale_cmds.register(sub, DEFAULT_CONFIG)
    store_cmds.register(sub, DEFAULT_CONFIG)
    simulators = sub.add_parser("sim", help="simulated scanners, cameras, printers and scales")
    devices = simulators.add_subparsers(dest="device", required=True, metavar="DEVICE")
    sim.register(devices)
    sim_printer.register_printer_sim(devices)
    sim_scale.register_scale_sim(devices)
    _help_without_subcommand(parser)
    return parser


def _help_without_subcommand(parser: argparse.ArgumentParser) -> None:
    """`lotedge`, `lotedge batch` ... alone print their commands (not "arguments required");
    a group that does something by itself (`lotedge store` runs the store) keeps doing it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.required = False
            if parser.get_default("func") is None:
                parser.set_defaults(func=lambda _args, p=parser: _print_help(p))
            for child in dict.fromkeys(action.choices.values()):
                _help_without_subcommand(child)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(store_cmds.hold_shorthand(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
