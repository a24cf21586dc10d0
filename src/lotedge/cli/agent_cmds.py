"""Commands for the daemon: run it, and talk to it over the control socket."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lotedge.agent.control import ControlClient
from lotedge.agent.daemon import Daemon
from lotedge.agent.devices import start_devices
from lotedge.cli import label_cmds
from lotedge.cli.common import add_config_arg, config_or_exit, print_reply
from lotedge.cli.config_cmds import unescape_scan
from lotedge.ops.lock import AlreadyRunning
from lotedge.ops.logs import setup_logging
from lotedge.printers.service import renderer_for, start_printer
from lotedge.publish.service import start_publisher
from lotedge.station.service import station_adapter


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
    status = _client_parser(batch_sub, "status", "show the open batch", default_config)
    status.set_defaults(op="status", build=lambda a: {})

    scan = _client_parser(sub, "scan", "inject a scan as if from a scanner", default_config)
    scan.add_argument("data", help="scanned text; <GS> or \\x1d for the GS separator")
    scan.add_argument("--source", default="cli")
    scan.set_defaults(
        op="scan", build=lambda a: {"data": unescape_scan(a.data).decode(), "source": a.source}
    )

    hold = sub.add_parser("hold", help="the hold list: lots that must not be used")
    hold_sub = hold.add_subparsers(dest="hold_command", required=True)
    add = _client_parser(hold_sub, "add", "put a lot on hold", default_config)
    add.add_argument("material", help="material code, or * for any material")
    add.add_argument("lot")
    add.add_argument("--reason", required=True)
    add.set_defaults(
        op="hold.add", build=lambda a: {"material": a.material, "lot": a.lot, "reason": a.reason}
    )
    remove = _client_parser(hold_sub, "remove", "release a lot from hold", default_config)
    remove.add_argument("material")
    remove.add_argument("lot")
    remove.set_defaults(op="hold.remove", build=lambda a: {"material": a.material, "lot": a.lot})

    alert = sub.add_parser("alert", help="alerts the operator must acknowledge")
    alert_sub = alert.add_subparsers(dest="alert_command", required=True)
    ack = _client_parser(alert_sub, "ack", "acknowledge an open alert", default_config)
    ack.add_argument("id", type=int, help="the alert's id (see 'lotedge batch status')")
    ack.add_argument("--operator", default="")
    ack.set_defaults(op="alert.ack", build=lambda a: {"id": a.id, "operator": a.operator})

    label = sub.add_parser("label", help="labels")
    label_sub = label.add_subparsers(dest="label_command", required=True)
    label_cmds.add_render_parser(label_sub)
    reprint = _client_parser(label_sub, "reprint", "reprint the label of a lot", default_config)
    reprint.add_argument("lot")
    reprint.add_argument("--copies", type=int, default=1)
    reprint.set_defaults(op="label.reprint", build=lambda a: {"lot": a.lot, "copies": a.copies})


def _client_parser(
    sub: argparse._SubParsersAction, name: str, help_text: str, default_config: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text)
    add_config_arg(parser, default_config)
    parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    parser.set_defaults(func=cmd_client)
    return parser


def cmd_client(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    client = ControlClient(config.state_dir / config.control.socket)
    request: dict[str, Any] = {k: v for k, v in args.build(args).items() if v is not None}
    try:
        reply = client.request(args.op, **request)
    except (ConnectionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    code = print_reply(reply, args.json)
    if args.op == "scan" and reply.get("data", {}).get("outcome") == "rejected":
        return 1  # scripts can tell a refused scan from an accepted one
    return code


def cmd_run(args: argparse.Namespace) -> int:
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
            [start_publisher, start_printer, start_devices, station],
            render_label=renderer_for(config).render,
        ).run()
    except AlreadyRunning as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 4
