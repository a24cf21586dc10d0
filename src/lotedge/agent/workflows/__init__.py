"""The agent's workflows: one module of handlers each, and the table the engine dispatches by.

A handler takes the unit of work and its request and returns a `Reply` (or a `Done` /
`Refusal`, see `lotedge.agent.replies`). A new workflow is a module with its `HANDLERS` and its
name in the `_table(...)` call below (docs/architecture.md, "Adding a workflow").
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from lotedge.agent.replies import Result
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import (
    alerts,
    batches,
    dispatch,
    holds,
    labels,
    printing,
    receiving,
    remote,
    scans,
    shipping,
    status,
    stock,
    weighing,
)

Handler = Callable[[UnitOfWork, Any], Result]


def _table(*workflows: ModuleType) -> dict[type, Handler]:
    """Request type -> handler, from each workflow's `HANDLERS`; a type handled twice is a
    mistake caught at import."""
    table: dict[type, Handler] = {}
    for workflow in workflows:
        for kind, handler in workflow.HANDLERS.items():
            if kind in table:
                raise ValueError(f"{kind.__name__} is handled by two workflows")
            table[kind] = handler
    return table


#: Request type -> its handler.
HANDLERS = _table(
    scans,
    batches,
    holds,
    receiving,
    shipping,
    dispatch,
    labels,
    printing,
    alerts,
    status,
    stock,
    weighing,
    remote,
)
