"""Commands of the central trace store: `store` (and its `hold`, `holds`, `lots push`,
`vendors`, `vendor-lot`), `trace forward|backward|graph`, `recall`.

Exit codes: 0 answered, 1 lot (or vendor, or line) not found, 2 usage or config error, 3 lot
ambiguous (the candidates are listed; give --gtin or the full class identifier), 4 a hold was
recorded (or open lots computed) but not every line confirmed the commands, 5 kde-check found
records with a key data element missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lotedge.cli import store_files
from lotedge.cli.agent_cmds import AGENT_HOLD_COMMANDS
from lotedge.config.loader import load_store_config
from lotedge.config.problems import ConfigError
from lotedge.config.store import StoreConfig
from lotedge.masterdata.locations import LocationBook
from lotedge.store.answers import (
    GRAPH_FORMATS,
    RECALL_FORMATS,
    REPORT_FORMATS,
    Answer,
    UnknownVendor,
    graph_answer,
    holds_answer,
    trace_answer,
    vendor_lot_answer,
    vendors_answer,
)
from lotedge.store.db import Database, open_database, resolve_url
from lotedge.store.query import AmbiguousLot, Direction, LotInfo, LotNotFound, TraceQueries


def register(sub: argparse._SubParsersAction, default_config: str | None = None) -> None:
    """Add `store`, `trace` and `recall` to the `lotedge` command line."""
    common, lot = common_parsers(default_config)
    store = sub.add_parser(
        "store",
        parents=[common],
        help="run the central trace store (or, with a subcommand, ask it or issue holds)",
    )
    store.add_argument("--client-id", help="MQTT client id (overrides store.mqtt.client_id)")
    store.add_argument("--log-level", default="INFO")
    store.add_argument("--log-json", action="store_true", default=None, help="log JSON lines")
    store.set_defaults(func=cmd_store)
    store_sub = store.add_subparsers(dest="store_command", metavar="SUBCOMMAND")
    hold_parser(store_sub, "hold", common, lot)
    holds = store_sub.add_parser("holds", parents=[common], help="holds and recalls issued")
    holds.add_argument("--active", action="store_true", help="only those not released")
    holds.set_defaults(func=cmd_holds)
    lots_parser(store_sub, common)
    for parser in store_files.register(store_sub, common):
        parser.set_defaults(func=cmd_store_files)
    vendors = store_sub.add_parser(
        "vendors", parents=[common], help="vendor quality: received, rejected, held, expiry"
    )
    vendors.add_argument("--vendor", help="only this vendor (its name as the events give it)")
    vendors.add_argument("--since", help="only receipts, rejections, holds, uses from DATE on")
    vendors.add_argument("--lot", help="a vendor lot: the batches that consumed it instead")
    vendors.add_argument("--gtin", help="GTIN of --lot, when the lot number alone is ambiguous")
    _report_options(vendors)
    vendors.set_defaults(func=cmd_vendors, answer=vendor_lot_answer)
    kdes = store_sub.add_parser(
        "kde-check",
        parents=[common],
        help="FSMA 204: every record that leaves a key data element empty, by CTE and lot",
    )
    kdes.add_argument("--since", help="only records from this date or time on (ISO 8601)")
    kdes.add_argument("--json", action="store_true", help="print JSON")
    kdes.set_defaults(func=cmd_kde_check)
    vendor_lot = store_sub.add_parser(
        "vendor-lot",
        parents=[common, lot],
        help="the batches and quantities that consumed a vendor lot (for a refund claim)",
    )
    _report_options(vendor_lot)
    vendor_lot.set_defaults(func=cmd_lot_answer, answer=vendor_lot_answer)

    trace = sub.add_parser("trace", help="follow a lot through the genealogy")
    trace_sub = trace.add_subparsers(dest="trace_command", required=True)
    for direction, text in (
        ("forward", "every lot and batch that consumed the lot, transitively"),
        ("backward", "every input lot, transitively, down to vendor lots"),
    ):
        cmd = trace_sub.add_parser(direction, parents=[common, lot], help=text)
        cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.set_defaults(func=cmd_trace, direction=direction)
    graph = trace_sub.add_parser("graph", parents=[common, lot], help="the genealogy as a picture")
    graph.add_argument("--format", choices=GRAPH_FORMATS, default="svg")
    graph.add_argument("-o", "--output", help="write to this file instead of stdout")
    graph.set_defaults(func=cmd_lot_answer, answer=graph_answer)

    recall = sub.add_parser("recall", parents=[common, lot], help="the recall report of a lot")
    recall.add_argument(
        "--format",
        choices=RECALL_FORMATS,
        default="csv",
        help="csv, json, or fsma204: FDA's sortable spreadsheet (XLSX, needs -o)",
    )
    recall.add_argument("-o", "--output", help="write to this file instead of stdout")
    recall.set_defaults(func=cmd_recall)
    drill = sub.add_parser(
        "recall-drill",
        parents=[common, lot],
        help="a timed mock recall of a lot (also: lotedge recall drill LOT)",
    )
    drill.add_argument("--out", metavar="DIR", help="write the package (xlsx, csv, json, svg)")
    drill.add_argument("--json", action="store_true", help="print JSON")
    drill.set_defaults(func=cmd_recall_drill)


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
    hold.set_defaults(func=cmd_hold)
    return hold


def lots_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`lots push [--material M] [--line SITE/LINE]`: the open lots, to the lines' FEFO."""
    lots = sub.add_parser("lots", help="the lots still open, for FEFO at the lines")
    lots_sub = lots.add_subparsers(dest="lots_command", metavar="SUBCOMMAND", required=True)
    push = lots_sub.add_parser(
        "push",
        parents=[common],
        help="send each line the open lots of every material (lots.open, replace)",
        description="From the receipts: the lots of each material received, not expired, not "
        "used up and not held; sent as one lots.open (replace: true) per material to every "
        "line the store has received events from (or --line).",
    )
    push.add_argument("--material", help="only this material (its code in the master data)")
    push.add_argument("--line", metavar="SITE/LINE", help="only this line")
    _line_command_options(push)
    push.set_defaults(func=cmd_lots_push)


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


def cmd_store(args: argparse.Namespace) -> int:
    from lotedge.mqtt import session
    from lotedge.ops.logs import setup_logging
    from lotedge.store.daemon import run_store, summary_line
    from lotedge.store.schema import SchemaValidator

    store, base_dir = _store_config(args)
    try:
        validator = (
            SchemaValidator.load(base_dir / store.schema_path) if store.schema_path else None
        )
        token = store.api.token.resolve() if store.api else None
        if store.forward is not None and store.forward.token is not None:
            store.forward.token.resolve()  # fail now, not in the forwarding thread
        session.check(store.mqtt, base_dir)  # fail now, not in the network thread
    except (OSError, ValueError) as exc:
        print(f"lotedge store: {exc}", file=sys.stderr)
        return 2
    setup_logging(args.log_level, args.log_json)
    counts = run_store(
        store,
        database_url=_database_url(args, (store, base_dir)),
        validator=validator,
        api_token=token,
        client_id=args.client_id,
        base_dir=base_dir,
        locations=_locations(args),
    )
    print(summary_line(counts), flush=True)
    return 0


def _locations(args: argparse.Namespace) -> LocationBook:
    from lotedge.cli.recall_cmds import store_locations

    return store_locations(args)


def cmd_trace(args: argparse.Namespace) -> int:
    with _database(args) as db:
        queries = TraceQueries(db)
        lot = _resolve(queries, args)
        if args.json:
            return _emit(trace_answer(queries, lot, args.direction), None)
        print(_trace_text(queries, lot, args.direction), end="")
    return 0


def cmd_lot_answer(args: argparse.Namespace) -> int:
    """`args.answer` (a picture or report of one lot) in `args.format`, to stdout or -o."""
    with _database(args) as db:
        queries = TraceQueries(db)
        return _emit(args.answer(queries, _resolve(queries, args), args.format), args.output)


def cmd_recall(args: argparse.Namespace) -> int:
    from lotedge.cli.recall_cmds import run_recall

    return run_recall(args)


def cmd_recall_drill(args: argparse.Namespace) -> int:
    from lotedge.cli.recall_cmds import run_drill

    return run_drill(args)


def cmd_kde_check(args: argparse.Namespace) -> int:
    from lotedge.cli.recall_cmds import run_kde_check

    return run_kde_check(args)


def cmd_vendors(args: argparse.Namespace) -> int:
    if args.lot:
        return cmd_lot_answer(args)
    with _database(args) as db:
        try:
            answer = vendors_answer(
                TraceQueries(db), args.format, since=args.since, vendor=args.vendor
            )
        except UnknownVendor as exc:
            print(exc, file=sys.stderr)
            return 1
        except ValueError:
            print(f"--since must be a date, YYYY-MM-DD; got {args.since!r}", file=sys.stderr)
            return 2
        return _emit(answer, args.output)


def cmd_holds(args: argparse.Namespace) -> int:
    with _database(args) as db:
        return _emit(holds_answer(TraceQueries(db), active_only=args.active), None)


def cmd_hold(args: argparse.Namespace) -> int:
    from lotedge.cli.store_holds import run_hold

    if not args.release and not args.reason:
        print("give --reason TEXT (or --release)", file=sys.stderr)
        return 2
    store, base_dir = _store_config(args)
    with open_database(_database_url(args, (store, base_dir))) as db:
        lot = _resolve(TraceQueries(db), args)
        return run_hold(args, db, lot, store, base_dir)


def cmd_store_files(args: argparse.Namespace) -> int:
    """`store import FILE...` and `store export`."""
    store, base_dir = _store_config(args)
    with open_database(_database_url(args, (store, base_dir))) as db:
        if args.store_command == "import":
            return store_files.run_import(args, db, store, base_dir)
        return store_files.run_export(args, db)


def cmd_lots_push(args: argparse.Namespace) -> int:
    from lotedge.cli.store_lots import run_lots_push

    store, base_dir = _store_config(args)
    with open_database(_database_url(args, (store, base_dir))) as db:
        return run_lots_push(args, db, store, base_dir)


def _config_path(args: argparse.Namespace) -> str:
    if not args.config:
        print("give -c FILE (a lotedge config) or set LOTEDGE_CONFIG", file=sys.stderr)
        raise SystemExit(2)
    return args.config


def _store_config(args: argparse.Namespace) -> tuple[StoreConfig, Path]:
    """`[store]` from an agent config or a store-only file, or exit with every problem."""
    try:
        return load_store_config(_config_path(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _database_url(args: argparse.Namespace, loaded: tuple[StoreConfig, Path] | None = None) -> str:
    """--db (relative to the working directory), else the config's (relative to its file)."""
    if args.db:
        return resolve_url(args.db, Path.cwd())
    store, base_dir = loaded or _store_config(args)
    return resolve_url(store.database_url, base_dir)


def _database(args: argparse.Namespace) -> Database:
    return open_database(_database_url(args))


def _resolve(queries: TraceQueries, args: argparse.Namespace) -> LotInfo:
    try:
        return queries.resolve(args.lot, args.gtin)
    except LotNotFound as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    except AmbiguousLot as exc:
        print(f"{exc}; give --gtin or the full identifier:", file=sys.stderr)
        for c in exc.candidates:
            what = c.product or c.material or ""
            print(f"  {c.epc_class}  GTIN {c.gtin or '-'}  {what}", file=sys.stderr)
        raise SystemExit(3) from None


def _emit(answer: Answer, output: str | None) -> int:
    if output:
        Path(output).write_bytes(answer.encoded())
    else:
        sys.stdout.write(answer.text)
    return 0


def _trace_text(queries: TraceQueries, lot: LotInfo, direction: Direction) -> str:
    data = queries.trace(lot, direction).to_json()
    lines = [
        f"{direction} trace of {lot.epc_class}: {len(data['lots'])} lots, "
        f"{len(data['batches'])} batches"
    ]
    lines.append(
        f"{'depth':>5}  {'lot':<16} {'GTIN':<14}  {'product/material':<16} vendor (receipts)"
    )
    for item in data["lots"]:
        what = item["product"] or item["material"] or ""
        refs = ", ".join(r["reference"] for r in item["receipts"] if r["reference"])
        received = f" (received: {refs})" if refs else ""
        lines.append(
            f"{item['depth']:>5}  {item['lot'] or item['epc_class']:<16} {item['gtin'] or '-':<14}"
            f"  {what:<16} {item['vendor'] or ''}{received}".rstrip()
        )
    lines.append("batches:")
    for batch in data["batches"]:
        ins = ", ".join(_flow_text(f) for f in batch["inputs"])
        outs = ", ".join(_flow_text(f) for f in batch["outputs"]) or "(no output yet)"
        where = " ".join(x for x in (batch["site"], batch["line"]) if x)
        lines.append(
            f"  {batch['transformation_id']} [{where}] {batch['last_event']}: {ins} -> {outs}"
        )
    return "\n".join(lines) + "\n"


def _flow_text(flow: dict) -> str:
    amount = "" if flow["quantity"] is None else f" {flow['quantity']:g} {flow['uom'] or ''}"
    return f"{flow['lot'] or flow['epc_class']}{amount}".rstrip()
