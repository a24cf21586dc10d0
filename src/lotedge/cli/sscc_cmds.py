"""SSCC commands that need no running daemon: `sscc preview`, and `config check`'s warning.
Each imports what it uses when it runs (the command line starts at once: see bench/cli)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from lotedge.cli.common import add_config_arg, config_or_exit, print_json

if TYPE_CHECKING:
    from lotedge.config.model import Config


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    sscc = sub.add_parser("sscc", help="SSCCs (pallet numbers)")
    sscc_sub = sscc.add_subparsers(dest="sscc_command", required=True)
    preview = sscc_sub.add_parser("preview", help="the next SSCCs, without using them")
    add_config_arg(preview, default_config)
    preview.add_argument("-n", type=int, default=5, help="how many (default 5)")
    preview.add_argument("--json", action="store_true", help="print JSON")
    preview.set_defaults(func=cmd_sscc_preview)


def cmd_sscc_preview(args: argparse.Namespace) -> int:
    from lotedge.core.sscc import SerialRangeExhausted
    from lotedge.state.db import open_state_readonly
    from lotedge.state.shipping import preview_ssccs, serials_used

    config = config_or_exit(args.config)
    if config.shipping is None:
        print("error: the config has no [shipping] section (docs/shipping.md)", file=sys.stderr)
        return 2
    if args.n < 1:
        print(f"error: -n must be at least 1, got {args.n}", file=sys.stderr)
        return 2
    scheme = config.shipping.sscc
    conn = open_state_readonly(config.state_dir)
    try:
        ssccs = preview_ssccs(conn, scheme, args.n)
    except SerialRangeExhausted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        used = serials_used(conn, scheme)
        print_json({"ssccs": ssccs, "serials_used": used, "serials_total": scheme.capacity})
        return 0
    for sscc in ssccs:
        print(sscc)
    return 0


def sscc_range_warnings(config: Config) -> list[str]:
    """A warning when over 90 % of the SSCC serial range is used (read from the state)."""
    from lotedge.core.sscc import FULL_RATIO
    from lotedge.state.db import open_state_readonly
    from lotedge.state.shipping import serials_used

    if config.shipping is None:
        return []
    scheme = config.shipping.sscc
    used = serials_used(open_state_readonly(config.state_dir), scheme)
    if used <= scheme.capacity * FULL_RATIO:
        return []
    return [
        f"shipping.company_prefix: {used} of {scheme.capacity} SSCC serial references of "
        f"prefix {scheme.company_prefix} (extension digit {scheme.extension_digit}) are used; "
        "plan another extension digit or prefix before they run out"
    ]
