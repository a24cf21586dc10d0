"""Answers shared by the CLI and the HTTP API: a lot's trace, recall report or picture, rendered."""

from __future__ import annotations

import json
from dataclasses import dataclass

from lotedge.store import graph, recall
from lotedge.store.query import Direction, LotInfo, TraceQueries

RECALL_FORMATS = ("csv", "json")
GRAPH_FORMATS = ("dot", "svg")


@dataclass(frozen=True)
class Answer:
    """A rendered answer: its media type and text."""

    content_type: str
    text: str


def trace_answer(queries: TraceQueries, lot: LotInfo, direction: Direction) -> Answer:
    """The forward or backward trace of a lot as JSON."""
    return Answer("application/json", _json(queries.trace(lot, direction).to_json()))


def recall_answer(queries: TraceQueries, lot: LotInfo, fmt: str) -> Answer:
    """The recall report of a lot as `csv` or `json`."""
    rows = recall.recall_rows(queries.trace(lot, "forward"))
    if fmt == "csv":
        return Answer("text/csv; charset=utf-8", recall.to_csv(rows))
    return Answer("application/json", _json({"lot": lot.to_json(), "rows": rows}))


def graph_answer(queries: TraceQueries, lot: LotInfo, fmt: str) -> Answer:
    """The genealogy of a lot (both directions) as `dot` or `svg`."""
    picture = graph.genealogy(queries.trace(lot, "forward"), queries.trace(lot, "backward"))
    if fmt == "svg":
        return Answer("image/svg+xml", graph.to_svg(picture))
    return Answer("text/vnd.graphviz; charset=utf-8", graph.to_dot(picture))


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"
