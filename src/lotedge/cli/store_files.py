"""`lotedge store import FILE...` and `lotedge store export`: EPCIS documents in and out of the
trace store, as files.

Import takes EPCISDocuments, EPCISQueryDocuments and bare events (any mix), each file in one
transaction through the store's own ingest, and reports per file what was stored, duplicate,
conflict, retracted and dead-lettered (with the reasons). Exit code 0 only when nothing was
dead-lettered (1 otherwise, or when a file cannot be read; 2 config).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lotedge.config.store import StoreConfig
from lotedge.store.db import Database
from lotedge.store.export import write_document
from lotedge.store.fields import utc_text
from lotedge.store.ingest import Ingestor, IngestOutcome, Message, MessageResult
from lotedge.store.schema import SchemaValidator

REPORTED = ("stored", "duplicate", "conflict", "retracted", "dead_lettered")


def run_import(args: argparse.Namespace, db: Database, store: StoreConfig, base_dir: Path) -> int:
    validator = SchemaValidator.load(base_dir / store.schema_path) if store.schema_path else None
    ingestor = Ingestor(db, validator, forward=store.forward is not None)
    reports, unreadable = [], 0
    for name in args.files:
        try:
            payload = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            unreadable += 1
            continue
        (result,) = ingestor.ingest_messages([Message(payload, f"file:{name}", from_broker=False)])
        reports.append(_report(name, result))
    total = sum((Counter(r["counts"]) for r in reports), Counter())
    if args.json:
        print(json.dumps({"files": reports, "total": _counts(total)}, indent=2))
    else:
        for report in reports:
            print(_text(report))
        if len(reports) > 1:
            print("total: " + _summary(_counts(total)))
    return 1 if total["dead_lettered"] or unreadable else 0


def run_export(args: argparse.Namespace, db: Database) -> int:
    since = _since(args.since) if args.since else None
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            count = write_document(db, out, since)
        print(f"{count} events written to {args.output}", file=sys.stderr)
    else:
        write_document(db, sys.stdout, since)
    return 0


def _since(text: str) -> str:
    """An ISO date (midnight UTC) or a date-time with its offset, as the store's UTC text."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat() + "T00:00:00.000000Z"
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--since: not an ISO date or date-time: {text!r}") from None
    if moment.tzinfo is None:
        raise SystemExit(f"--since: give the time's UTC offset (e.g. {text}Z): {text!r}")
    return utc_text(moment)


def _report(name: str, result: MessageResult) -> dict[str, Any]:
    counts = Counter(e.outcome.value for e in result.events)
    return {
        "file": name,
        "kind": result.kind.value if result.kind else None,
        "note": result.note,
        "events": len(result.events),
        "counts": _counts(counts),
        "problems": [
            {"outcome": e.outcome.value, "event_id": e.event_id, "reason": e.reason}
            for e in result.events
            if e.outcome in (IngestOutcome.DEAD_LETTERED, IngestOutcome.CONFLICT)
        ],
    }


def _counts(counts: Counter[str]) -> dict[str, int]:
    return {name: counts[name] for name in REPORTED}


def _summary(counts: dict[str, int]) -> str:
    return (
        ", ".join(f"{n} {name.replace('_', '-')}" for name, n in counts.items() if n) or "nothing"
    )


def _text(report: dict[str, Any]) -> str:
    kind = report["kind"] or "not EPCIS"
    if report["note"]:
        kind += f" ({report['note']})"
    lines = [f"{report['file']}: {kind}, {report['events']} events: {_summary(report['counts'])}"]
    lines += [f"  {p['outcome'].replace('_', '-')}: {p['reason']}" for p in report["problems"]]
    return "\n".join(lines)
