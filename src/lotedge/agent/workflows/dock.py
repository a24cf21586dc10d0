"""Scans and command barcodes in shipping mode (docs/shipping.md).

A case label packs onto the open pallet (`shipping`), a ship-to barcode ((410) GLN of a
customer, or `#LE:TO:<customer>`) chooses where the next pallets go, and a pallet label (00)
dispatches that pallet there (`dispatch`). Every scan has its audit row, committed with what
it did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from lotedge.agent.replies import Done, command_decision
from lotedge.agent.requests import PalletClose, PalletOpen, PalletRepeat, Ship, ShipTo
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import dispatch, shipping
from lotedge.core.batch import Refusal
from lotedge.core.decisions import Decision, FefoPolicy, OpenLot, Outcome, ScanWarning
from lotedge.core.holds import Hold
from lotedge.core.reasons import Reason
from lotedge.core.scan import Command, ParsedScan, RawScan, ScanKind
from lotedge.core.shipping import (
    Cases,
    DockRules,
    dock_hold,
    judge_cases,
    judge_stock,
    repeat_count,
)
from lotedge.ops import metrics
from lotedge.state import holds as hold_list
from lotedge.state import repo, stock
from lotedge.state import shipping as dock
from lotedge.state.shipping import Pallet

Operation = Callable[[UnitOfWork], Done | Refusal]
#: The dock's command barcodes, for the unknown-command message.
KNOWN = "PALLET[:<customer>], CLOSE, QTY:<n>, TO:<customer>"
SHIP_TO_AI = "410"
#: Older lots in stock read at a time when looking for the one to ship first.
FEFO_CHUNK = 32


def operation(command: Command) -> Operation | Refusal | None:
    """What a dock command barcode runs; a refusal for wrong arguments, None for another verb."""
    verb, args = command.verb, command.args
    if verb == "PALLET":
        opening = PalletOpen(args[0] if args and args[0] else None)
        return lambda uow: shipping.open_pallet(uow, opening)
    if verb == "CLOSE":
        return lambda uow: shipping.close_pallet(uow, PalletClose())
    if verb == "QTY":
        count = repeat_count(args[0] if args else "")
        if isinstance(count, Refusal):
            return count
        repeat = PalletRepeat(count)
        return lambda uow: shipping.repeat(uow, repeat)
    if verb == "TO" and args and args[0]:
        ship_to = ShipTo(":".join(args))
        return lambda uow: dispatch.set_ship_to(uow, ship_to)
    return None


def scan(uow: UnitOfWork, raw: RawScan, parsed: ParsedScan, dry_run: bool) -> Decision:
    """A scan in shipping mode; `dry_run` judges it without writing (`lotedge parse`)."""
    now = raw.received_at.astimezone()
    if dry_run:
        return _judge(uow, parsed, now, dry_run=True)[0]
    with uow.transaction():
        decision, cases = _judge(uow, parsed, now, dry_run=False)
        scan_id = repo.record_scan(uow.conn, raw, decision, parsed.dedupe_key, None)
        pallet = dock.open_pallet(uow.conn)
        if cases is not None and pallet is not None:
            dock.add_cases(uow.conn, pallet.id, cases, scan_id=scan_id, now=now)
    metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
    if decision.outcome is Outcome.PACKED:
        uow.memory.repeat_armed = False
    return decision


def _decision(
    result: Done | Refusal,
    outcome: Outcome,
    parsed: ParsedScan,
    warning: ScanWarning | None = None,
) -> Decision:
    if isinstance(result, Refusal):
        return Decision(Outcome.REJECTED, result.reason, result.message, parsed)
    return Decision(outcome, result.reason, result.message, parsed, warning)


def _judge(
    uow: UnitOfWork, parsed: ParsedScan, now: datetime, *, dry_run: bool
) -> tuple[Decision, Cases | None]:
    """The decision on a dock scan, and the cases to pack (a dispatch or a ship-to is carried
    out here unless `dry_run`)."""
    gln = parsed.elements.get(SHIP_TO_AI)
    if gln is not None and "01" not in parsed.elements:
        customer = dispatch.customer_by_gln(uow, gln)
        if customer is None:
            refusal = Refusal(Reason.UNKNOWN_CUSTOMER, f"No customer has GLN {gln} (ship-to 410).")
            return _decision(refusal, Outcome.COMMAND, parsed), None
        if dry_run:
            return Decision(
                Outcome.COMMAND, Reason.SHIP_TO_SET, f"Would ship to {customer.code}.", parsed
            ), None
        return command_decision(dispatch.set_ship_to(uow, ShipTo(customer.code)), parsed), None
    sscc = parsed.elements.get("00") if parsed.kind is ScanKind.LOGISTIC else None
    if sscc is not None:
        return _dispatch(uow, parsed, sscc, dry_run), None
    pallet = dock.open_pallet(uow.conn)
    if pallet is None:
        return _decision(shipping.no_open_pallet(), Outcome.PACKED, parsed), None
    window = timedelta(seconds=uow.config.scan.debounce_seconds)
    last = dock.last_packed(uow.conn, pallet.id, parsed.dedupe_key, now - window)
    if last is not None and not uow.memory.repeat_armed:
        message = (
            f"Same label again within {window.total_seconds():g} s: not packed twice. Scan "
            "#LE:AGAIN first for another case with the same label, or #LE:QTY:n for n more."
        )
        return Decision(Outcome.IGNORED, Reason.DOUBLE_READ, message, parsed), None
    holds = hold_list.for_lots(uow.conn, {parsed.lot} if parsed.lot else set())
    cases = judge_cases(parsed, uow.config.products, holds, now.date())
    if isinstance(cases, Refusal):
        return _decision(cases, Outcome.PACKED, parsed), None
    judged = judge_stock(cases, _dock_rules(uow, pallet, cases, holds, now))
    if isinstance(judged, Refusal):
        return _decision(judged, Outcome.PACKED, parsed), None
    cases, warning = judged
    done = shipping.packed(uow, pallet, cases)
    return _decision(done, Outcome.PACKED, parsed, warning), cases


def _dock_rules(
    uow: UnitOfWork, pallet: Pallet, cases: Cases, holds: tuple[Hold, ...], now: datetime
) -> DockRules:
    """The scanned lot as the store pushed it and the older lots in stock (as many as it takes
    to find one not on hold), the holds that can match them (`holds`: those of the scanned lot,
    read already), the dock's FEFO policy and the customer the pallet was opened for."""
    product, today = cases.product.code, now.date()
    own = stock.pushed(uow.conn, product, cases.lot)
    expiry = cases.expiry or (own.expiry if own else None)
    shipping_config = uow.config.shipping
    assert shipping_config is not None  # a pallet is open
    older: list[OpenLot] = []
    while expiry is not None and shipping_config.fefo is not FefoPolicy.OFF:
        chunk = stock.older_lots(
            uow.conn, product, today, expiry, skip=len(older), limit=FEFO_CHUNK
        )
        older += chunk
        if chunk:  # the holds of this chunk's lots: those read before cover the others
            read = hold_list.for_lots(uow.conn, {lot.lot for lot in chunk})
            holds = tuple(dict.fromkeys(holds + read))  # range holds come with every read
        held = [dock_hold(holds, cases.product, cases.gtin, o.lot) for o in chunk]
        if len(chunk) < FEFO_CHUNK or None in held:  # the end, or one that can ship first
            break
    in_stock = ([own] if own else []) + older
    customer = uow.config.customer(pallet.customer) if pallet.customer else None
    return DockRules(tuple(in_stock), holds, shipping_config.fefo, customer, today)


def _dispatch(uow: UnitOfWork, parsed: ParsedScan, sscc: str, dry_run: bool) -> Decision:
    customer = dock.ship_to(uow.conn)
    if customer is None:
        message = "Scan the ship-to first (the customer's 410 barcode or #LE:TO:<customer>)."
        return Decision(Outcome.REJECTED, Reason.NO_SHIP_TO, message, parsed)
    if dry_run:
        return Decision(
            Outcome.SHIPPED, Reason.SHIPPED, f"Would ship {sscc} to {customer}.", parsed
        )
    return _decision(dispatch.ship(uow, Ship((sscc,), customer)), Outcome.SHIPPED, parsed)
