"""The formats the store's answers come in (light: the command line lists them in its help)."""

from __future__ import annotations

REPORT_FORMATS = ("csv", "json")
RECALL_FORMATS = (*REPORT_FORMATS, "fsma204")
"""`fsma204`: FDA's sortable spreadsheet (XLSX; docs/recall.md)."""
GRAPH_FORMATS = ("dot", "svg")
STOCK_FORMATS = ("text", "csv", "json")
