"""FDA's Food Traceability Rule (FSMA 204): the records of a lot's critical tracking events
(receiving, transformation, shipping) with their key data elements, one row per record, as the
sortable spreadsheet has them (docs/recall.md), and which key data elements each leaves empty.

A value the store does not hold stays empty: nothing is made up. Locations come from the
master data (`[[locations]]`); a vendor without it is named as its events name it. A shipment's
recipient is its customer's location (`location = CODE`), else the location with its GLN, else
what `[[customers]]` says of it (name, phone, address; city, state, ZIP and country empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lotedge.masterdata.locations import LOCATION_FIELDS, Location, LocationBook
from lotedge.store.customers import CustomerBook, ShipTo
from lotedge.store.query import Batch, FlowTotal, LotInfo, Trace, TraceQueries
from lotedge.store.shipments import Shipment, ShippedLot
from lotedge.wire.epc import parse_epc
from lotedge.wire.identifiers import transaction_number

_LOCATION_PARTS = (
    *("Business Name", "Phone Number", "Address"),
    *("City", "State", "ZIP Code", "Country"),
)


def location_headings(prefix: str) -> tuple[str, ...]:
    """The seven columns of a location description, e.g. `Receiving Location City`."""
    return tuple(f"{prefix} {part}" for part in _LOCATION_PARTS)


REFERENCE_HEADINGS = (
    "Reference Document Type 1",
    "Reference Document Number 1",
    "Reference Document Type 2",
    "Reference Document Number 2",
)
_LOT = ("Traceability Lot Code (TLC)", "Quantity", "Unit of Measure", "Product Description")
_TLC_SOURCE = (*location_headings("TLC Source Location"), "TLC Source Reference")
EVENT_ID = "Event ID"

RECEIVING = (
    *_LOT,
    *location_headings("Immediate Previous Source"),
    *location_headings("Receiving Location"),
    "Date Received",
    *_TLC_SOURCE,
    *REFERENCE_HEADINGS,
    EVENT_ID,
)
SHIPPING = (
    *_LOT,
    *location_headings("Immediate Subsequent Recipient"),
    *location_headings("Ship-From Location"),
    "Date Shipped",
    *_TLC_SOURCE,
    *REFERENCE_HEADINGS,
    EVENT_ID,
)
TRANSFORMATION = (
    EVENT_ID,
    "Input Traceability Lot Code (TLC)",
    "Input Product Description",
    "Input Quantity",
    "Input Unit of Measure",
    "New Traceability Lot Code (TLC)",
    *location_headings("Transformation Location"),
    "TLC Source Reference",
    "Date Transformation Completed",
    "New Product Description",
    "New Quantity",
    "New Unit of Measure",
    *REFERENCE_HEADINGS,
)
HEADINGS = {"Receiving": RECEIVING, "Transformation": TRANSFORMATION, "Shipping": SHIPPING}
"""The sheets in their order, each with its columns in order."""

DOCUMENT_TYPES = {
    "po": "Purchase Order",
    "desadv": "Despatch Advice",
    "bol": "Bill of Lading",
    "inv": "Invoice",
    "prodorder": "Production Order",
    "recadv": "Receiving Advice",
}
"""CBV business transaction types as a reference document's type; others as they are. A record
with more than two documents shows the first two in this order (then any other type)."""
BATCH_RECORD = "Batch Record"

_RECEIPTS = """
SELECT e.event_id, r.vendor, r.vendor_uri, r.material, r.vendor_lot, r.internal_lot,
       r.reference, r.reference_type, r.tlc_source, r.quantity, r.uom, r.received_at, r.site,
       l.lot, l.gtin
FROM receipts r CROSS JOIN events e CROSS JOIN lots l
WHERE e.id = r.event AND l.id = r.lot AND {where}
ORDER BY r.received_at, e.event_id, r.position
"""
_TLC_SOURCES = "SELECT lot, tlc_source, internal_lot, site FROM receipts WHERE lot IN ({marks})"


@dataclass(frozen=True)
class Record:
    """One row of a sheet: the critical tracking event, its lot, its cells in the sheet's
    order, and the key data elements it leaves empty (in words)."""

    cte: str
    lot: str
    event_id: str
    cells: tuple[Any, ...]
    missing: tuple[str, ...] = ()


@dataclass
class Records:
    """The rows of each sheet, in order."""

    sheets: dict[str, list[Record]] = field(default_factory=dict)

    def add(self, records: Iterable[Record]) -> None:
        for record in records:
            self.sheets.setdefault(record.cte, []).append(record)

    def present(self) -> list[tuple[str, tuple[str, ...], list[Record]]]:
        """(name, headings, rows) of each sheet that has rows, in FDA's order."""
        return [(n, HEADINGS[n], self.sheets[n]) for n in HEADINGS if self.sheets.get(n)]

    def incomplete(self) -> list[Record]:
        return [r for rows in self.sheets.values() for r in rows if r.missing]


class Fsma204:
    """Builds the records of the store's critical tracking events against the locations (and
    the customers, for shipments)."""

    def __init__(
        self, queries: TraceQueries, locations: LocationBook, customers: CustomerBook | None = None
    ) -> None:
        self.queries = queries
        self.locations = locations
        self.customers = customers or CustomerBook()

    def lot_records(
        self, backward: Trace, forward: Trace, shipped: Iterable[Shipment] = ()
    ) -> Records:
        """The records of every lot and step on a lot's backward and forward trace, and of the
        `shipped` units of its forward trace (`shipments.shipments`)."""
        records = Records()
        lot_ids = sorted(backward.depth.keys() | forward.depth.keys())
        records.add(self.receipts_of(lot_ids))
        steps = {**backward.batches, **forward.batches}
        lots = {**backward.lots, **forward.lots}
        order = sorted(steps.values(), key=lambda b: (b.last_event, b.uri))
        made = [b for b in order if b.kind == "transformation"]
        records.add(r for b in made for r in self.transformation(b, lots))
        records.add(self.shipping(list(shipped), lots, made))
        return records

    def shipping(
        self, shipped: list[Shipment], lots: dict[int, LotInfo], made: list[Batch]
    ) -> list[Record]:
        """One row per affected lot on each shipped unit, in time order."""
        made_at = {flow.lot: batch.site for batch in made for flow in batch.outputs}
        shipped_ids = sorted({s.lot for shipment in shipped for s in shipment.lots})
        received = {row[0]: row[1:] for row in self.queries.in_chunks(_TLC_SOURCES, shipped_ids)}
        records = []
        for shipment in shipped:
            common = Missing()
            recipient = common.location(
                "immediate subsequent recipient", *self._recipient(shipment.customer)
            )
            ship_from = common.location(
                "ship-from location", self.locations.find(shipment.step.site), None
            )
            documents = sorted(
                (
                    (kind or None, transaction_number(uri))
                    for role, kind, uri in shipment.step.refs
                    if role == "bizTransaction"
                ),
                key=_document_order,
            )
            references = common.references(documents)
            for item in shipment.lots:
                missing = Missing()
                lot = lots[item.lot]
                source, reference = self._tlc_source(
                    missing, made_at.get(item.lot), received.get(item.lot)
                )
                cells = (
                    *_shipped_lot(missing, lot, item),
                    *recipient,
                    *ship_from,
                    common.check("date shipped", shipment.shipped_at),
                    *source,
                    reference,
                    *references,
                    shipment.event_id,
                )
                missing_now = (*common.fields, *missing.fields)
                records.append(
                    Record("Shipping", lot.lot or "", shipment.event_id, cells, missing_now)
                )
        return records

    def _recipient(self, ship_to: ShipTo | None) -> tuple[Location | None, str | None]:
        """The location a shipment went to, and the name to show when there is none."""
        if ship_to is None:
            return None, None
        customer = self.customers.customer(ship_to.code)
        if customer is not None and customer.location is not None:
            return self.locations.find(customer.location), customer.name
        found = self.locations.find(gln=ship_to.gln)
        if found is not None or customer is None:
            return found, ship_to.name or ship_to.code or ship_to.gln
        described = Location(
            code=customer.code,
            name=customer.name,
            gln=customer.gln,
            phone=customer.phone,
            address=customer.address,
        )
        return described, customer.name

    def _tlc_source(
        self, missing: Missing, made_at: str | None, receipt: tuple[Any, ...] | None
    ) -> tuple[tuple[str | None, ...], str | None]:
        """The TLC source location's cells and the TLC source reference of a shipped lot: the
        site that made it (or numbered it at receipt), else the reference its receipt carried."""
        if receipt is not None and not made_at:
            tlc_source, internal_lot, site = receipt
            made_at = site if internal_lot else None
            if not internal_lot:
                missing.check("TLC source location or reference", tlc_source)
                return _EMPTY_LOCATION, tlc_source
        if made_at is None:
            missing.check("TLC source location or reference", None)
            return _EMPTY_LOCATION, None
        here = self.locations.find(made_at)
        cells = missing.location("TLC source location", here, None)
        return cells, here.tlc_source_reference or None if here else None

    def receipts_of(self, lot_ids: list[int]) -> list[Record]:
        sql = _RECEIPTS.format(where="r.lot IN ({marks})")
        rows = list(self.queries.in_chunks(sql, lot_ids))
        return [self._receipt(row) for row in sorted(rows, key=lambda r: (r[11], r[0]))]

    def receipts_since(self, since: str | None) -> list[Record]:
        """Every receipt (from the UTC time `since` on)."""
        where, params = ("r.received_at >= ?", [since]) if since else ("1 = 1", [])
        rows = self.queries.db.fetchall(_RECEIPTS.format(where=where), params)
        return [self._receipt(row) for row in rows]

    def transformations_since(self, since: str | None) -> list[Record]:
        """Every transformation with an event from the UTC time `since` on."""
        where, params = ("e.event_time >= ?", [since]) if since else ("1 = 1", [])
        ids = self.queries.db.fetchall(
            "SELECT DISTINCT f.transformation FROM lot_flows f CROSS JOIN events e"
            f" CROSS JOIN transformations t WHERE e.id = f.event AND t.id = f.transformation"
            f" AND t.kind = 'transformation' AND {where}",
            params,
        )
        steps, lots = self.queries.steps(sorted(row[0] for row in ids))
        order = sorted(steps.values(), key=lambda b: (b.last_event, b.uri))
        return [r for b in order for r in self.transformation(b, lots)]

    def _receipt(self, row: tuple[Any, ...]) -> Record:
        (event_id, vendor, vendor_uri, material, vendor_lot, internal_lot, reference, ref_type,
         tlc_source, quantity, uom, received_at, site, lot, gtin) = row  # fmt: skip
        tlc = vendor_lot or internal_lot or lot
        missing = Missing()
        source = missing.location(
            "immediate previous source", self.locations.find(vendor, _gln(vendor_uri)), vendor
        )
        here = self.locations.find(site)
        receiving = missing.location("receiving location", here, None)
        # An internal lot's code was assigned here, at receipt: this site is its source.
        tlc_location = receiving if internal_lot else _EMPTY_LOCATION
        if not internal_lot:
            missing.check("TLC source location or reference", tlc_source)
        cells = (
            *missing.lot(tlc, quantity, uom, _description(material, gtin)),
            *source,
            *receiving,
            missing.check("date received", received_at),
            *tlc_location,
            tlc_source,
            *missing.references([(ref_type, reference)] if reference else []),
            event_id,
        )
        return Record("Receiving", tlc or "", event_id, cells, tuple(missing.fields))

    def transformation(self, batch: Batch, lots: dict[int, LotInfo]) -> list[Record]:
        """One row per input and output of a transformation (every input beside every output;
        a batch without an input or output yet has an empty side)."""
        common = Missing()
        here = self.locations.find(batch.site)
        where = common.location("transformation location", here, None)
        references = common.references([(BATCH_RECORD, batch.uri)])
        inputs = [_side(f, lots, "input") for f in batch.inputs] or [_side(None, lots, "input")]
        outputs = [_side(f, lots, "new") for f in batch.outputs] or [_side(None, lots, "new")]
        records = []
        for new, new_missing in outputs:
            for used, used_missing in inputs:
                cells = (
                    batch.uri,
                    *used,
                    new[0],
                    *where,
                    here.tlc_source_reference or None if here else None,
                    batch.last_event,
                    *new[1:],
                    *references,
                )
                missing = (*common.fields, *used_missing, *new_missing)
                records.append(Record("Transformation", new[0] or "", batch.uri, cells, missing))
        return records


def _side(
    flow: FlowTotal | None, lots: dict[int, LotInfo], side: str
) -> tuple[tuple[Any, ...], list[str]]:
    """The cells of one input or output of a transformation and the elements it leaves empty."""
    missing = Missing()
    return missing.flow(flow, lots, side), missing.fields


_EMPTY_LOCATION: tuple[str | None, ...] = (None,) * len(LOCATION_FIELDS)


class Missing:
    """Collects the key data elements a record leaves empty while its cells are made."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def check(self, name: str, value: Any) -> Any:
        if value is None or value == "":
            self.fields.append(name)
        return value

    def lot(self, tlc: str | None, qty: float | None, uom: str | None, what: str | None) -> tuple:
        return (
            self.check("traceability lot code", tlc),
            self.check("quantity", qty),
            self.check("unit of measure", uom),
            self.check("product description", what),
        )

    def flow(self, flow: FlowTotal | None, lots: dict[int, LotInfo], side: str) -> tuple:
        """(TLC, product description, quantity, unit) of one side of a transformation."""
        if flow is None:
            self.fields.append(f"{side} traceability lot code")
            return (None, None, None, None)
        lot = lots[flow.lot]
        tlc, qty, uom, what = self.lot(lot.lot, flow.quantity, flow.uom, _lot_description(lot))
        self.fields = [f"{side} {name}" for name in self.fields]
        return (tlc, what, qty, uom)

    def location(
        self, role: str, location: Location | None, name: str | None
    ) -> tuple[str | None, ...]:
        """The seven cells of a location description: from the master data, else only the name
        the event gave (and every other field missing)."""
        if location is None:
            self.fields.append(f"{role} (no [[locations]] entry for {name or 'it'})")
            return (name, *_EMPTY_LOCATION[1:])
        self.fields.extend(f"{role} {part.replace('_', ' ')}" for part in location.missing())
        return tuple(value or None for value in location.description())

    def references(self, documents: list[tuple[str | None, str]]) -> tuple[str | None, ...]:
        """Two (type, number) pairs; the first is a key data element."""
        if not documents:
            self.fields.append("reference document")
        cells: list[str | None] = []
        for kind, number in [*documents[:2], *[(None, None)] * (2 - len(documents[:2]))]:
            cells += [DOCUMENT_TYPES.get(kind or "", kind) or None, number or None]
        if documents and not documents[0][0]:
            self.fields.append("reference document type")
        return tuple(cells)


def _document_order(document: tuple[str | None, str]) -> tuple[int, str, str]:
    kind, number = document
    known = list(DOCUMENT_TYPES)
    return (known.index(kind) if kind in known else len(known), kind or "", number)


def _shipped_lot(missing: Missing, lot: LotInfo, item: ShippedLot) -> tuple:
    return missing.lot(lot.lot, item.quantity, item.uom, _lot_description(lot))


def _gln(uri: str | None) -> str | None:
    epc = parse_epc(uri) if uri else None
    return epc.key if epc is not None and epc.scheme in ("pgln", "sgln") else None


def _description(code: str | None, gtin: str | None) -> str | None:
    """What the store knows of a product: its code and GTIN (`FLOUR, GTIN 09501101530003`)."""
    parts = [p for p in (code, f"GTIN {gtin}" if gtin else None) if p]
    return ", ".join(parts) or None


def _lot_description(lot: LotInfo) -> str | None:
    return _description(lot.product or lot.material, lot.gtin)


def kde_check(queries: TraceQueries, locations: LocationBook, since: str | None) -> list[Record]:
    """Every receipt and transformation (from `since`, UTC sortable text, on) that leaves a
    key data element empty, in time order by critical tracking event."""
    builder = Fsma204(queries, locations)
    records = [*builder.receipts_since(since), *builder.transformations_since(since)]
    return [r for r in records if r.missing]
