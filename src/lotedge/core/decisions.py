"""Scan decisions: every outcome has a stable reason code and a message an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from lotedge.core import label_checks
from lotedge.core.holds import HeldItem, Hold, first_match
from lotedge.core.reasons import Reason as Reason  # re-exported: where it always was
from lotedge.core.scan import ParsedScan, ScanKind
from lotedge.masterdata.items import Material, Product


class Outcome(StrEnum):
    """What the agent did with a scan."""

    ACCEPTED = "accepted"  # consumed into the open batch
    REJECTED = "rejected"  # not consumed; the operator must act
    IGNORED = "ignored"  # a double read; nothing to do
    COMMAND = "command"  # a command barcode was carried out
    RECEIVED = "received"  # recorded as a goods receipt (receiving mode)
    PACKED = "packed"  # cases added to the open pallet (shipping mode)
    SHIPPED = "shipped"  # a pallet dispatched to the ship-to customer (shipping mode)


class FefoPolicy(StrEnum):
    """What a scan of a lot that should wait for an older one gets (`[scan] fefo`)."""

    OFF = "off"
    WARN = "warn"  # accepted, with a warning naming the lot to use first
    REJECT = "reject"


@dataclass(frozen=True)
class ScanWarning:
    """Something the operator should know about an accepted scan."""

    code: str
    message: str
    use_instead: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "use_instead": self.use_instead}


@dataclass(frozen=True)
class OpenLot:
    """A lot of a material known to be open on site, for FEFO. `decide_material` marks the
    lots the hold list matches `on_hold`."""

    lot: str
    expiry: date | None
    on_hold: bool = False


@dataclass(frozen=True)
class Decision:
    """The agent's answer to one scan."""

    outcome: Outcome
    reason: Reason
    message: str
    scan: ParsedScan | None = None
    warning: ScanWarning | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.REJECTED

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "outcome": self.outcome.value,
            "reason": self.reason.value,
            "message": self.message,
        }
        if self.warning is not None:
            out["warning"] = self.warning.as_dict()
        return out


@dataclass(frozen=True)
class ScanContext:
    """What the decision depends on besides the scan; gathered by the state owner."""

    now: datetime
    product: Product | None
    materials: list[Material]
    debounce: timedelta
    last_seen: datetime | None = None
    repeat_armed: bool = False
    #: The holds that can match the scanned lot or an open lot (the state owner leaves out
    #: those naming other lots), oldest first; the first hold that matches is reported.
    holds: tuple[Hold, ...] = ()
    fefo: FefoPolicy = FefoPolicy.OFF
    #: The other open lots of the scanned material (the scanned lot itself may be among them).
    open_lots: tuple[OpenLot, ...] = ()


def reject(reason: Reason, message: str, scan: ParsedScan | None = None) -> Decision:
    return Decision(Outcome.REJECTED, reason, message, scan)


def effective_expiry(scan: ParsedScan, material: Material | None) -> date | None:
    """Expiry from the label, else production/packaging date (or, failing that, the receipt
    date) plus the material's shelf life."""
    if scan.expiry is not None:
        return scan.expiry
    start = scan.produced or scan.received
    if start is not None and material is not None and material.shelf_life_days:
        return start + timedelta(days=material.shelf_life_days)
    return None


def unreadable(scan: ParsedScan) -> Decision:
    """The rejection of a scan the parser could not read."""
    return reject(*label_checks.unreadable(scan), scan)


class ScanHistory(Protocol):
    """What `screen` needs of a scan's context (the line's or receiving's)."""

    @property
    def now(self) -> datetime: ...

    @property
    def materials(self) -> list[Material]: ...

    @property
    def debounce(self) -> timedelta: ...

    @property
    def last_seen(self) -> datetime | None: ...

    @property
    def repeat_armed(self) -> bool: ...


def screen(scan: ParsedScan, ctx: ScanHistory) -> Decision | Material | None:
    """The first checks of every material scan, at the line or at receiving: the rejection of
    an unreadable scan, or a double read (the same code again within the debounce window, no
    AGAIN before it); else the scan's material (None when it is not a known one)."""
    if scan.kind is ScanKind.UNREADABLE:
        return unreadable(scan)
    last = ctx.last_seen
    if last is not None and ctx.now - last < ctx.debounce and not ctx.repeat_armed:
        return Decision(
            Outcome.IGNORED,
            Reason.DOUBLE_READ,
            "Same label read twice; counted once. For a second container of this lot, "
            "scan the AGAIN command first.",
            scan,
        )
    return next((m for m in ctx.materials if m.code == scan.material_code), None)


def fefo_first(
    lot: str, expiry: date | None, open_lots: tuple[OpenLot, ...], today: date
) -> OpenLot | None:
    """The open lot to use before `lot` (first expiry, first out), if any.

    That is the earliest-expiring other lot that expires before `lot`, is not on hold and has
    not expired (expired or held lots are not to be used at all, so they never come first).
    """
    if expiry is None:
        return None
    usable = [
        o
        for o in open_lots
        if o.lot != lot and o.expiry is not None and today <= o.expiry < expiry and not o.on_hold
    ]
    return min(usable, key=lambda o: (o.expiry, o.lot), default=None)


def decide_material(scan: ParsedScan, ctx: ScanContext) -> Decision:
    """Judge a GS1 or vendor scan against the open batch. Commands are handled by the batch flow."""
    material = screen(scan, ctx)
    if isinstance(material, Decision):
        return material
    if pallet := label_checks.logistic_unit(scan):
        return reject(*pallet, scan)
    if material is None:
        return reject(
            Reason.UNKNOWN_MATERIAL,
            f"GTIN {scan.gtin} is not a known material. Check the container or ask for "
            "master data to be updated.",
            scan,
        )
    if not scan.lot:
        return reject(
            Reason.NO_LOT,
            f"The label of {material.name} carries no lot number. Scan the lot barcode on the "
            "container.",
            scan,
        )
    if glued := label_checks.glued_field(scan, material):
        return reject(*glued, scan)
    if ctx.product is None:
        return reject(
            Reason.NO_OPEN_BATCH,
            "No batch is open. Start a batch before loading ingredients.",
            scan,
        )
    if material.code not in ctx.product.bom:
        return reject(
            Reason.NOT_IN_BOM,
            f"{material.name} is not an ingredient of {ctx.product.name}. Do not load it; "
            "check you have the right container.",
            scan,
        )
    expiry = effective_expiry(scan, material)
    if expiry is None:  # the lot list may know it (received here, or pushed by the store)
        expiry = next((o.expiry for o in ctx.open_lots if o.lot == scan.lot), None)
    if expiry is not None and expiry < ctx.now.date():
        return reject(
            Reason.EXPIRED,
            f"{material.name} lot {scan.lot} expired on {expiry.isoformat()}. Do not load it; "
            "put it aside for disposal.",
            scan,
        )
    hold = first_match(ctx.holds, HeldItem.of(material, scan.gtin, scan.lot))
    if hold is not None:
        return reject(
            Reason.ON_HOLD,
            f"{material.name} lot {scan.lot} is on hold: {hold.reason} (hold {hold.hold_id}). "
            "Do not load it; put it aside and call quality.",
            scan,
        )
    accepted = f"{material.name} lot {scan.lot} accepted into {ctx.product.name}."
    first = None
    if ctx.fefo is not FefoPolicy.OFF:
        marked = tuple(
            replace(o, on_hold=True)
            if first_match(ctx.holds, HeldItem.of(material, scan.gtin, o.lot))
            else o
            for o in ctx.open_lots
        )
        first = fefo_first(scan.lot, expiry, marked, ctx.now.date())
    if first is None:
        return Decision(Outcome.ACCEPTED, Reason.ACCEPTED, accepted, scan)
    assert first.expiry is not None and expiry is not None
    advice = (
        f"Use lot {first.lot} first (expires {first.expiry.isoformat()}); this lot expires "
        f"{expiry.isoformat()}."
    )
    if ctx.fefo is FefoPolicy.REJECT:
        return reject(Reason.FEFO, f"{material.name} lot {scan.lot} not loaded. {advice}", scan)
    warning = ScanWarning("fefo", advice, first.lot)
    return Decision(Outcome.ACCEPTED, Reason.ACCEPTED, accepted, scan, warning)
