"""Does an event come from where it says? An agent publishes on `{prefix}/{site}/{line}/events`
(and `rejections`) and names its site and line in the event (`lotedge:site`, `lotedge:line`).
A topic that disagrees with the body is another client publishing in a line's name, or a line
claiming another: the event is dead-lettered with both, and no line is registered from it.

Events without `lotedge:site`/`lotedge:line` (other EPCIS producers) are not ours to check;
neither are sources that are not an agent's topic (files, the capture interface)."""

from __future__ import annotations

from lotedge.store.events import ParsedEvent, RejectCode, Rejection
from lotedge.store.rejected_scans import RejectedScan
from lotedge.store.storable import first_unstorable
from lotedge.wire import topics

_CHECKED = (topics.EVENTS, topics.REJECTIONS)


def checked(
    source: str, item: ParsedEvent | RejectedScan | Rejection
) -> ParsedEvent | RejectedScan | Rejection:
    """`item`, or a Rejection when its body names another site or line than its topic (or a
    rejected scan holds text no database keeps)."""
    if isinstance(item, Rejection):
        return item
    if isinstance(item, RejectedScan):
        problem = first_unstorable(item)
        if problem is not None:
            return Rejection(RejectCode.UNSTORABLE, f"{problem}; no database keeps it")
    where = topics.line_of_topic(source) if source.rpartition("/")[2] in _CHECKED else None
    if where is None or (item.site is None and item.line is None):
        return item
    _prefix, site, line = where
    if (item.site, item.line) != (site, line):
        return Rejection(
            RejectCode.WRONG_LINE,
            f"published on {source} (site {site}, line {line}) but the event says site "
            f"{item.site}, line {item.line}",
        )
    return item
