"""Reason codes: why a scan was decided as it was, or why a request was refused."""

from __future__ import annotations

from enum import StrEnum


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
    FEFO = "fefo"
    RECEIVED = "received"
    NO_REFERENCE = "no_reference"
    NO_QUANTITY = "no_quantity"
    REFERENCE_SET = "reference_set"
    MODE_SET = "mode_set"
    WRONG_MODE = "wrong_mode"
    INTERNAL_LOT = "internal_lot"
    MISSING_KDE = "missing_kde"
    # Scanner separator artefacts and labels that are not a container's (issue 17).
    MISSING_SEPARATOR = "missing_separator"
    SEPARATOR_TOKEN = "separator_token"
    PALLET_LABEL = "pallet_label"
    # Errors of a request rather than decisions on a scan (control socket, MQTT commands).
    NOT_FOUND = "not_found"
    UNKNOWN_VENDOR = "unknown_vendor"
    NO_PRINTER = "no_printer"
    BAD_REQUEST = "bad_request"
    BAD_JSON = "bad_json"
    INTERNAL = "internal"
