"""Commands for the daemon: run it, and talk to it over the control socket."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lotedge.agent.client import ControlClient
from lotedge.cli import label_cmds, scanner_cmds
from lotedge.cli.common import add_config_arg, config_or_exit, print_reply
from lotedge.cli.words import unescape_scan
from lotedge.config.socket_path import control_socket
from lotedge.core.text import decode_text

AGENT_HOLD_COMMANDS = ("add", "remove", "list", "-h", "--help")
"""What follows `lotedge hold` for the agent's own hold list; anything else is the store's."""


def register(sub: argparse._SubParsersAction, default_config: str) -> None:
    run = sub.add_parser("run", help="run the agent daemon")
    add_config_arg(run, default_config)
    run.add_argument("--log-json", action="store_true", default=None, help="log JSON lines")
    run.add_argument("--log-level", default="INFO")
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser("batch", help="start, end, cancel or show the line's batch")
    batch_sub = batch.add_subparsers(dest="batch_command", required=True)
    start = _client_parser(batch_sub, "start", "start a batch", default_config)
    start.add_argument("product")
    start.add_argument("--planned-qty")
    start.add_argument("--operator", default="")
    start.set_defaults(
        op="batch.start",
        build=lambda a: {
            "product": a.product,
            "planned_qty": a.planned_qty,
            "operator": a.operator,
        },
    )
    end = _client_parser(
        batch_sub, "end", "end the open batch; a lot number is assigned", default_config
    )
    end.add_argument("--qty", required=True, help="produced quantity")
    end.set_defaults(op="batch.end", build=lambda a: {"qty": a.qty})
    cancel = _client_parser(batch_sub, "cancel", "cancel the open batch", default_config)
    cancel.add_argument("--reason", default="")
    cancel.set_defaults(op="batch.cancel", build=lambda a: {"reason": a.reason})
    status = _client_parser(
        batch_sub, "status", "the line: open batch, what went in, alerts, devices", default_config
    )
    status.add_argument(
        "--consumptions", action="store_true", help="also every container consumed, in order"
    )
    status.set_defaults(op="status", build=lambda a: {"consumptions": a.consumptions or None})

    scan = _client_parser(sub, "scan", "inject a scan as if from a scanner", default_config)
    scan.add_argument("data", help="scanned text; <GS> or \\x1d for the GS separator")
    scan.add_argument("--source", default="cli")
    scan.set_defaults(
        op="scan",
        build=lambda a: {"data": decode_text(unescape_scan(a.data)), "source": a.source},
    )

    hold = sub.add_parser(
        "hold",
        help="the line's hold list (add, remove, list); 'hold LOT --forward' holds at every line",
        epilog="'lotedge hold LOT [--forward] [--recall] --reason TEXT' (anything but add, "
        "remove or list after 'hold') is 'lotedge store hold': the trace store holds LOT and, "
        "with --forward, every lot made from it, at every line.",
    )
    hold_sub = hold.add_subparsers(dest="hold_command", required=True, metavar="{add,remove,list}")
    add = _client_parser(
        hold_sub, "add", "put a lot, a GTIN's lot or a lot range on hold", default_config
    )
    _add_scope_args(add)
    add.add_argument("--reason", required=True, help="why, in words the operator will see")
    add.add_argument(
        "--id", dest="hold_id", metavar="ID", help="the hold's id (default: made from the scope)"
    )
    add.set_defaults(op="hold.add", build=lambda a: {**_scope(a), "reason": a.reason})
    remove = _client_parser(
        hold_sub, "remove", "release the hold with --id, or every hold on a scope", default_config
    )
    _add_scope_args(remove)
    remove.add_argument(
        "--id", dest="hold_id", metavar="ID", help="the hold's id (see 'lotedge hold list')"
    )
    remove.set_defaults(op="hold.remove", build=_scope)
    listing = _client_parser(hold_sub, "list", "show every hold and its scope", default_config)
    listing.set_defaults(op="hold.list", build=lambda a: {})

    _register_receiving(sub, default_config)

    alert = sub.add_parser("alert", help="alerts the operator must acknowledge")
    alert_sub = alert.add_subparsers(dest="alert_command", required=True)
    ack = _client_parser(alert_sub, "ack", "acknowledge an open alert", default_config)
    ack.add_argument("id", type=int, help="the alert's id (see 'lotedge batch status')")
    ack.add_argument("--operator", default="")
    ack.set_defaults(op="alert.ack", build=lambda a: {"id": a.id, "operator": a.operator})

    label = sub.add_parser("label", help="labels")
    label_sub = label.add_subparsers(dest="label_command", required=True)
    label_cmds.add_render_parser(label_sub)
    scanner_cmds.add_test_sheet_parser(label_sub)
    reprint = _client_parser(label_sub, "reprint", "reprint the label of a lot", default_config)
    reprint.add_argument("lot")
    reprint.add_argument("--copies", type=int, default=1)
    reprint.set_defaults(op="label.reprint", build=lambda a: {"lot": a.lot, "copies": a.copies})


def _add_scope_args(parser: argparse.ArgumentParser) -> None:
    """What a hold names: MATERIAL LOT (as before), or --gtin/--vendor with --lot, --from/--to
    or --prefix (docs/scan-decisions.md#holds)."""
    parser.add_argument("material", nargs="?", help="material code, or * for any material")
    parser.add_argument("lot", nargs="?", help="the lot")
    parser.add_argument("--lot", dest="lot_option", metavar="LOT", help="the lot (with --gtin)")
    parser.add_argument("--gtin", help="hold this lot of the GTIN, whatever material it is")
    parser.add_argument("--vendor", help="a vendor's lot range (--from/--to or --prefix)")
    parser.add_argument(
        "--from", dest="lot_from", metavar="LOT", help="first lot of the range (inclusive)"
    )
    parser.add_argument(
        "--to", dest="lot_to", metavar="LOT", help="last lot of the range (inclusive)"
    )
    parser.add_argument(
        "--prefix", dest="lot_prefix", metavar="TEXT", help="every lot starting with this"
    )


def _scope(a: argparse.Namespace) -> dict[str, str | None]:
    return {
        "hold_id": a.hold_id,
        "material": a.material,
        "lot": a.lot or a.lot_option,
        "gtin": a.gtin,
        "vendor": a.vendor,
        "lot_from": a.lot_from,
        "lot_to": a.lot_to,
        "lot_prefix": a.lot_prefix,
    }


def _register_receiving(sub: argparse._SubParsersAction, default_config: str) -> None:
    """`mode`, `receive ref|unlabelled` and `lots list|close` (see docs/receiving.md)."""
    mode = _client_parser(sub, "mode", "switch the line to receiving or production", default_config)
    mode.add_argument("mode", choices=("receiving", "production"))
    mode.set_defaults(op="mode.set", build=lambda a: {"mode": a.mode})

    receive = sub.add_parser("receive", help="goods receipt: the reference, unlabelled material")
    receive_sub = receive.add_subparsers(dest="receive_command", required=True)
    ref = _client_parser(
        receive_sub, "ref", "the purchase order the next receipts belong to", default_config
    )
    ref.add_argument("ref", help="purchase order (or, with --delivery-note, delivery note) number")
    ref.add_argument("--delivery-note", action="store_true", help="a vendor's delivery note")
    ref.set_defaults(
        op="receive.ref",
        build=lambda a: {"ref": a.ref, "type": "desadv" if a.delivery_note else "po"},
    )
    unlabelled = _client_parser(
        receive_sub,
        "unlabelled",
        "receive material without a lot number: an internal lot and its label",
        default_config,
    )
    unlabelled.add_argument("material")
    unlabelled.add_argument("quantity")
    unlabelled.add_argument("--expiry", help="YYYY-MM-DD; default: today + shelf_life_days")
    unlabelled.set_defaults(
        op="receive.unlabelled",
        build=lambda a: {"material": a.material, "quantity": a.quantity, "expiry": a.expiry},
    )

    lots = sub.add_parser("lots", help="the open lots per material (FEFO)")
    lots_sub = lots.add_subparsers(dest="lots_command", required=True)
    listing = _client_parser(lots_sub, "list", "open lots, first to expire first", default_config)
    listing.add_argument("material", nargs="?")
    listing.set_defaults(op="lots.list", build=lambda a: {"material": a.material})
    close = _client_parser(lots_sub, "close", "close an open lot (used up)", default_config)
    close.add_argument("material")
    close.add_argument("lot")
    close.set_defaults(op="lots.close", build=lambda a: {"material": a.material, "lot": a.lot})


def _client_parser(
    sub: argparse._SubParsersAction, name: str, help_text: str, default_config: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    add_config_arg(parser, default_config)
    parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    parser.set_defaults(func=cmd_client)
    return parser


def cmd_client(args: argparse.Namespace) -> int:
    """Ask the running agent. The socket's path is read from the config without validating it
    (the agent did when it started); a config that cannot be read so gets the full check."""
    socket = control_socket(args.config)
    if socket is None:
        config = config_or_exit(args.config)
        socket = config.state_dir / config.control.socket
    client = ControlClient(socket)
    request: dict[str, Any] = {k: v for k, v in args.build(args).items() if v is not None}
    try:
        reply = client.request(args.op, **request)
    except (ConnectionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    code = print_reply(reply, args.json, args.op)
    if args.op == "scan" and reply.get("data", {}).get("outcome") == "rejected":
        return 1  # scripts can tell a refused scan from an accepted one
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from lotedge.agent.daemon import Daemon
    from lotedge.agent.devices import start_devices
    from lotedge.devices.url import UrlError
    from lotedge.ops.lock import AlreadyRunning
    from lotedge.ops.logs import setup_logging
    from lotedge.ops.memory import give_large_buffers_back
    from lotedge.printers.service import renderer_for, start_printer
    from lotedge.publish.service import start_publisher
    from lotedge.scales.service import start_scale
    from lotedge.station.service import StationUnavailable, station_adapter

    give_large_buffers_back()
    setup_logging(args.log_level, args.log_json)
    config = config_or_exit(args.config)
    try:
        station = station_adapter(config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return Daemon(
            config,
            # The station last: it shows the printer's and the publisher's status.
            [start_publisher, start_printer, start_scale, start_devices, station],
            render_label=renderer_for(config).render,
        ).run()
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 4
    except (StationUnavailable, UrlError) as exc:  # UrlError: a device's library is missing
        print(f"error: {exc}", file=sys.stderr)
        return 2
