"""Our product lots in stock, pushed by the trace store (`stock.lots`), for the shipping dock's
FEFO and expiry checks and the station's short-dated list (docs/shipping.md, "FEFO at the dock").
"""

from __future__ import annotations

from lotedge.agent.replies import list_reply
from lotedge.agent.requests import Reply, StockList, StockLots
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.core.batch import Refusal
from lotedge.core.lot_lists import list_answer
from lotedge.core.reasons import Reason
from lotedge.masterdata.suggestions import unknown
from lotedge.state import stock


def _unknown_product(uow: UnitOfWork, code: str, consequence: str) -> Refusal:
    known = [p.code for p in uow.config.products]
    return Refusal(Reason.UNKNOWN_PRODUCT, unknown("product", code, known, consequence))


def record_lots(uow: UnitOfWork, request: StockLots) -> Reply:
    """The store's lots in stock of a product, or a page of its list."""
    return list_reply(_record(uow, request), request.page)


def _record(uow: UnitOfWork, request: StockLots) -> Reply | Refusal:
    if uow.config.shipping is None:  # no dock here: nothing would read it
        message = "Shipping is not configured (no [shipping] section): no lot was recorded."
        return Refusal(Reason.SHIPPING_OFF, message)
    if uow.config.product(request.product) is None:  # no case of it can be scanned here
        return _unknown_product(uow, request.product, "no lot was recorded")
    with uow.transaction():
        recorded = stock.record(
            uow.conn,
            request.product,
            list(request.lots),
            replace=request.replace,
            page=request.page,
            now=uow.now(),
        )
        total = stock.count(uow.conn, request.product)
    answer = list_answer(recorded, request.page, request.product, "lot", " in stock")
    return Reply(True, {**answer, "product": request.product, "lots": total})


def list_lots(uow: UnitOfWork, request: StockList) -> Reply | Refusal:
    if request.product is not None and uow.config.product(request.product) is None:
        return _unknown_product(uow, request.product, "it has no lots")
    lots = stock.lots(uow.conn, request.product)
    return Reply(True, {"lots": [lot.as_dict() for lot in lots]})


def status_fields(uow: UnitOfWork) -> dict[str, object]:
    """The short-dated lots a shipping station shows: in stock and expiring within
    `[shipping] short_dated_days` (expired ones too), oldest first."""
    shipping = uow.config.shipping
    if shipping is None:
        return {}
    return {"short_dated": stock.short_dated(uow.conn, uow.now().date(), shipping.short_dated_days)}


HANDLERS = {StockLots: record_lots, StockList: list_lots}
