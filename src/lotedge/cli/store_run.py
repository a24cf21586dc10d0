"""What the trace store's commands do (`lotedge store`, `trace`, `recall` ...); their parsers
are in `store_cmds`, which imports this module only when one of them runs."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from lotedge.cli import store_files
from lotedge.cli.errors import CliError
from lotedge.cli.words import plural
from lotedge.config.loader import StoreSettings, load_store_config
from lotedge.config.problems import ConfigError
from lotedge.config.store import StoreConfig
from lotedge.masterdata.locations import LocationBook
from lotedge.store import answers
from lotedge.store.answers import (
    Answer,
    UnknownVendor,
    holds_answer,
    trace_answer,
    vendors_answer,
)
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database, open_database, resolve_url
from lotedge.store.query import AmbiguousLot, Direction, LotInfo, LotNotFound, TraceQueries
from lotedge.store.stock import within_days


def cmd_store(args: argparse.Namespace) -> int:
    from lotedge.mqtt import session
    from lotedge.ops.logs import setup_logging
    from lotedge.store.daemon import run_store, summary_line
    from lotedge.store.schema import SchemaValidator

    settings = _store_config(args)
    store, base_dir = settings.store, settings.base_dir
    try:
        validator = (
            SchemaValidator.load(base_dir / store.schema_path) if store.schema_path else None
        )
        token = store.api.token.resolve() if store.api else None
        if store.forward is not None and store.forward.token is not None:
            store.forward.token.resolve()  # fail now, not in the forwarding thread
        session.check(store.mqtt, base_dir)  # fail now, not in the network thread
        if store.amqp is not None:
            session.check(store.amqp, base_dir)
    except (OSError, ValueError) as exc:
        print(f"lotedge store: {exc}", file=sys.stderr)
        return 2
    database_url = _database_url(args, settings)
    _open(database_url).close()  # fail now with one line (no driver ...), not in a thread
    setup_logging(args.log_level, args.log_json)
    counts = run_store(
        store,
        database_url=database_url,
        validator=validator,
        api_token=token,
        client_id=args.client_id,
        base_dir=base_dir,
        customers=CustomerBook(settings.customers),
        locations=LocationBook(settings.locations),
        leave=args.leave,
    )
    print(json.dumps({"store": counts}) if args.json else summary_line(counts), flush=True)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    with _database(args) as db:
        queries = TraceQueries(db)
        lot = _resolve(queries, args)
        if args.json:
            return _emit(trace_answer(queries, lot, args.direction), None)
        print(_trace_text(queries, lot, args.direction), end="")
    return 0


def cmd_lot_answer(args: argparse.Namespace) -> int:
    """`args.answer` (a picture or report of one lot) in `args.format`, to stdout or -o; with
    `args.customers`, given the config's customers, with `args.locations` its locations (none
    with --db and no config file)."""
    extra: dict[str, CustomerBook | LocationBook] = {}
    wants_locations = getattr(args, "locations", False)
    if getattr(args, "customers", False) or wants_locations:
        settings = master_data(args)
        extra["customers"] = CustomerBook(settings.customers)
        if wants_locations:
            extra["locations"] = LocationBook(settings.locations)
    with _database(args) as db:
        queries = TraceQueries(db)
        answer = getattr(answers, f"{args.answer}_answer")
        return _emit(answer(queries, _resolve(queries, args), args.format, **extra), args.output)


def master_data(args: argparse.Namespace) -> StoreSettings:
    """The config's customers and locations; none with --db and no config file."""
    if args.config and (not args.db or Path(args.config).exists()):
        return _store_config(args)
    return StoreSettings(StoreConfig(), Path.cwd())


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


def cmd_stock(args: argparse.Namespace) -> int:
    with _database(args) as db:
        answer = answers.stock_answer(
            TraceQueries(db), args.format, product=args.product, gtin=args.gtin
        )
        return _emit(answer, args.output)


def cmd_expiring(args: argparse.Namespace) -> int:
    try:
        days = within_days(args.within)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.publish:
        return _publish_expiring(args, days)
    with _database(args) as db:
        answer = answers.expiring_answer(TraceQueries(db), args.format, date.today(), days)
        return _emit(answer, args.output)


def _publish_expiring(args: argparse.Namespace, days: int) -> int:
    """The short-dated list, printed as asked and published as the store's retained alert.
    Exit 2 for a config problem (the alert topic, a TLS file), 4 when the broker did not take
    it."""
    from lotedge.cli.store_holds import NOT_CONFIRMED
    from lotedge.mqtt import session
    from lotedge.store.alerts import publish_short_dated
    from lotedge.store.ingest import utc_now

    settings = _store_config(args)
    with _open(_database_url(args, settings)) as db:
        report = answers.expiring_report(TraceQueries(db), date.today(), days)
    _emit(answers.stock_rows_answer(report, args.format), args.output)
    body = {**report, "generated_at": utc_now()}
    try:
        topic = publish_short_dated(settings.store, settings.base_dir, body, args.timeout)
    except ValueError as exc:
        print(f"short-dated alert not published: {exc}", file=sys.stderr)
        return 2
    except (OSError, session.ConnectFailed) as exc:
        print(f"short-dated alert not published: {exc}; run this again", file=sys.stderr)
        return NOT_CONFIRMED
    print(f"short-dated alert published (retained) on {topic}", file=sys.stderr)
    return 0


def cmd_holds(args: argparse.Namespace) -> int:
    with _database(args) as db:
        answer = holds_answer(TraceQueries(db), active_only=args.active)
    if args.json:
        return _emit(answer, None)
    listed = json.loads(answer.text)["holds"]
    if not listed:
        print("No holds." if args.active else "No holds or recalls issued.")
    for hold in listed:
        scope = f"{hold['lot'] or hold['epc_class']}" + (
            " and all made from it" if hold["forward"] else ""
        )
        released = f", released {hold['released_at'][:16]}" if hold["released_at"] else ""
        print(
            f"{hold['hold_id']}  {hold['kind']} of {scope} ({plural(hold['lots'], 'lot')}): "
            f"{hold['reason']} (issued {hold['issued_at'][:16]}{released})"
        )
    return 0


def cmd_hold(args: argparse.Namespace) -> int:
    from lotedge.cli.store_holds import run_hold

    if not args.release and not args.reason:
        print("give --reason TEXT (or --release)", file=sys.stderr)
        return 2
    settings = _store_config(args)
    store, base_dir = settings.store, settings.base_dir
    with _open(_database_url(args, settings)) as db:
        lot = _resolve(TraceQueries(db), args)
        return run_hold(args, db, lot, store, base_dir)


def cmd_store_files(args: argparse.Namespace) -> int:
    """`store import FILE...` and `store export`."""
    settings = _store_config(args)
    store, base_dir = settings.store, settings.base_dir
    with _open(_database_url(args, settings)) as db:
        if args.store_command == "import":
            return store_files.run_import(args, db, store, base_dir)
        return store_files.run_export(args, db)


def cmd_lots_push(args: argparse.Namespace) -> int:
    from lotedge.cli.store_lots import PUSHES, run_lots_push

    settings = _store_config(args)
    store, base_dir = settings.store, settings.base_dir
    with _open(_database_url(args, settings)) as db:
        return run_lots_push(args, db, store, base_dir, PUSHES[args.lots_command])


def cmd_line_key(args: argparse.Namespace) -> int:
    from lotedge.cli.store_keys import run_line_key

    return run_line_key(args, _store_config(args).store)


def _config_path(args: argparse.Namespace) -> str:
    if not args.config:
        print("give -c FILE (a lotedge config) or set LOTEDGE_CONFIG", file=sys.stderr)
        raise SystemExit(2)
    return args.config


def _store_config(args: argparse.Namespace) -> StoreSettings:
    """`[store]` and the customers from an agent config or a store-only file, or exit with
    every problem."""
    try:
        return load_store_config(_config_path(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _database_url(args: argparse.Namespace, loaded: StoreSettings | None = None) -> str:
    """--db (relative to the working directory), else the config's (relative to its file)."""
    if args.db:
        return resolve_url(args.db, Path.cwd())
    settings = loaded or _store_config(args)
    return resolve_url(settings.store.database_url, settings.base_dir)


def _database(args: argparse.Namespace) -> Database:
    return _open(_database_url(args))


def _open(url: str) -> Database:
    """The trace database; a URL it cannot use (no PostgreSQL driver ...) is a one-line error."""
    try:
        return open_database(url)
    except ValueError as exc:
        raise CliError(str(exc)) from None


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
        f"{direction} trace of {lot.epc_class}: {plural(len(data['lots']), 'lot')}, "
        f"{plural(len(data['batches']), 'batch')}"
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
