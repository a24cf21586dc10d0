"""What an event says about objects: every identifier it names (for the EPCIS query index) and
the genealogy step it makes, if any, from inputs to outputs.

* TransformationEvent: a `transformation` (its `transformationID`, else the event itself)
  from `inputEPCList` and `inputQuantityList` to `outputEPCList` and `outputQuantityList`.
* AggregationEvent and AssociationEvent, `ADD` or `OBSERVE`: an `aggregation` (`association`)
  from `childEPCs` and `childQuantityList` to `parentID`.
* ObjectEvent with bizStep `shipping` or `departing` (or, without any bizStep, with a
  `destinationList`): a `shipping` of `epcList` and `quantityList`, to its destinations.
* ObjectEvent with bizStep `receiving`, `arriving` or `accepting` (or, without any bizStep, with
  a `sourceList`): a `receiving` of `epcList` and `quantityList`, from its sources.
* TransactionEvent, `ADD` or `OBSERVE`: a `transaction` of `parentID`, `epcList` and
  `quantityList`, under its business transactions.

So a forward trace goes from a lot into the logistic unit that holds it and on to where that
unit was shipped, and a backward trace from a logistic unit to what it holds and where that
came from. Containment is genealogy; unpacking (`DELETE`) is not: a lot that shared a pallet
with an affected lot is not affected. Sources, destinations and business transactions are
attributes of a step (`Ref`), not nodes: a trace never walks through a customer or a purchase
order to unrelated goods. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lotedge.store.classes import LotClass, parse_class
from lotedge.store.fields import Bad, required, text
from lotedge.wire import keys
from lotedge.wire.cbv import bare_word
from lotedge.wire.identifiers import same_batch

EPC_LISTS = (
    ("epcList", "epc"),
    ("childEPCs", "child"),
    ("inputEPCList", "input"),
    ("outputEPCList", "output"),
)
"""Instance-level lists and their role in the query index."""
QUANTITY_LISTS = (
    ("quantityList", "quantity"),
    ("childQuantityList", "child_quantity"),
    ("inputQuantityList", "input_quantity"),
    ("outputQuantityList", "output_quantity"),
)
"""Class-level lists and their role in the query index."""
RECEIVING_STEPS = frozenset(("receiving", "arriving", "accepting"))
SHIPPING_STEPS = frozenset(("shipping", "departing"))
EXPIRY_KEYS = (keys.EXPIRY, keys.BEST_BEFORE, "urn:epcglobal:cbv:mda:itemExpirationDate")
OWNING_PARTY = ("source", "owning_party")


@dataclass(frozen=True)
class LotAttrs:
    """What an event says about a lot besides its identifier."""

    material: str | None = None
    vendor: str | None = None
    product: str | None = None
    expiry: str | None = None


@dataclass(frozen=True)
class Flow:
    """One object going into (`in`) or out of (`out`) a step."""

    direction: str
    position: int
    """Unique per event and direction."""
    lot: LotClass
    attrs: LotAttrs
    quantity: float | None
    uom: str | None
    role: str = ""
    """Where the event names it (see `ObjectRef.role`)."""


@dataclass(frozen=True)
class ObjectRef:
    """An identifier an event names, and where (`role`: `epc`, `parent`, `child`, `input`,
    `output`, `quantity`, `child_quantity`, `input_quantity`, `output_quantity`)."""

    role: str
    node: LotClass
    attrs: LotAttrs


@dataclass(frozen=True)
class Ref:
    """A source, destination or business transaction of a step: its role, CBV type (the bare
    word when it is one, else as written) and identifier."""

    role: str
    """`source`, `destination` or `bizTransaction`."""
    type: str
    """Empty when the event gives none."""
    uri: str


@dataclass(frozen=True)
class Step:
    """A genealogy step: every input leads to every output."""

    kind: str
    uri: str | None
    """The transformationID; None for a step of its own event."""
    inputs: tuple[Flow, ...]
    outputs: tuple[Flow, ...]
    refs: tuple[Ref, ...]


ROLES = dict((*EPC_LISTS, *QUANTITY_LISTS, ("parentID", "parent")))


def object_refs(
    event: dict[str, Any], attrs: dict[str, LotAttrs], step: Step | None = None
) -> list[ObjectRef]:
    """Every identifier of `event` with its role; `attrs` by role (default: none). With its
    `step`, they are the step's flows (a step's lists are all the identifiers its event type
    has), read once."""
    if step is not None:
        return [ObjectRef(f.role, f.lot, f.attrs) for f in (*step.inputs, *step.outputs)]
    found = []
    parent = text(event, "parentID")
    if parent:
        found.append(ObjectRef("parent", parse_class(parent), attrs.get("parent", LotAttrs())))
    for key, role in EPC_LISTS:
        for uri in _strings(event, key):
            found.append(ObjectRef(role, parse_class(uri), attrs.get(role, LotAttrs())))
    for key, role in QUANTITY_LISTS:
        for entry in _quantities(event, key):
            lot = entry[0]
            found.append(ObjectRef(role, lot, _with_material(attrs.get(role, LotAttrs()), lot)))
    return found


def genealogy_step(event: dict[str, Any], event_type: str, biz_step: str | None) -> Step | None:
    """The step `event` makes (see the module's table), or None."""
    action = text(event, "action")
    if event_type == "TransformationEvent":
        inputs = LotAttrs(material=text(event, keys.MATERIAL), vendor=text(event, keys.VENDOR))
        outputs = LotAttrs(product=text(event, keys.PRODUCT), expiry=expiry(event))
        batch = text(event, "transformationID")
        return _step(
            event,
            "transformation",
            same_batch(batch) if batch else None,
            flows_of(event, "in", ("inputEPCList", "inputQuantityList"), inputs),
            flows_of(event, "out", ("outputEPCList", "outputQuantityList"), outputs),
        )
    if action == "DELETE":
        return None
    if event_type in ("AggregationEvent", "AssociationEvent"):
        if not text(event, "parentID"):
            return None
        children = flows_of(event, "in", ("childEPCs", "childQuantityList"))
        parent = flows_of(event, "out", ("parentID",))
        return _step(event, event_type.removesuffix("Event").lower(), None, children, parent)
    objects = ("epcList", "quantityList")
    if event_type == "TransactionEvent":
        held = flows_of(event, "in", ("parentID", *objects))
        return _step(event, "transaction", None, held, [])
    if event_type != "ObjectEvent":
        return None
    kind = _movement(event, biz_step)
    if kind == "shipping":
        return _step(event, kind, None, flows_of(event, "in", objects), [])
    if kind == "receiving":
        received = received_attrs(event, refs_of(event))
        return _step(event, kind, None, [], flows_of(event, "out", objects, received))
    return None


def received_attrs(event: dict[str, Any], refs: Sequence[Ref]) -> LotAttrs:
    """What a receiving event says about what it received: the material, the vendor (its name,
    `lotedge:vendor`, else the owning party it came from) and the expiry."""
    source = next((r.uri for r in refs if (r.role, r.type) == OWNING_PARTY), None)
    return LotAttrs(
        material=text(event, keys.MATERIAL),
        vendor=text(event, keys.VENDOR) or source,
        expiry=expiry(event),
    )


def _movement(event: dict[str, Any], biz_step: str | None) -> str | None:
    """`shipping`, `receiving` or None for an ObjectEvent."""
    if biz_step in SHIPPING_STEPS:
        return "shipping"
    if biz_step in RECEIVING_STEPS:
        return "receiving"
    if biz_step is not None:  # inspecting, transporting ...: the lists describe, not move
        return None
    if event.get("destinationList"):
        return "shipping"
    return "receiving" if event.get("sourceList") else None


def _step(
    event: dict[str, Any], kind: str, uri: str | None, inputs: list[Flow], outputs: list[Flow]
) -> Step | None:
    refs = tuple(refs_of(event))
    if not inputs and not outputs:
        return None
    return Step(kind, uri, tuple(inputs), tuple(outputs), refs)


def refs_of(event: dict[str, Any]) -> list[Ref]:
    """The business transactions, sources and destinations of `event`, in that order."""
    found = []
    for key, role, vocabulary in (
        ("bizTransactionList", "bizTransaction", "bizTransactionType"),
        ("sourceList", "source", "sourceDestinationType"),
        ("destinationList", "destination", "sourceDestinationType"),
    ):
        for position, entry in enumerate(_objects(event, key)):
            where = f"{key}/{position}"
            kind = text(entry, "type", where=where)
            uri = required(entry, role, where=where)
            found.append(Ref(role, bare_word(vocabulary, kind) if kind else "", uri))
    return found


def expiry(event: dict[str, Any]) -> str | None:
    """The expiry the event's ILMD gives: item expiration date, else best-before date."""
    ilmd = event.get("ilmd")
    if not isinstance(ilmd, dict):
        return None
    for key in EXPIRY_KEYS:
        found = text(ilmd, key, where="ilmd")
        if found:
            return found
    return None


def flows_of(
    event: dict[str, Any],
    direction: str,
    lists: tuple[str, ...],
    attrs: LotAttrs = LotAttrs(),
) -> list[Flow]:
    """The objects of `lists` (EPC lists, quantity lists or `parentID`), numbered in order."""
    flows: list[Flow] = []
    entries: list[tuple[LotClass, float | None, str | None]]
    for key in lists:
        if key == "parentID":
            parent = text(event, key)
            entries = [(parse_class(parent), None, None)] if parent else []
        elif key.endswith(("QuantityList", "quantityList")):
            entries = _quantities(event, key)
        else:
            entries = [(parse_class(uri), None, None) for uri in _strings(event, key)]
        role = ROLES[key]
        for lot, quantity, uom in entries:
            lot_attrs = _with_material(attrs, lot)
            flows.append(Flow(direction, len(flows), lot, lot_attrs, quantity, uom, role))
    return flows


def _with_material(attrs: LotAttrs, lot: LotClass) -> LotAttrs:
    """A lotedge URN names its material: it completes attributes that do not."""
    if lot.material is not None and attrs.material is None:
        return LotAttrs(lot.material, attrs.vendor, attrs.product, attrs.expiry)
    return attrs


def _strings(event: dict[str, Any], key: str) -> list[str]:
    values = event.get(key, [])
    if not isinstance(values, list):
        raise Bad(f"{key}: expected a list")
    for position, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise Bad(f"{key}/{position}: expected an identifier (a non-empty string)")
        text({key: value}, key, where="")  # no NUL, no lone surrogate
    return values


def _objects(event: dict[str, Any], key: str) -> list[dict[str, Any]]:
    values = event.get(key, [])
    if not isinstance(values, list):
        raise Bad(f"{key}: expected a list")
    for position, value in enumerate(values):
        if not isinstance(value, dict):
            raise Bad(f"{key}/{position}: expected an object")
    return values


def _quantities(event: dict[str, Any], key: str) -> list[tuple[LotClass, float | None, str | None]]:
    found = []
    for position, entry in enumerate(_objects(event, key)):
        where = f"{key}/{position}"
        lot = parse_class(required(entry, "epcClass", where=where))
        quantity = entry.get("quantity")
        if quantity is not None and (
            isinstance(quantity, bool)
            or not isinstance(quantity, int | float)
            or not math.isfinite(quantity)
        ):
            raise Bad(f"{where}/quantity: expected a number, got {quantity!r}"[:200])
        found.append((lot, quantity, text(entry, "uom", where=where)))
    return found
