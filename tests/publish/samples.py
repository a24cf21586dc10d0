"""Sample identities, master data and events shared by the publishing tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from lotedge.core import epcis
from lotedge.core.receiving import Receipt, ReceiptReference, ReferenceKind
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product

SITE = Identity(site="PLANT1", line="L1", device_id="edge1", site_gln="7038010000003")
NO_GLN = Identity(site="PLANT2", line="L-2", device_id="edge2")
FLOUR = Material(code="FLOUR", name="Flour", gtins=["07038010000065"], vendor="Mill AS", uom="KGM")
SALT = Material(code="SALT 1/2", name="Salt", vendor="")
BREAD = Product(code="BREAD", name="Bread", gtin="07038010000126", bom=["FLOUR", "SALT 1/2"])
PURCHASE_ORDER = ReceiptReference(ReferenceKind.PO, "PO-4711")
WHEN = datetime(2026, 11, 25, 13, 5, 7, 123456, tzinfo=timezone(timedelta(hours=1)))


def consumption(
    identity: Identity = SITE, *, lot: str = "L0042", n: int = 0, **kw: Any
) -> dict[str, Any]:
    """A consumption event for FLOUR (GS1) unless `material`/`gtin` say otherwise."""
    args: dict[str, Any] = {
        "batch_id": "B1",
        "material": FLOUR,
        "gtin": FLOUR.gtins[0],
        "lot": lot,
        "quantity": Decimal("25"),
        "uom": "KGM",
        "event_id": f"urn:uuid:{uuid.UUID(int=n)}",
        "when": WHEN,
    }
    return epcis.consumption_event(identity, **{**args, **kw})


def output(identity: Identity = SITE, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "batch_id": "B1",
        "product": BREAD,
        "lot": "26329L10001",
        "quantity": Decimal("480"),
        "produced": date(2026, 11, 25),
        "expiry": date(2027, 11, 25),
        "event_id": f"urn:uuid:{uuid.uuid4()}",
        "when": WHEN.astimezone(UTC),
    }
    return epcis.output_event(identity, **{**args, **kw})


def receiving(
    identity: Identity = SITE,
    *,
    material: Material = FLOUR,
    reference: ReceiptReference = PURCHASE_ORDER,
    **kw: Any,
) -> dict[str, Any]:
    """A receipt of 25 kg FLOUR vendor lot L0042 (override any Receipt field by keyword)."""
    fields: dict[str, Any] = {
        "material": material,
        "lot": "L0042",
        "internal": False,
        "gtin": material.gtins[0] if material.gtins else None,
        "quantity": Decimal("25"),
        "uom": "KGM",
        "expiry": date(2027, 5, 31),
        "reference": reference,
        "received_at": WHEN,
    }
    receipt = Receipt(**{**fields, **kw})
    return epcis.receiving_event(
        identity, receipt, event_id="urn:uuid:00000000-0000-0000-0000-000000000020", when=WHEN
    )
