"""The formats the store's answers come in (light: the command line lists them in its help)."""

from __future__ import annotations

RECALL_FORMATS = ("csv", "json")
REPORT_FORMATS = RECALL_FORMATS
GRAPH_FORMATS = ("dot", "svg")
STOCK_FORMATS = ("text", "csv", "json")
