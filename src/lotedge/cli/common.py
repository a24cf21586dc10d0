"""Helpers shared by CLI commands: loading config with readable errors, printing replies.
Light to import: the config and master data are imported by the functions that load them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from lotedge.cli.errors import CliError
from lotedge.cli.reply_text import reply_text

if TYPE_CHECKING:
    from lotedge.config.model import Config
    from lotedge.masterdata.items import Product


def add_config_arg(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("-c", "--config", default=default, help=f"config file (default {default})")


def config_or_exit(path: str) -> Config:
    from lotedge.config.loader import load_config
    from lotedge.config.problems import ConfigError

    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print("run 'lotedge config check FILE' for details", file=sys.stderr)
        raise SystemExit(2) from None


def product_or_exit(config: Config, code: str) -> Product:
    """The configured product `code`; CliError (exit 2) with the "unknown product" message."""
    from lotedge.masterdata.suggestions import unknown

    product = config.product(code)
    if product is None:
        raise CliError(unknown("product", code, [p.code for p in config.products]))
    return product


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def print_reply(reply: dict[str, Any], as_json: bool, op: str = "") -> int:
    """Print a control reply (text, or with `as_json` the reply as it is); exit code 0 when ok,
    1 when the agent said no."""
    if as_json:
        print_json(reply)
    elif reply.get("status") == "ok":
        data = reply.get("data", {})
        print(reply_text(op, data))
        if data.get("warning"):  # e.g. FEFO: accepted, but another lot should have gone first
            print(f"warning ({data['warning']['code']}): {data['warning']['message']}")
    else:
        print(f"error ({reply.get('code')}): {reply.get('error')}", file=sys.stderr)
    return 0 if reply.get("status") == "ok" else 1
