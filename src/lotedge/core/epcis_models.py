"""Models of exactly what lotedge emits, checked when an event is built (before it is queued).

Stricter than the EPCIS schema where we can be (our own URI forms, required fields), so that an
event that passes here also passes GS1's schema; tests check that against the official file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lotedge.wire import keys

_BATCH = r"^(urn:uuid:[0-9a-f-]{36}|urn:lotedge:batch:\S+)$"
"""A batch's transformationID: the UUID URN of the engine's batch id (or lotedge's URN)."""
_URI = r"^(urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+|https://\S+)$"
Uri = Annotated[str, Field(pattern=_URI)]
EventId = Annotated[
    str, Field(pattern=r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
Offset = Annotated[str, Field(pattern=r"^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$")]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class QuantityElement(_Strict):
    epcClass: Uri
    quantity: float | None = None
    uom: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,3}$")


class Location(_Strict):
    id: Uri


class Ilmd(_Strict):
    lot_number: str = Field(alias=keys.LOT_NUMBER, min_length=1, max_length=20)
    expiry: IsoDate = Field(alias=keys.EXPIRY)
    produced: IsoDate = Field(alias=keys.PRODUCTION_DATE)


class _Event(_Strict):
    """What every EPCIS event of ours has: context, identity, time, where, and our site/line."""

    context: list[Any] = Field(alias="@context", min_length=2, max_length=2)
    eventID: EventId
    eventTime: AwareDatetime
    eventTimeZoneOffset: Offset
    readPoint: Location
    bizLocation: Location
    site: str = Field(alias=keys.SITE)
    line: str = Field(alias=keys.LINE)


class TransformationEvent(_Event):
    """A consumption (one input) or a batch end (one output), tied by transformationID."""

    type: Literal["TransformationEvent"]
    transformationID: Annotated[str, Field(pattern=_BATCH)]
    bizStep: Literal["commissioning"]
    inputQuantityList: list[QuantityElement] = Field(default_factory=list, max_length=1)
    outputQuantityList: list[QuantityElement] = Field(default_factory=list, max_length=1)
    ilmd: Ilmd | None = None
    material: str | None = Field(default=None, alias=keys.MATERIAL)
    vendor: str | None = Field(default=None, alias=keys.VENDOR, min_length=1)
    product: str | None = Field(default=None, alias=keys.PRODUCT)

    @model_validator(mode="after")
    def _one_side(self) -> TransformationEvent:
        if bool(self.inputQuantityList) == bool(self.outputQuantityList):
            raise ValueError("an event has either one input (consumption) or one output (end)")
        if self.outputQuantityList and (self.ilmd is None or self.product is None):
            raise ValueError("an output event needs ilmd and lotedge:product")
        if self.inputQuantityList and self.material is None:
            raise ValueError("a consumption event needs lotedge:material")
        return self


class BizTransaction(_Strict):
    type: Literal["po", "desadv"]
    bizTransaction: Uri


class Source(_Strict):
    type: Literal["owning_party"]
    source: Uri


class ReceivingIlmd(_Strict):
    """The label's expiry date (AI 17) or, failing that, its best-before date (AI 15)."""

    expiry: IsoDate | None = Field(default=None, alias=keys.EXPIRY)
    best_before: IsoDate | None = Field(default=None, alias=keys.BEST_BEFORE)

    @model_validator(mode="after")
    def _one_date(self) -> ReceivingIlmd:
        if (self.expiry is None) == (self.best_before is None):
            raise ValueError("ilmd carries one date: itemExpirationDate or bestBeforeDate")
        return self


class ObjectEvent(_Event):
    """A receipt: one lot (vendor's or ours) and its quantity added at this site."""

    type: Literal["ObjectEvent"]
    action: Literal["ADD"]
    bizStep: Literal["receiving"]
    disposition: Literal["in_progress"]
    quantityList: list[QuantityElement] = Field(min_length=1, max_length=1)
    bizTransactionList: list[BizTransaction] = Field(min_length=1, max_length=1)
    sourceList: list[Source] = Field(default_factory=list, max_length=1)
    ilmd: ReceivingIlmd | None = None
    material: str = Field(alias=keys.MATERIAL, min_length=1)
    vendor: str | None = Field(default=None, alias=keys.VENDOR, min_length=1)
    receipt: str = Field(alias=keys.RECEIPT, min_length=1)
    vendor_lot: str | None = Field(default=None, alias=keys.VENDOR_LOT, min_length=1)
    internal_lot: str | None = Field(default=None, alias=keys.INTERNAL_LOT, min_length=1)
    tlc_source_reference: str | None = Field(
        default=None, alias=keys.TLC_SOURCE_REFERENCE, min_length=1
    )

    @model_validator(mode="after")
    def _one_lot(self) -> ObjectEvent:
        if (self.vendor_lot is None) == (self.internal_lot is None):
            raise ValueError("a receipt carries either lotedge:vendorLot or lotedge:internalLot")
        if self.quantityList[0].quantity is None:
            raise ValueError("a receipt carries its quantity")
        return self


class OpsMessage(_Strict):
    """Batch started / cancelled / label printed, on the `ops` topic."""

    type: Literal["BatchStarted", "BatchCancelled", "LabelPrinted"]
    eventID: EventId
    eventTime: AwareDatetime
    eventTimeZoneOffset: Offset
    transformationID: Annotated[str, Field(pattern=_BATCH)]
    site: str
    line: str
    batchID: str
    product: str
    details: dict[str, Any]
