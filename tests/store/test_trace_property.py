"""Property: on any genealogy (diamonds, cycles, self-loops) a trace is exactly the BFS closure."""

from __future__ import annotations

import itertools
from collections import deque
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotedge.store.ingest import Ingestor, Message
from lotedge.store.query import TraceQueries
from lotedge.wire.gs1 import join_gtin
from lotedge.wire.identifiers import gtin_lot_class

from .agent_events import consumption, event_id, output, payload

WHEN = datetime(2026, 11, 25, tzinfo=UTC)
LOTS = 7
EXPIRY = date(2026, 12, 31)
_runs = itertools.count()

batches_strategy = st.lists(
    st.tuples(
        st.sets(st.integers(0, LOTS - 1), min_size=1, max_size=3),
        st.sets(st.integers(0, LOTS - 1), max_size=2),
    ),
    min_size=1,
    max_size=8,
)


def expected(batches: list[tuple[set[int], set[int]]], root: int, forward: bool) -> dict[int, int]:
    """Breadth-first distances in the lot graph, the model the store must agree with."""
    depth, queue = {root: 0}, deque([root])
    while queue:
        lot = queue.popleft()
        for inputs, outputs in batches:
            start, other = (inputs, outputs) if forward else (outputs, inputs)
            if lot in start:
                for nxt in other:
                    if nxt not in depth:
                        depth[nxt] = depth[lot] + 1
                        queue.append(nxt)
    return depth


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches_strategy, root=st.integers(0, LOTS - 1))
def test_trace_equals_breadth_first_closure(db, batches, root):
    run = next(_runs)  # one database for all examples: each example has its own GTIN
    gtin = join_gtin("0614141", f"{run:06d}")
    assert gtin is not None

    def cls(lot: int) -> str:
        return gtin_lot_class(gtin, f"L{lot}")

    messages = []
    for b, (inputs, outputs) in enumerate(batches):
        common = {"line": "L1", "batch": f"R{run}B{b}", "when": WHEN}
        events = [
            consumption(cls(lot), 1.0, material="M", eid=event_id(run, b, "in", lot), **common)
            for lot in inputs
        ]
        events += [
            output(
                cls(lot),
                1.0,
                product="P",
                expiry=EXPIRY,
                eid=event_id(run, b, "out", lot),
                **common,
            )
            for lot in outputs
        ]
        messages += [Message(payload(event)) for event in events]
    Ingestor(db).ingest(messages)
    queries = TraceQueries(db)
    matches = queries.find_lots(cls(root))
    if not matches:  # the root lot appears in no batch
        return
    for direction in ("forward", "backward"):
        trace = queries.trace(matches[0], direction)
        got = {int(trace.lots[i].lot[1:]): d for i, d in trace.depth.items()}
        assert got == expected(batches, root, direction == "forward"), direction
