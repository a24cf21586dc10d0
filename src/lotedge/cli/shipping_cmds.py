"""Shipping dock commands for the running daemon: pallets and dispatch (docs/shipping.md)."""

from __future__ import annotations

import argparse

from lotedge.cli.agent_cmds import _client_parser as client_parser


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    pallet = sub.add_parser("pallet", help="pallets at the shipping dock")
    pallet_sub = pallet.add_subparsers(dest="pallet_command", required=True)
    opening = client_parser(
        pallet_sub, "open", "open a pallet (allocates its SSCC)", default_config
    )
    opening.add_argument("--customer", help="the customer code it is packed for")
    opening.set_defaults(op="pallet.open", build=lambda a: {"customer": a.customer})
