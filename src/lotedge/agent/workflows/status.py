"""The status reply: the line's state, and the sections the adapters registered."""

from __future__ import annotations

from lotedge.agent.requests import Reply, Status
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import receiving, shipping, stock
from lotedge.agent.workflows.batches import batch_dict
from lotedge.agent.workflows.holds import hold_dicts
from lotedge.state import alerts, repo
from lotedge.state import holds as hold_list


def status(uow: UnitOfWork, request: Status) -> Reply:
    conn = uow.conn
    open_batch = repo.open_batch(conn)
    return Reply(
        True,
        {
            "site": uow.config.identity.site,
            "line": uow.config.identity.line,
            "batch": batch_dict(open_batch) if open_batch else None,
            "consumed": repo.consumed_summary(conn, open_batch.id) if open_batch else [],
            **(
                {"consumptions": repo.consumptions(conn, open_batch.id) if open_batch else []}
                if request.consumptions
                else {}
            ),
            "outbox_depth": repo.count(conn, "outbox"),
            "print_queue": repo.count(conn, "print_jobs", "status = 'queued'"),
            "holds": hold_dicts(hold_list.active(conn)),
            "alerts": alerts.open_alerts(conn),
            **receiving.status_fields(uow),
            **shipping.status_fields(uow),
            **stock.status_fields(uow),
            **{name: provide() for name, provide in uow.adapter_status.items()},
        },
    )


HANDLERS = {Status: status}
