"""Property: on any genealogy (diamonds, cycles, self-loops) a trace is exactly the BFS closure."""

from __future__ import annotations

import itertools
from collections import deque
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotedge.store import samples
from lotedge.store.ingest import Ingestor, Message
from lotedge.store.query import TraceQueries

WHEN = datetime(2026, 11, 25, tzinfo=UTC)
LOTS = 7
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
    run = next(_runs)  # one database for all examples: each example has its own lots

    def cls(lot: int) -> str:
        return samples.lotedge_class("P", f"R{run}", f"L{lot}")

    messages = [
        Message(
            samples.payload(
                samples.transformation_event(
                    eid=samples.event_id(run, b, side, lot),
                    when=WHEN,
                    batch=f"R{run}B{b}",
                    site="P",
                    line="L1",
                    **{side: [(cls(lot), 1.0)]},
                )
            )
        )
        for b, (inputs, outputs) in enumerate(batches)
        for side, lots in (("inputs", inputs), ("outputs", outputs))
        for lot in lots
    ]
    Ingestor(db).ingest(messages)
    queries = TraceQueries(db)
    matches = queries.find_lots(cls(root))
    if not matches:  # the root lot appears in no batch
        return
    for direction in ("forward", "backward"):
        trace = queries.trace(matches[0], direction)
        got = {int(trace.lots[i].lot[1:]): d for i, d in trace.depth.items()}
        assert got == expected(batches, root, direction == "forward"), direction
