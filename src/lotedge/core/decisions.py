"""Scan decisions: every outcome has a stable reason code and a message an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from lotedge.config.masterdata import Material, Product
from lotedge.core.holds import HeldItem, Hold, first_match
from lotedge.core.scan import ParsedScan, ScanKind


class Outcome(StrEnum):
    """What the agent did with a scan."""

    ACCEPTED = "accepted"  # consumed into the open batch
    REJECTED = "rejected"  # not consumed; the operator must act
    IGNORED = "ignored"  # a double read; nothing to do
    COMMAND = "command"  # a command barcode was carried out


class Reason(StrEnum):
    """Stable, machine-readable reason codes (part of the MQTT and CLI interface)."""

    ACCEPTED = "accepted"
    DOUBLE_READ = "double_read"
    UNREADABLE = "unreadable"
    INVALID_GS1 = "invalid_gs1"
    NO_LOT = "no_lot"
    UNKNOWN_MATERIAL = "unknown_material"
    NO_OPEN_BATCH = "no_open_batch"
    NOT_IN_BOM = "not_in_bom"
    EXPIRED = "expired"
    ON_HOLD = "on_hold"
    UNKNOWN_COMMAND = "unknown_command"
    UNKNOWN_PRODUCT = "unknown_product"
    BATCH_ALREADY_OPEN = "batch_already_open"
    INVALID_QUANTITY = "invalid_quantity"
    BATCH_STARTED = "batch_started"
    BATCH_ENDED = "batch_ended"
    BATCH_CANCELLED = "batch_cancelled"
    REPEAT_ARMED = "repeat_armed"
    LOT_SEQUENCE_EXHAUSTED = "lot_sequence_exhausted"
    LABEL_ERROR = "label_error"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Decision:
    """The agent's answer to one scan."""

    outcome: Outcome
    reason: Reason
    message: str
    scan: ParsedScan | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.ACCEPTED, Outcome.COMMAND, Outcome.IGNORED)

    def as_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome.value, "reason": self.reason.value, "message": self.message}


@dataclass(frozen=True)
class ScanContext:
    """What the decision depends on besides the scan; gathered by the state owner."""

    now: datetime
    product: Product | None
    materials: list[Material]
    debounce: timedelta
    last_seen: datetime | None = None
    repeat_armed: bool = False
    #: The hold list, oldest first; the first hold that matches the scan is reported.
    holds: tuple[Hold, ...] = ()


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


def decide_material(scan: ParsedScan, ctx: ScanContext) -> Decision:
    """Judge a GS1 or vendor scan against the open batch. Commands are handled by the batch flow."""
    if scan.kind is ScanKind.UNREADABLE:
        looks_gs1 = (scan.error or "").startswith(("invalid GS1", "GS1 code"))
        reason = Reason.INVALID_GS1 if looks_gs1 else Reason.UNREADABLE
        return reject(reason, f"Cannot read this label: {scan.error}. Scan it again or key it in.")
    if (
        ctx.last_seen is not None
        and ctx.now - ctx.last_seen < ctx.debounce
        and not ctx.repeat_armed
    ):
        return Decision(
            Outcome.IGNORED,
            Reason.DOUBLE_READ,
            "Same label read twice; counted once. For a second container of this lot, "
            "scan the AGAIN command first.",
            scan,
        )
    material = next((m for m in ctx.materials if m.code == scan.material_code), None)
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
    return Decision(
        Outcome.ACCEPTED,
        Reason.ACCEPTED,
        f"{material.name} lot {scan.lot} accepted into {ctx.product.name}.",
        scan,
    )
