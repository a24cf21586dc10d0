"""Commands that need no running daemon: config check, parse, lot preview. Each imports what it
uses when it runs (the command line starts at once: see bench/cli)."""

from __future__ import annotations

import argparse
import sys
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from lotedge.cli.common import add_config_arg, config_or_exit, print_json, product_or_exit
from lotedge.cli.words import plural, shown, unescape_scan

if TYPE_CHECKING:
    from lotedge.config.problems import ConfigError


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    config = sub.add_parser("config", help="work with config files")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="validate a config file, listing every problem")
    check.add_argument("file")
    check.set_defaults(func=cmd_config_check)

    parse = sub.add_parser("parse", help="show how a scan is read and judged, changing nothing")
    parse.add_argument("scan", help="the scanned text; \\x1d or <GS> for the GS separator")
    parse.add_argument("-c", "--config", help="config file, for materials and the batch state")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(func=cmd_parse)

    lot = sub.add_parser("lot", help="lot numbers")
    lot_sub = lot.add_subparsers(dest="lot_command", required=True)
    preview = lot_sub.add_parser("preview", help="the next lot numbers, without using them")
    add_config_arg(preview, default_config)
    preview.add_argument("--product", required=True)
    preview.add_argument("-n", type=int, default=5, help="how many (default 5)")
    preview.set_defaults(func=cmd_lot_preview)


def cmd_config_check(args: argparse.Namespace) -> int:
    from lotedge.cli.sscc_cmds import sscc_range_warnings
    from lotedge.config.device_urls import old_spellings
    from lotedge.config.loader import load_config, secret_refs
    from lotedge.config.problems import ConfigError
    from lotedge.core.epcis import private_identifiers
    from lotedge.core.kdes import master_data_warnings
    from lotedge.core.shipping_events import private_customers

    if is_store_file(args.file):
        return _check_store_file(args.file)
    try:
        config = load_config(args.file)
    except ConfigError as exc:
        print_problems(exc)
        return 1
    missing = []
    for key, secret in secret_refs(config):
        try:
            secret.resolve()
        except ValueError as exc:
            missing.append(f"{args.file}: {key}: {exc} (hint: set it where the daemon runs)")
    if missing:
        print("\n".join(missing), file=sys.stderr)
        print(f"{plural(len(missing), 'problem')} found", file=sys.stderr)
        return 1
    for note in old_spellings(config):
        print(f"{args.file}: note: {note}", file=sys.stderr)
    for warning in [
        *private_identifiers(config.identity, config.materials),
        *private_customers(config.customers),
        *sscc_range_warnings(config),
    ]:
        print(f"{args.file}: warning: {warning}", file=sys.stderr)
    if config.compliance.fsma204:
        for warning in master_data_warnings(
            config.identity.site, config.materials, config.location_book
        ):
            print(f"{args.file}: warning: {warning}", file=sys.stderr)
    counts = (
        plural(len(config.materials), "material"),
        plural(len(config.products), "product"),
        plural(len(config.scanners), "scanner"),
        plural(len(config.cameras), "camera"),
    )
    print(f"{args.file}: ok ({', '.join(counts)})")
    return 0


def print_problems(exc: ConfigError) -> None:
    """Every problem of a config file, in the order of their lines, and how many."""
    for problem in sorted(exc.problems, key=lambda p: p.line or 0):
        print(f"{exc.source}: {problem}", file=sys.stderr)
    print(f"{plural(len(exc.problems), 'problem')} found", file=sys.stderr)


def is_store_file(path: str) -> bool:
    """A trace store's own config: a TOML file with `[store]` and no `[identity]`."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the agent config's check says what is wrong with it
    return "store" in data and "identity" not in data


def _check_store_file(path: str) -> int:
    from lotedge.config.loader import load_store_config
    from lotedge.config.problems import ConfigError
    from lotedge.store.db import resolve_url

    try:
        settings = load_store_config(path)
    except ConfigError as exc:
        print_problems(exc)
        return 1
    store = settings.store
    database = resolve_url(store.database_url, settings.base_dir)
    print(f"{path}: ok (trace store: {database}, broker {store.mqtt.host})")
    return 0


NO_CONFIG = (
    "no config given (-c FILE): no material is known and no batch is open, so this shows how "
    "the scan reads, not how the line would judge it"
)


def cmd_parse(args: argparse.Namespace) -> int:
    from lotedge.agent.engine import Engine
    from lotedge.agent.replies import decision_reply
    from lotedge.agent.requests import ScanRequest
    from lotedge.core.decisions import ScanContext, decide_material
    from lotedge.core.scan import RawScan, parse_scan
    from lotedge.state.db import open_state_readonly

    sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    raw = RawScan(unescape_scan(args.scan), source="parse")
    if args.config:
        config = config_or_exit(args.config)
        engine = Engine(config, open_state_readonly(config.state_dir))
        reply = engine.handle(ScanRequest(raw, dry_run=True)).data
    else:
        parsed = parse_scan(raw, [], "#LE:")
        now = datetime.now().astimezone()
        decision = decide_material(parsed, ScanContext(now, None, [], debounce=timedelta(0)))
        reply = {**decision_reply(decision).data, "note": NO_CONFIG}
    if args.json:
        print_json(reply)
        return 0
    for key, value in reply.get("parsed", {}).items():
        if value not in (None, {}, ""):
            print(f"{key:>10}: {shown(value)}")
    print(f"{'decision':>10}: {reply['outcome']} ({reply['reason']}) {shown(reply['message'])}")
    if "note" in reply:
        print(f"{'note':>10}: {reply['note']}")
    return 0


def cmd_lot_preview(args: argparse.Namespace) -> int:
    from lotedge.core.lots import LotFields, LotSequenceExhausted
    from lotedge.state import lots
    from lotedge.state.db import open_state_readonly

    config = config_or_exit(args.config)
    product = product_or_exit(config, args.product)
    conn = open_state_readonly(config.state_dir)
    identity = config.identity
    fields = LotFields(
        datetime.now().astimezone().date(), identity.site, identity.line, product.code
    )
    try:
        for lot in lots.preview(conn, product, fields, args.n):
            print(lot)
    except LotSequenceExhausted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
