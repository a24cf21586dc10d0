"""The batch workflow as pure transitions: start -> consume -> end (lot assigned) or cancel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lotedge.core.decisions import Reason
from lotedge.masterdata.items import Product
from lotedge.masterdata.suggestions import unknown


@dataclass(frozen=True)
class Batch:
    """One production batch on the line."""

    id: str
    product: str
    started_at: datetime
    planned_qty: Decimal | None = None
    operator: str = ""
    status: str = "open"
    ended_at: datetime | None = None
    produced_qty: Decimal | None = None
    lot: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a batch transition was refused."""

    reason: Reason
    message: str


def parse_quantity(text: str | Decimal | None, what: str) -> Decimal | Refusal | None:
    """A positive quantity from operator input, None when absent."""
    if text is None or text == "":
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return Refusal(Reason.INVALID_QUANTITY, f"{what} {text!r} is not a number.")
    if not value.is_finite() or value <= 0:
        return Refusal(Reason.INVALID_QUANTITY, f"{what} must be more than zero, got {text}.")
    return value


def start(
    open_batch: Batch | None,
    product: Product | None,
    product_code: str,
    *,
    batch_id: str,
    planned_qty: Decimal | None,
    operator: str,
    now: datetime,
    known_products: Sequence[str] = (),
) -> Batch | Refusal:
    """Open a batch for a product, unless one is open already (`known_products`: the codes an
    unknown product's refusal lists)."""
    if open_batch is not None:
        return Refusal(
            Reason.BATCH_ALREADY_OPEN,
            f"Batch for {open_batch.product} is still open. End or cancel it first.",
        )
    if product is None:
        return Refusal(Reason.UNKNOWN_PRODUCT, unknown("product", product_code, known_products))
    return Batch(batch_id, product.code, now, planned_qty, operator)


def end(
    open_batch: Batch | None, produced_qty: Decimal, lot: str, now: datetime
) -> Batch | Refusal:
    """Close the open batch with its produced quantity and its new lot number."""
    if open_batch is None:
        return Refusal(Reason.NO_OPEN_BATCH, "No batch is open, so there is nothing to end.")
    return replace(open_batch, status="ended", ended_at=now, produced_qty=produced_qty, lot=lot)


def cancel(open_batch: Batch | None, now: datetime) -> Batch | Refusal:
    """Cancel the open batch; its consumptions stay recorded."""
    if open_batch is None:
        return Refusal(Reason.NO_OPEN_BATCH, "No batch is open, so there is nothing to cancel.")
    return replace(open_batch, status="cancelled", ended_at=now)
