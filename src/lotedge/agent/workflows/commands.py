"""Command barcodes (`#LE:START:<product>[:<qty>]`, `END:<qty>`, `CANCEL`, `AGAIN`, `RECEIVE`,
`PRODUCE`, `REF:<order>`, `DN:<note>`, the scale's `TARE`, `ZERO`, `REREAD`, `SKIP:<reason>`):
each runs its workflow's operation directly, and the operation's result becomes the scan's
decision. The command and its audit row commit together.
"""

from __future__ import annotations

from collections.abc import Callable

from lotedge.agent.replies import Done, command_decision
from lotedge.agent.requests import (
    CancelBatch,
    EndBatch,
    ScaleAction,
    SetMode,
    SetReference,
    SkipWeighing,
    StartBatch,
)
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import batches, receiving, weighing
from lotedge.core import batch as batch_rules
from lotedge.core.batch import Refusal
from lotedge.core.decisions import Decision, Outcome
from lotedge.core.reasons import Reason
from lotedge.core.receiving import ReferenceKind
from lotedge.core.scan import Command, ParsedScan, RawScan
from lotedge.ops import metrics
from lotedge.state import repo

Operation = Callable[[UnitOfWork], Done | Refusal]

KNOWN = (
    "START:<product>[:<qty>], END:<qty>, CANCEL, AGAIN, RECEIVE, PRODUCE, "
    "REF:<purchase order>, DN:<delivery note>, TARE, ZERO, REREAD, SKIP:<reason>"
)


def run(uow: UnitOfWork, raw: RawScan, parsed: ParsedScan, dry_run: bool) -> Decision:
    """Carry out the command `parsed` holds and record its scan; `dry_run` only judges it."""
    assert parsed.command is not None
    if dry_run:
        return _decide(uow, parsed, parsed.command, dry_run)
    with uow.transaction():
        before = repo.open_batch(uow.conn)
        decision = _decide(uow, parsed, parsed.command, dry_run)
        batch = repo.open_batch(uow.conn) or before  # the batch it started, or ended
        repo.record_scan(uow.conn, raw, decision, parsed.dedupe_key, batch.id if batch else None)
    metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
    return decision


def _decide(uow: UnitOfWork, parsed: ParsedScan, command: Command, dry_run: bool) -> Decision:
    if command.verb == "AGAIN":
        if not dry_run:
            uow.memory.repeat_armed = True
        message = "Next scan of the same label counts as another container."
        return Decision(Outcome.COMMAND, Reason.REPEAT_ARMED, message, parsed)
    operation = _operation(command)
    if isinstance(operation, Refusal):
        return Decision(Outcome.REJECTED, operation.reason, operation.message, parsed)
    if operation is None:
        message = f"Unknown command {parsed.text!r}; known: {KNOWN}."
        return Decision(Outcome.REJECTED, Reason.UNKNOWN_COMMAND, message, parsed)
    if dry_run:
        return Decision(Outcome.COMMAND, Reason.ACCEPTED, f"Would run {command.verb}.", parsed)
    return command_decision(operation(uow), parsed)


def _operation(command: Command) -> Operation | Refusal | None:
    """What `command` runs; a refusal when its arguments are wrong, None when it is unknown."""
    verb, args = command.verb, command.args
    if verb == "START" and args:
        planned = batch_rules.parse_quantity(args[1] if len(args) > 1 else None, "Planned quantity")
        if isinstance(planned, Refusal):
            return planned
        start = StartBatch(args[0], planned)
        return lambda uow: batches.start(uow, start)
    if verb == "END":
        produced = batch_rules.parse_quantity(args[0] if args else None, "Quantity")
        if isinstance(produced, Refusal) or produced is None:
            message = (
                produced.message if produced else "END needs the produced quantity, e.g. END:120."
            )
            return Refusal(Reason.INVALID_QUANTITY, message)
        end = EndBatch(produced)
        return lambda uow: batches.end(uow, end)
    if verb == "CANCEL":
        return lambda uow: batches.cancel(uow, CancelBatch("cancelled by command barcode"))
    if verb in ("RECEIVE", "PRODUCE"):
        mode = SetMode("receiving" if verb == "RECEIVE" else "production")
        return lambda uow: receiving.set_mode(uow, mode)
    if verb in ("TARE", "ZERO", "REREAD") and not args:
        action = ScaleAction(verb.lower())
        return lambda uow: weighing.scale_action(uow, action)
    if verb == "SKIP" and args:
        skip = SkipWeighing(":".join(args))
        return lambda uow: weighing.skip(uow, skip)
    if verb in ("REF", "DN") and args:
        kind = ReferenceKind.PO if verb == "REF" else ReferenceKind.DESADV
        reference = SetReference(":".join(args), kind.value)
        return lambda uow: receiving.set_reference(uow, reference)
    return None
