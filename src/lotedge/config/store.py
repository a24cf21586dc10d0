"""Trace store section (owned by the trace-store work; see docs/architecture.md)."""

from __future__ import annotations

from pydantic import Field

from lotedge.config.base import Section


class StoreConfig(Section):
    """The central trace store: where events are persisted and queried."""

    database_url: str = Field(
        default="sqlite:///trace.db",
        description="sqlite:///path (relative to the config file) or postgresql://...",
    )
