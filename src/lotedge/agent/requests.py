"""Requests adapters send to the engine, and the replies they get. All JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lotedge.core.holds import HoldScope
from lotedge.core.lot_lists import ListPage
from lotedge.core.scan import RawScan


@dataclass(frozen=True)
class ScanRequest:
    """A scan from any source; the reply carries the decision."""

    raw: RawScan
    #: When True, the scan is judged but nothing is recorded (`lotedge parse`).
    dry_run: bool = False


@dataclass(frozen=True)
class StartBatch:
    product: str
    planned_qty: Decimal | None = None
    operator: str = ""


@dataclass(frozen=True)
class EndBatch:
    produced_qty: Decimal


@dataclass(frozen=True)
class CancelBatch:
    reason: str = ""


@dataclass(frozen=True)
class Status:
    """The line's state; `consumptions`: also every container consumed into the open batch
    (else their sums per material and lot: the reply stays small however long the batch)."""

    consumptions: bool = False


@dataclass(frozen=True)
class HoldAdd:
    """Put a scope on hold; `hold_id` None means the id derived from the scope."""

    scope: HoldScope
    reason: str
    hold_id: str | None = None
    #: local (control socket), remote (MQTT) or store (the trace store's forward-trace hold).
    source: str = "local"


@dataclass(frozen=True)
class HoldRemove:
    """Release the hold with this id, or every hold on exactly this scope."""

    scope: HoldScope | None = None
    hold_id: str | None = None
    #: Who releases it: a hold placed locally needs `local`, one placed by the store `store`
    #: (or `local`); any caller's source may release a `remote` one.
    source: str = "local"


@dataclass(frozen=True)
class RemoteRefused:
    """An MQTT command this line refused (not allowed, unsigned, badly signed): an alert."""

    op: str
    why: str
    code: str


@dataclass(frozen=True)
class HoldList:
    pass


@dataclass(frozen=True)
class Reprint:
    lot: str
    copies: int = 1


@dataclass(frozen=True)
class AlertAck:
    """The operator saw an alert and dealt with it."""

    alert_id: int
    operator: str = ""


@dataclass(frozen=True)
class SetMode:
    """Switch a line between `production` and `receiving` (persisted)."""

    mode: str


@dataclass(frozen=True)
class SetReference:
    """The purchase order (`po`) or delivery note (`desadv`) the next receipts belong to."""

    number: str
    kind: str = "po"


@dataclass(frozen=True)
class ReceiveUnlabelled:
    """Receive material without a lot number: an internal lot and a receiving label."""

    material: str
    quantity: Decimal
    expiry: date | None = None


@dataclass(frozen=True)
class LotsOpen:
    """Open lots of a material, pushed by the central side (for FEFO): added, instead of the
    earlier ones (`replace`), or a `page` of the whole list (swapped in once complete)."""

    material: str
    lots: tuple[tuple[str, date | None], ...]
    replace: bool = False
    page: ListPage | None = None


@dataclass(frozen=True)
class LotsClose:
    material: str
    lot: str


@dataclass(frozen=True)
class StockLots:
    """Our lots of a product with stock left (lot, expiry, on hand, of that not yet on a
    pallet), pushed by the trace store for FEFO at the dock: added, instead of the earlier ones
    (`replace`), or a `page` of the product's whole list (swapped in once complete)."""

    product: str
    lots: tuple[tuple[str, date | None, Decimal, Decimal], ...]
    replace: bool = False
    page: ListPage | None = None


@dataclass(frozen=True)
class StockList:
    """The pushed lots of one product, or of all."""

    product: str | None = None


@dataclass(frozen=True)
class LotsList:
    material: str | None = None


# -- the shipping dock (agent/workflows/shipping.py) -----------------------------------------
@dataclass(frozen=True)
class PalletOpen:
    """Open a pallet (an SSCC), optionally for a customer; one pallet is open at a time."""

    customer: str | None = None


@dataclass(frozen=True)
class PalletClose:
    """Close the open pallet: its AggregationEvent and its logistic label."""


@dataclass(frozen=True)
class PalletRepeat:
    """`count` more cases like the last one scanned onto the open pallet (`#LE:QTY:n`)."""

    count: int


@dataclass(frozen=True)
class PalletUnpack:
    """Take a pallet apart (a closed one: the DELETE aggregation; an open one: dropped)."""

    sscc: str


@dataclass(frozen=True)
class ShipTo:
    """The customer the next pallet labels scanned in shipping mode are dispatched to."""

    customer: str


@dataclass(frozen=True)
class Ship:
    """Dispatch closed pallets to a customer, with the shipment's documents."""

    ssccs: tuple[str, ...]
    customer: str
    po: str | None = None
    desadv: str | None = None
    bol: str | None = None


@dataclass(frozen=True)
class ShipVoid:
    """Take back the dispatch of a pallet (a mistake): it is at the dock again."""

    sscc: str


# -- weighing (agent/workflows/weighing.py) ---------------------------------------------------
@dataclass(frozen=True)
class WeightReading:
    """The scale service read a stable net weight for pending weighing `weighing_id`.

    `load_changed`: the scale showed another weight since the previous weighing was recorded;
    `confirmed`: the operator asked for this re-read (a weight equal to the previous one is
    then accepted)."""

    weighing_id: int
    value: Decimal
    unit: str
    scale: str
    load_changed: bool = True
    confirmed: bool = False


@dataclass(frozen=True)
class SkipWeighing:
    """Record the pending weighing's lot as consumed without a weight, for `reason`."""

    reason: str
    operator: str = ""


@dataclass(frozen=True)
class ScaleAction:
    """Ask the scale service to `tare`, `zero` or `reread` (the scale's I/O is its own)."""

    action: str


# -- facts from the print worker (it reads due jobs on its own connection, writes nothing) ---
@dataclass(frozen=True)
class PrinterStarted:
    """A print worker starts: jobs of `printer` left `sending` by a crash become `uncertain`,
    each with an alert (never resent: the label may be on the printer)."""

    printer: str
    at: float


@dataclass(frozen=True)
class PrintClaim:
    """The worker is about to send job `job_id`: mark it `sending` (committed before the first
    byte). The reply's `claimed` is False when the job is no longer queued."""

    job_id: int


@dataclass(frozen=True)
class PrintDone:
    """Every byte of a claimed job reached the printer (and it answered behind them); `output`:
    where it went when the printer names it (a dir:// printer's file)."""

    job_id: int
    at: float
    output: str | None = None


@dataclass(frozen=True)
class PrintUncertain:
    """Sending a claimed job started but was not confirmed: the label may or may not exist."""

    job_id: int
    error: str
    at: float


@dataclass(frozen=True)
class PrintRetry:
    """Nothing of a queued job was written (printer not ready or unreachable): try at `retry_at`."""

    job_id: int
    error: str
    retry_at: float


@dataclass(frozen=True)
class PrinterHealth:
    """The printer's faults changed from `previous` (None: first look) to `faults`."""

    printer: str
    faults: tuple[str, ...]
    previous: tuple[str, ...] | None
    at: float


@dataclass(frozen=True)
class Once:
    """Apply `request` at most once per `key` (a remote caller's transaction id): a retry of a
    request already applied gets the stored reply instead of running again."""

    request: Request
    key: str


Request = (
    ScanRequest
    | StartBatch
    | EndBatch
    | CancelBatch
    | Status
    | HoldAdd
    | HoldRemove
    | HoldList
    | RemoteRefused
    | Reprint
    | AlertAck
    | SetMode
    | SetReference
    | ReceiveUnlabelled
    | LotsOpen
    | LotsClose
    | LotsList
    | StockLots
    | StockList
    | PalletOpen
    | PalletClose
    | PalletRepeat
    | PalletUnpack
    | ShipTo
    | Ship
    | ShipVoid
    | PrinterStarted
    | PrintClaim
    | PrintDone
    | PrintUncertain
    | PrintRetry
    | PrinterHealth
    | WeightReading
    | SkipWeighing
    | ScaleAction
    | Once
)


@dataclass(frozen=True)
class Reply:
    """zigbee2mqtt-style answer: status ok|error, data, and an error message with a code."""

    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    code: str = ""
    remember: bool = True
    """False: a retry under the same transaction is applied again, not answered from the
    command log (a page of a pushed lot list: safe to repeat, and its outcome may change)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": "ok" if self.ok else "error", "data": self.data}
        if not self.ok:
            out["error"] = self.error
            out["code"] = self.code
        return out
