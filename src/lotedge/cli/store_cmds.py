"""Commands of the central trace store: `store` (and its `hold`, `holds`, `lots push|push-stock`,
`vendors`, `vendor-lot`, `kde-check`), `trace forward|backward|graph`, `recall` (and `recall
drill`).

Exit codes: 0 answered, 1 lot (or vendor, or line) not found, 2 usage or config error, 3 lot
ambiguous (the candidates are listed; give --gtin or the full class identifier), 4 a hold was
recorded (or lot lists computed) but not every line confirmed the commands, or the short-dated
alert did not reach the broker, 5 kde-check found records with a key data element missing.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence

from lotedge.cli.agent_cmds import AGENT_HOLD_COMMANDS
from lotedge.store.formats import GRAPH_FORMATS, RECALL_FORMATS, REPORT_FORMATS, STOCK_FORMATS


def register(sub: argparse._SubParsersAction, default_config: str | None = None) -> None:
    """Add `store`, `trace` and `recall` to the `lotedge` command line."""
    common, lot = common_parsers(default_config)
    store = sub.add_parser(
        "store",
        parents=[common],
        help="run the central trace store (or, with a subcommand, ask it or issue holds)",
        description="Without a subcommand: run the trace store (MQTT -> SQLite/PostgreSQL) "
        "until stopped. With one: ask the store, issue holds, import or export events.",
    )
    store.add_argument(
        "--client-id",
        help="MQTT client id (overrides store.mqtt.client_id; unique per store instance)",
    )
    store.add_argument(
        "--leave",
        action="store_true",
        help="on stop, leave the shared subscription group for good (retiring this instance)",
    )
    store.add_argument("--log-level", default="INFO")
    store.add_argument("--log-json", action="store_true", default=None, help="log JSON lines")
    store.add_argument(
        "--json", action="store_true", help="on stopping, print the event counts as JSON"
    )
    store.set_defaults(func=_run("cmd_store"))
    store_sub = store.add_subparsers(
        dest="store_command", metavar="[SUBCOMMAND]", title="subcommands (optional)"
    )
    hold_parser(store_sub, "hold", common, lot)
    holds = store_sub.add_parser("holds", parents=[common], help="holds and recalls issued")
    holds.add_argument("--active", action="store_true", help="only those not released")
    holds.add_argument("--json", action="store_true", help="print JSON")
    holds.set_defaults(func=_run("cmd_holds"))
    lots_parser(store_sub, common)
    stock_parsers(store_sub, common)
    store_keys_parser(store_sub, common)
    for parser in files_parsers(store_sub, common):
        parser.set_defaults(func=_run("cmd_store_files"))
    vendors = store_sub.add_parser(
        "vendors", parents=[common], help="vendor quality: received, rejected, held, expiry"
    )
    vendors.add_argument("--vendor", help="only this vendor (its name as the events give it)")
    vendors.add_argument("--since", help="only receipts, rejections, holds, uses from DATE on")
    vendors.add_argument("--lot", help="a vendor lot: the batches that consumed it instead")
    vendors.add_argument("--gtin", help="GTIN of --lot, when the lot number alone is ambiguous")
    _report_options(vendors)
    vendors.set_defaults(func=_run("cmd_vendors"), answer="vendor_lot")
    kdes = store_sub.add_parser(
        "kde-check",
        parents=[common],
        help="FSMA 204: every record that leaves a key data element empty, by CTE and lot",
    )
    kdes.add_argument("--since", help="only records from this date or time on (ISO 8601)")
    kdes.add_argument("--json", action="store_true", help="print JSON")
    kdes.set_defaults(func=_run("cmd_kde_check", "recall_cmds"))
    vendor_lot = store_sub.add_parser(
        "vendor-lot",
        parents=[common, lot],
        help="the batches and quantities that consumed a vendor lot (for a refund claim)",
    )
    _report_options(vendor_lot)
    vendor_lot.set_defaults(func=_run("cmd_lot_answer"), answer="vendor_lot")

    trace = sub.add_parser("trace", help="follow a lot through the genealogy")
    trace_sub = trace.add_subparsers(dest="trace_command", required=True)
    for direction, text in (
        ("forward", "every lot and batch that consumed the lot, transitively"),
        ("backward", "every input lot, transitively, down to vendor lots"),
    ):
        cmd = trace_sub.add_parser(direction, parents=[common, lot], help=text)
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.set_defaults(func=_run("cmd_trace"), direction=direction)
    graph = trace_sub.add_parser("graph", parents=[common, lot], help="the genealogy as a picture")
    graph.add_argument("--format", choices=GRAPH_FORMATS, default="svg")
    graph.add_argument("-o", "--output", help="write to this file instead of stdout")
    graph.set_defaults(func=_run("cmd_lot_answer"), answer="graph", customers=True)

    recall = sub.add_parser("recall", parents=[common, lot], help="the recall report of a lot")
    recall.add_argument(
        "--format",
        choices=RECALL_FORMATS,
        default="csv",
        help="csv, json, or fsma204: FDA's sortable spreadsheet (XLSX, needs -o)",
    )
    recall.add_argument("-o", "--output", help="write to this file instead of stdout")
    recall.set_defaults(func=_run("cmd_recall", "recall_cmds"), answer="recall", customers=True)
    drill = sub.add_parser(
        "recall-drill",
        parents=[common, lot],
        help="a timed mock recall of a lot (also: lotedge recall drill LOT)",
    )
    drill.add_argument("--out", metavar="DIR", help="write the package (xlsx, csv, json, svg)")
    drill.add_argument("--json", action="store_true", help="print JSON")
    drill.set_defaults(func=_run("cmd_drill", "recall_cmds"))


def files_parsers(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> tuple[argparse.ArgumentParser, ...]:
    """`import` and `export` under `lotedge store`; their parsers."""
    imports = sub.add_parser(
        "import",
        parents=[common],
        help="store EPCIS documents or events from files",
        description="Store the events of EPCIS 2.0 JSON files (EPCISDocument, "
        "EPCISQueryDocument or one event each) and report what became of them.",
    )
    imports.add_argument("files", nargs="+", metavar="FILE")
    imports.add_argument("--json", action="store_true", help="print the report as JSON")

    exports = sub.add_parser(
        "export",
        parents=[common],
        help="write the store's events as one EPCISDocument",
        description="Write every stored event (or those recorded since --since) as one EPCIS "
        "2.0 EPCISDocument, to stdout or -o FILE.",
    )
    exports.add_argument("--since", help="only events recorded at or after this (ISO date or time)")
    exports.add_argument("-o", "--output", help="write to this file instead of stdout")
    return imports, exports


def common_parsers(default_config: str | None) -> tuple[argparse.ArgumentParser, ...]:
    """The options every store command takes (-c, --db) and the LOT argument (with --gtin)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-c", "--config", default=default_config, help=f"config file (default {default_config})"
    )
    common.add_argument("--db", help="database URL (sqlite:///path or postgresql://...)")
    lot = argparse.ArgumentParser(add_help=False)
    lot.add_argument("lot", help="lot number, or a full class identifier (URN or Digital Link)")
    lot.add_argument("--gtin", help="GTIN of the lot, when the lot number alone is ambiguous")
    return common, lot


def hold_parser(
    sub: argparse._SubParsersAction, name: str, *parents: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """`hold LOT [--forward] [--recall] --reason TEXT | --release`: the store's hold."""
    hold = sub.add_parser(
        name,
        parents=list(parents),
        help="hold (or recall) a lot and, with --forward, everything made from it, at every line",
        description="Record a hold of LOT (with --forward: of LOT and every lot made from it, "
        "through any number of levels) and send hold.add for each lot to every line the store "
        "has received events from; --release sends hold.remove.",
    )
    hold.add_argument("--forward", action="store_true", help="also every downstream lot")
    hold.add_argument("--recall", action="store_true", help="record it as a recall")
    hold.add_argument("--reason", help="why (shown to the operator when a scan is refused)")
    hold.add_argument("--release", action="store_true", help="release the active hold of LOT")
    _line_command_options(hold)
    hold.set_defaults(func=_run("cmd_hold"))
    return hold


def stock_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`store stock [--product CODE|--gtin G]` and `store expiring --within 14d`."""
    stock = sub.add_parser(
        "stock", parents=[common], help="stock by lot of our products: made, shipped, left"
    )
    which = stock.add_mutually_exclusive_group()
    which.add_argument("--product", help="only this product code")
    which.add_argument("--gtin", help="only this GTIN")
    expiring = sub.add_parser(
        "expiring",
        parents=[common],
        help="lots with stock left that expire within a window (or have), oldest first",
    )
    expiring.add_argument("--within", default="14d", help="days from today, e.g. 14d (default 14d)")
    expiring.add_argument(
        "--publish",
        action="store_true",
        help="also publish the list as the store's retained short-dated alert ([store.mqtt])",
    )
    expiring.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the broker (--publish)"
    )
    for parser in (stock, expiring):
        parser.add_argument("--format", choices=STOCK_FORMATS, default=STOCK_FORMATS[0])
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
    stock.set_defaults(func=_run("cmd_stock"))
    expiring.set_defaults(func=_run("cmd_expiring"))


def store_keys_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`line-key SITE LINE`: the key a line checks the store's signed commands with."""
    parser = sub.add_parser(
        "line-key", parents=[common], help="the key a line checks the store's signed commands with"
    )
    parser.add_argument("site")
    parser.add_argument("line")
    parser.set_defaults(func=_run("cmd_line_key"))


def lots_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`lots push [--material M]` (the open lots, to the lines' FEFO) and `lots push-stock
    [--product P]` (our lots in stock, to FEFO at the dock), each with [--line SITE/LINE]."""
    lots = sub.add_parser("lots", help="the lots still open or in stock, for FEFO")
    lots_sub = lots.add_subparsers(dest="lots_command", metavar="SUBCOMMAND", required=True)
    push = lots_sub.add_parser(
        "push",
        parents=[common],
        help="send each line the open lots of every material (lots.open, the whole list)",
        description="From the receipts: the lots of each material received, not expired, not "
        "used up and not held; sent as lots.open (the whole list; a long one in pages, swapped "
        "in once every page is in) per material to every line the store has received events "
        "from (or --line).",
    )
    push.add_argument("--material", help="only this material (its code in the master data)")
    stock = lots_sub.add_parser(
        "push-stock",
        parents=[common],
        help="send each line our lots in stock of every product (stock.lots, the whole list)",
        description="From the stock by lot: the lots of each of our products with stock on "
        "hand and not held, expired ones included; sent as stock.lots (the whole list; a long "
        "one in pages, swapped in once every page is in) per product to every line the store "
        "has received events from (or --line), for FEFO at the shipping stations.",
    )
    stock.add_argument("--product", help="only this product (its code in the master data)")
    for parser in (push, stock):
        parser.add_argument("--line", metavar="SITE/LINE", help="only this line")
        _line_command_options(parser)
        parser.set_defaults(func=_run("cmd_lots_push"))


def _line_command_options(parser: argparse.ArgumentParser) -> None:
    """--timeout and --json of the commands that send commands to the lines."""
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the lines' answers"
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def hold_shorthand(argv: Sequence[str]) -> list[str]:
    """`lotedge hold LOT ...` means `lotedge store hold LOT ...`; `hold add|remove|list` (the
    agent's own hold list) keep their meaning, so a lot named like them needs the long form.
    `lotedge recall drill LOT` is `lotedge recall-drill LOT` (a lot named `drill` is given by
    its full identifier)."""
    if len(argv) > 1 and argv[0] == "hold" and argv[1] not in AGENT_HOLD_COMMANDS:
        return ["store", *argv]
    if len(argv) > 1 and list(argv[:2]) == ["recall", "drill"]:
        return ["recall-drill", *argv[2:]]
    return list(argv)


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=REPORT_FORMATS, default=REPORT_FORMATS[0])
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")


def _run(name: str, module: str = "store_run") -> Callable[[argparse.Namespace], int]:
    """The command `name` of `lotedge.cli.<module>` (`store_run`, or `recall_cmds` for the
    regulator's recall), imported when it runs, not to build the parser."""

    def run(args: argparse.Namespace) -> int:
        commands = importlib.import_module(f"lotedge.cli.{module}")
        command: Callable[[argparse.Namespace], int] = getattr(commands, name)
        return command(args)

    return run
