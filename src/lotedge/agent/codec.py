"""Requests as JSON: the one command table, shared by the control socket (`op`) and MQTT
commands (`cmd/request/<op>`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lotedge.agent.requests import (
    AlertAck,
    CancelBatch,
    EndBatch,
    HoldAdd,
    HoldList,
    HoldRemove,
    LotsClose,
    LotsList,
    LotsOpen,
    PalletClose,
    PalletOpen,
    PalletRepeat,
    PalletUnpack,
    ReceiveUnlabelled,
    Reprint,
    Request,
    ScaleAction,
    ScanRequest,
    SetMode,
    SetReference,
    Ship,
    ShipTo,
    ShipVoid,
    SkipWeighing,
    StartBatch,
    Status,
    StockList,
    StockLots,
)
from lotedge.config.remote import REMOTE_OPERATIONS
from lotedge.core.holds import SCOPE_FIELDS, SOURCES, HoldScope, ScopeError, parse_scope
from lotedge.core.limits import TextTooLong, check_text
from lotedge.core.lot_lists import MAX_LIST_PAGES, ListPage
from lotedge.core.quantities import QuantityError, parse_number
from lotedge.core.reasons import Reason
from lotedge.core.scan import RawScan
from lotedge.masterdata.suggestions import unknown
from lotedge.state.receiving import MODES

#: Labels one reprint may ask for.
MAX_COPIES = 100


class BadRequest(ValueError):
    """A request that cannot be understood; the message says what was expected.

    `code` is machine-readable: `unknown_command`, `bad_request` or `bad_json`."""

    def __init__(self, message: str, code: Reason = Reason.BAD_REQUEST) -> None:
        super().__init__(message)
        self.code = code


def _text(args: dict[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise BadRequest(f"'{key}' must be a non-empty string")
    try:
        return check_text(key, value)
    except TextTooLong as exc:
        raise BadRequest(str(exc)) from None


def _decimal(args: dict[str, Any], key: str, required: bool) -> Decimal | None:
    value = args.get(key)
    if value is None:
        if required:
            raise BadRequest(f"'{key}' is required")
        return None
    try:
        return parse_number(value, f"'{key}'")  # the workflow checks sign, unit and maximum
    except QuantityError as exc:
        raise BadRequest(str(exc)) from None


def _optional_text(args: dict[str, Any], key: str) -> str | None:
    return None if args.get(key) is None else _text(args, key)


def _scope(args: dict[str, Any]) -> HoldScope:
    try:
        return parse_scope(**{name: _optional_text(args, name) for name in SCOPE_FIELDS})
    except ScopeError as exc:
        raise BadRequest(str(exc)) from None


def _hold_add(args: dict[str, Any], source: str) -> Request:
    return HoldAdd(_scope(args), _text(args, "reason"), _optional_text(args, "hold_id"), source)


def _hold_remove(args: dict[str, Any], source: str) -> Request:
    hold_id = _optional_text(args, "hold_id")
    if hold_id is not None and not any(args.get(name) is not None for name in SCOPE_FIELDS):
        return HoldRemove(hold_id=hold_id, source=source)
    return HoldRemove(_scope(args), hold_id, source)


def _date(value: Any, key: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadRequest(f"'{key}' must be a date YYYY-MM-DD, got {value!r}")


def _choice(args: dict[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = args.get(key, default)
    if value not in choices:
        raise BadRequest(f"'{key}' must be one of {', '.join(choices)}, got {value!r}")
    return value


def _lot_items(args: dict[str, Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The `lots` list of a push: objects with `keys` only."""
    lots = args.get("lots")
    if not isinstance(lots, list) or not all(isinstance(lot, dict) for lot in lots):
        raise BadRequest(f"'lots' must be a list of {{{', '.join(keys)}}} objects")
    for item in lots:
        unknown = sorted(set(item) - set(keys))
        if unknown:
            expected = ", ".join(keys)
            raise BadRequest(f"lots: unknown key(s) {', '.join(unknown)}; expected: {expected}")
    return lots


def _replace(args: dict[str, Any]) -> bool:
    replace = args.get("replace", False)
    if not isinstance(replace, bool):
        raise BadRequest(f"'replace' must be true or false, got {replace!r}")
    return replace


#: The arguments naming a page of a pushed lot list.
PAGE_FIELDS = ("list", "page", "pages")


def _list_page(args: dict[str, Any]) -> ListPage | None:
    """The page of a paged list (`list`, `page` and `pages` together), or None without them."""
    given = [key for key in PAGE_FIELDS if key in args]
    if not given:
        return None
    if len(given) < len(PAGE_FIELDS):
        missing = ", ".join(f"'{key}'" for key in PAGE_FIELDS if key not in given)
        raise BadRequest(f"'list', 'page' and 'pages' go together; missing {missing}")
    if "replace" in args:
        raise BadRequest(
            "'replace' does not go with 'list': a paged list replaces the earlier lots once "
            "all its pages are in"
        )
    pages = _whole(args, "pages", most=MAX_LIST_PAGES)
    return ListPage(_text(args, "list"), _whole(args, "page", most=pages), pages)


def _open_lots(args: dict[str, Any]) -> Request:
    parsed = tuple(
        (_text(item, "lot"), _date(item.get("expiry"), "expiry"))
        for item in _lot_items(args, ("lot", "expiry"))
    )
    return LotsOpen(_text(args, "material"), parsed, _replace(args), _list_page(args))


def _stock_lots(args: dict[str, Any]) -> Request:
    parsed = []
    for item in _lot_items(args, ("lot", "expiry", "on_hand", "loose")):
        lot = _text(item, "lot")
        on_hand = _decimal(item, "on_hand", True)
        assert on_hand is not None  # required
        if on_hand < 0:
            raise BadRequest(f"lots: 'on_hand' must not be negative, got {on_hand}")
        loose = _decimal(item, "loose", False)
        loose = on_hand if loose is None else loose
        if not 0 <= loose <= on_hand:
            raise BadRequest(f"lots: {lot} needs 0 <= loose <= on_hand, got {loose}, {on_hand}")
        parsed.append((lot, _date(item.get("expiry"), "expiry"), on_hand, loose))
    return StockLots(_text(args, "product"), tuple(parsed), _replace(args), _list_page(args))


def _unlabelled(args: dict[str, Any]) -> Request:
    quantity = _decimal(args, "quantity", True)
    assert quantity is not None
    return ReceiveUnlabelled(_text(args, "material"), quantity, _date(args.get("expiry"), "expiry"))


def _ship(args: dict[str, Any]) -> Request:
    ssccs = args.get("ssccs")
    if not isinstance(ssccs, list) or not ssccs or not all(isinstance(s, str) for s in ssccs):
        raise BadRequest("'ssccs' must be a non-empty list of SSCCs")
    refs = {key: _optional_text(args, key) for key in ("po", "desadv", "bol")}
    return Ship(tuple(ssccs), _text(args, "customer"), **refs)


def _scan(args: dict[str, Any]) -> Request:
    data = _text(args, "data")
    source = _text(args, "source", "cli")
    return ScanRequest(RawScan(data.encode(), source), dry_run=bool(args.get("dry_run", False)))


def _status(args: dict[str, Any]) -> Request:
    consumptions = args.get("consumptions", False)
    if not isinstance(consumptions, bool):
        raise BadRequest("'consumptions' must be true or false")
    return Status(consumptions)


def _whole(
    args: dict[str, Any], key: str, default: int | None = None, most: int = 2**63 - 1
) -> int:
    """A whole number from 1 to `most` (`default` when absent; required when there is none)."""
    value = args.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        shown = repr(value) if len(repr(value)) <= 32 else repr(value)[:30] + "…"
        raise BadRequest(f"'{key}' must be a whole number from 1 to {most}, got {shown}")
    return value


@dataclass(frozen=True)
class CommandSpec:
    """One operation: the argument names it accepts and how it becomes an engine request."""

    fields: tuple[str, ...]
    build: Callable[..., Request]
    #: Also accepted as an MQTT command from the central side. Scans are not: they come from
    #: the line's devices (or the local CLI), never from the network.
    remote: bool = True
    #: `build` also takes the caller's source (`local`, `remote`, `store`): decided by the
    #: agent from the channel (and the store's signature), never taken from the payload.
    by_source: bool = False


COMMANDS: dict[str, CommandSpec] = {
    "scan": CommandSpec(("data", "source", "dry_run"), _scan, remote=False),
    "batch.start": CommandSpec(
        ("product", "planned_qty", "operator"),
        lambda a: StartBatch(
            _text(a, "product"), _decimal(a, "planned_qty", False), _text(a, "operator", "")
        ),
    ),
    "batch.end": CommandSpec(("qty",), lambda a: EndBatch(_decimal(a, "qty", True) or Decimal(0))),
    "batch.cancel": CommandSpec(("reason",), lambda a: CancelBatch(_text(a, "reason", ""))),
    "status": CommandSpec(("consumptions",), _status),
    "hold.add": CommandSpec(("hold_id", *SCOPE_FIELDS, "reason"), _hold_add, by_source=True),
    "hold.remove": CommandSpec(("hold_id", *SCOPE_FIELDS), _hold_remove, by_source=True),
    "hold.list": CommandSpec((), lambda a: HoldList()),
    "label.reprint": CommandSpec(
        ("lot", "copies"), lambda a: Reprint(_text(a, "lot"), _whole(a, "copies", 1, MAX_COPIES))
    ),
    "alert.ack": CommandSpec(
        ("id", "operator"), lambda a: AlertAck(_whole(a, "id"), _text(a, "operator", ""))
    ),
    "mode.set": CommandSpec(("mode",), lambda a: SetMode(_choice(a, "mode", MODES, ""))),
    "receive.ref": CommandSpec(
        ("ref", "type"),
        lambda a: SetReference(_text(a, "ref"), _choice(a, "type", ("po", "desadv"), "po")),
    ),
    # Material in hand at this device: the label prints here, so not from the network.
    "receive.unlabelled": CommandSpec(
        ("material", "quantity", "expiry"), _unlabelled, remote=False
    ),
    "lots.open": CommandSpec(("material", "lots", "replace", *PAGE_FIELDS), _open_lots),
    "lots.close": CommandSpec(
        ("material", "lot"), lambda a: LotsClose(_text(a, "material"), _text(a, "lot"))
    ),
    "lots.list": CommandSpec(("material",), lambda a: LotsList(_text(a, "material", "") or None)),
    "stock.lots": CommandSpec(("product", "lots", "replace", *PAGE_FIELDS), _stock_lots),
    "stock.list": CommandSpec(("product",), lambda a: StockList(_text(a, "product", "") or None)),
    # The dock's pallets are in hand at this device (its labels print here): not remote.
    "pallet.open": CommandSpec(
        ("customer",), lambda a: PalletOpen(_optional_text(a, "customer")), remote=False
    ),
    "pallet.close": CommandSpec((), lambda a: PalletClose(), remote=False),
    "pallet.qty": CommandSpec(("count",), lambda a: PalletRepeat(_whole(a, "count")), remote=False),
    "pallet.unpack": CommandSpec(("sscc",), lambda a: PalletUnpack(_text(a, "sscc")), remote=False),
    "ship.to": CommandSpec(("customer",), lambda a: ShipTo(_text(a, "customer")), remote=False),
    "ship": CommandSpec(("ssccs", "customer", "po", "desadv", "bol"), _ship, remote=False),
    "ship.void": CommandSpec(("sscc",), lambda a: ShipVoid(_text(a, "sscc")), remote=False),
    # The scale and its weighing: for whoever stands at the line, not from the network.
    "weigh.skip": CommandSpec(
        ("reason", "operator"),
        lambda a: SkipWeighing(_text(a, "reason"), _text(a, "operator", "")),
        remote=False,
    ),
    "scale.tare": CommandSpec((), lambda a: ScaleAction("tare"), remote=False),
    "scale.zero": CommandSpec((), lambda a: ScaleAction("zero"), remote=False),
    "scale.reread": CommandSpec((), lambda a: ScaleAction("reread"), remote=False),
}

#: The operations MQTT commands accept (`cmd/request/<op>`); `[remote] allow` picks from them.
REMOTE_COMMANDS = tuple(op for op, command in COMMANDS.items() if command.remote)
assert REMOTE_COMMANDS == REMOTE_OPERATIONS, "config.remote.REMOTE_OPERATIONS is out of date"


def request_from_json(
    op: str, args: dict[str, Any], *, remote: bool = False, source: str | None = None
) -> Request:
    """Build a request from an operation name and its JSON arguments.

    `remote` (MQTT) accepts only the operations marked remote. `source` is who asks, as the
    channel says (default: `remote` for MQTT, `local` otherwise)."""
    source = source or ("remote" if remote else "local")
    assert source in SOURCES, source
    command = COMMANDS.get(op)
    if command is None or (remote and not command.remote):
        known = REMOTE_COMMANDS if remote else sorted(COMMANDS)
        raise BadRequest(unknown("operation", op, known), Reason.UNKNOWN_COMMAND)
    if not isinstance(args, dict):
        raise BadRequest("arguments must be a JSON object")
    extra = sorted(set(args) - set(command.fields))
    if extra:
        expected = ", ".join(command.fields) or "none"
        raise BadRequest(f"{op}: unknown argument(s) {', '.join(extra)}; expected: {expected}")
    try:
        return command.build(args, source) if command.by_source else command.build(args)
    except BadRequest as exc:
        raise BadRequest(f"{op}: {exc}", exc.code) from None
