"""Shipping dock commands for the running daemon: pallets and dispatch (docs/shipping.md)."""

from __future__ import annotations

import argparse

from lotedge.cli.agent_cmds import _client_parser as client_parser
from lotedge.cli.agent_cmds import cmd_client


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    pallet = sub.add_parser("pallet", help="pallets at the shipping dock")
    pallet_sub = pallet.add_subparsers(dest="pallet_command", required=True)
    opening = client_parser(
        pallet_sub, "open", "open a pallet (allocates its SSCC)", default_config
    )
    opening.add_argument("--customer", help="the customer code it is packed for")
    opening.set_defaults(op="pallet.open", build=lambda a: {"customer": a.customer})
    close = client_parser(
        pallet_sub, "close", "close the open pallet: its event and logistic label", default_config
    )
    close.set_defaults(op="pallet.close", build=lambda a: {})
    qty = client_parser(
        pallet_sub, "qty", "N more cases like the last one packed (#LE:QTY:N)", default_config
    )
    qty.add_argument("count", type=int)
    qty.set_defaults(op="pallet.qty", build=lambda a: {"count": a.count})
    unpack = client_parser(pallet_sub, "unpack", "take a pallet apart", default_config)
    unpack.add_argument("sscc")
    unpack.set_defaults(op="pallet.unpack", build=lambda a: {"sscc": a.sscc})

    ship = client_parser(
        sub,
        "ship",
        "dispatch closed pallets to a customer ('ship void SSCC' takes a dispatch back)",
        default_config,
    )
    ship.add_argument("ssccs", nargs="+", metavar="SSCC", help="pallets, or: void SSCC")
    ship.add_argument("--to", dest="customer", help="the customer code")
    ship.add_argument("--po", help="the customer's purchase order")
    ship.add_argument("--desadv", help="our despatch advice number")
    ship.add_argument("--bol", help="the bill of lading number")
    ship.set_defaults(func=cmd_ship)


def cmd_ship(args: argparse.Namespace) -> int:
    """`ship SSCC... --to C` or `ship void SSCC`."""
    if args.ssccs[0] == "void":
        if len(args.ssccs) != 2 or args.customer or args.po or args.desadv or args.bol:
            raise SystemExit("usage: lotedge ship void SSCC [-c CONFIG] [--json]")
        args.op, args.build = "ship.void", lambda a: {"sscc": a.ssccs[1]}
    else:
        if not args.customer:
            raise SystemExit("lotedge ship: --to CUSTOMER is required")
        args.op = "ship"
        args.build = lambda a: {
            "ssccs": a.ssccs,
            "customer": a.customer,
            "po": a.po,
            "desadv": a.desadv,
            "bol": a.bol,
        }
    return cmd_client(args)
