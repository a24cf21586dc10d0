"""The test oracle of the event hash: `epcis-event-hash-generator` (PyPI), by the algorithm's
authors, run on one event in a document of its own.

Two things of the oracle are steadied here, not changed: its module-level table of namespaces
is emptied before each call (it otherwise keeps prefixes from the documents it saw before, so a
hash would depend on the order of calls), and only the prefix entries of a context (strings)
are given to it (it fails on a JSON-LD term definition such as `{"@type": "@id"}`). An event
that carries its own `@context` (a bare event) is given as it would stand in a document: the
context on the document, not on the event (the oracle would hash it as a field).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.hash_generator import (
    calculate_hashes_from_pre_hashes,
    derive_prehashes_from_events,
)


class OracleFailed(Exception):
    """The oracle could not hash the event (its own error, given as the reason)."""


def oracle_hash(event: dict[str, Any], context: Any) -> str:
    """The oracle's hash of `event` under the document context `context`."""
    json_to_py._namespaces.clear()
    event = {k: v for k, v in event.items() if k != "@context"}
    if isinstance(context, list):
        context = [
            c if not isinstance(c, dict) else {k: v for k, v in c.items() if isinstance(v, str)}
            for c in context
        ]
    document = {"@context": context, "type": "EPCISDocument", "epcisBody": {"eventList": [event]}}
    logging.disable(logging.CRITICAL)  # it logs (and swallows) its failures
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # its importlib.resources call
            events = json_to_py.event_list_from_epcis_document_json(document)
            pre = derive_prehashes_from_events(events)
    except Exception as exc:
        raise OracleFailed(repr(exc)) from exc
    finally:
        logging.disable(logging.NOTSET)
    if not pre:
        raise OracleFailed("no pre-hash string (it logged an error)")
    return calculate_hashes_from_pre_hashes(pre)[0]
