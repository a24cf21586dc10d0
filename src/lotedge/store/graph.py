"""The genealogy of a lot as a picture: Graphviz DOT, or SVG drawn here without Graphviz.

Lots (and pallets, by their SSCC) are boxes, batches and other steps rounded boxes, customers
ellipses; arrows run from inputs through batches to outputs, and from a shipment to its
customer. Columns are steps from the lot asked about: its inputs to the left, where it went to
the right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lotedge.store.customers import ShipTo
from lotedge.store.query import Batch, FlowTotal, LotInfo, Trace
from lotedge.store.shipments import Shipment
from lotedge.wire.epc import parse_epc


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    """`lot`, `batch` or `customer`."""
    label: tuple[str, ...]
    layer: int
    root: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Genealogy:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def genealogy(forward: Trace, backward: Trace, shipped: list[Shipment] | None = None) -> Genealogy:
    """Both traces of one lot merged into one graph, with the customers of the forward trace's
    `shipped` shipments (`shipments.shipments`) right of their shipping steps; a shipping step
    with no shipment left (voided, or its pallet unpacked before) says so.

    Each node goes in the column closest to the root (forward on a tie), so with rework a lot
    that is both upstream and downstream appears once, and the cycle shows as an edge back.
    """
    layers: dict[str, int] = {}

    def place(node: str, layer: int) -> None:
        if node not in layers or abs(layer) < abs(layers[node]):
            layers[node] = layer

    for trace, sign in ((forward, 1), (backward, -1)):
        for lot, depth in trace.depth.items():
            place(_lot_id(lot), sign * 2 * depth)
        for batch_key, depth in trace.batch_depth.items():
            place(_batch_id(batch_key), sign * (2 * depth + 1))
    lots = {**backward.lots, **forward.lots}
    batches = {**backward.batches, **forward.batches}
    edges: dict[tuple[str, str], str] = {}
    for batch in batches.values():
        bid = _batch_id(batch.id)
        for flow in batch.inputs:
            edges[(_lot_id(flow.lot), bid)] = _amount(flow)
            layers.setdefault(_lot_id(flow.lot), layers[bid] - 1)
        for flow in batch.outputs:
            edges[(bid, _lot_id(flow.lot))] = _amount(flow)
            layers.setdefault(_lot_id(flow.lot), layers[bid] + 1)
    customers = _customers(shipped or [], layers, edges)
    shipping = {shipment.step.id for shipment in shipped or []}
    nodes = [
        Node(_lot_id(i), "lot", _lot_label(lot), layers[_lot_id(i)], i == forward.root.id)
        for i, lot in lots.items()
    ] + [
        Node(_batch_id(i), "batch", _batch_label(b, i in shipping), layers[_batch_id(i)])
        for i, b in batches.items()
    ]
    nodes.extend(customers)
    nodes.sort(key=lambda n: (n.layer, n.label))
    return Genealogy(
        tuple(nodes), tuple(Edge(s, t, label) for (s, t), label in sorted(edges.items()))
    )


def _customers(
    shipped: list[Shipment], layers: dict[str, int], edges: dict[tuple[str, str], str]
) -> list[Node]:
    """A node per customer shipped to, right of its shipping steps, and an edge from each
    shipping step to its customer labelled with the SSCCs shipped."""
    nodes: dict[str, Node] = {}
    ssccs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for shipment in shipped:
        who, step = shipment.customer, _batch_id(shipment.step.id)
        key = (who.code or who.gln or "") if who else ""
        known = nodes.get(key)
        node_id = known.id if known else f"customer{len(nodes)}"
        layer = max(known.layer if known else layers[step] + 1, layers[step] + 1)
        nodes[key] = Node(node_id, "customer", _customer_label(who), layer)
        ssccs[(step, node_id)].append(shipment.sscc or "")
    for (step, customer), units in ssccs.items():
        edges[(step, customer)] = ", ".join(f"SSCC {x}" for x in dict.fromkeys(units) if x)
    return list(nodes.values())


def _customer_label(who: ShipTo | None) -> tuple[str, ...]:
    if who is None:
        return ("customer", "(not named)")
    first = f"customer {who.code}" if who.code else "customer"
    name = who.name or "(not in the master data)"
    return tuple(x for x in (first, name, f"GLN {who.gln}" if who.gln else "") if x)


def _lot_id(lot: int) -> str:
    return f"lot{lot}"


def _batch_id(batch: int) -> str:
    return f"batch{batch}"


def _amount(flow: FlowTotal) -> str:
    return "" if flow.quantity is None else f"{flow.quantity:g} {flow.uom or ''}".rstrip()


def _lot_label(lot: LotInfo) -> tuple[str, ...]:
    epc = parse_epc(lot.epc_class) if lot.scheme == "sscc" else None
    if epc is not None:
        return ("pallet", f"SSCC {epc.key}")
    first = f"lot {lot.lot}" if lot.lot is not None else lot.epc_class
    what = " · ".join(x for x in (lot.product or lot.material, lot.vendor) if x)
    return tuple(x for x in (first, f"GTIN {lot.gtin}" if lot.gtin else "", what) if x)


def _batch_label(batch: Batch, shipped: bool = True) -> tuple[str, ...]:
    """A batch by its ID's last part; another step by its kind and where it went or came from
    (a shipment's customer is a node of its own); a shipping step that shipped none of the
    affected lots (`shipped` False) says so."""
    when = batch.last_event[:16].replace("T", " ")
    if batch.kind == "transformation":
        where = " ".join(x for x in (batch.site, batch.line) if x)
        return (f"batch {batch.uri.rsplit(':', 1)[-1]}", where, when)
    parties = [f"{'to' if role == 'destination' else 'from'} {uri}" for role, _, uri in batch.refs
               if role in ("destination", "source")]  # fmt: skip
    if batch.kind == "shipping":  # where it went: the customer beside it
        return ("shipping", when) if shipped else ("shipping: void or unpacked", *parties[:1], when)
    return (batch.kind, *parties[:2], when)


def to_dot(graph: Genealogy) -> str:
    """Graphviz source; render with `dot -Tsvg` where Graphviz is installed."""
    lines = ["digraph genealogy {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for node in graph.nodes:
        shape = {"lot": "box", "customer": "ellipse"}.get(node.kind, "box, style=rounded")
        fill = ", style=filled, fillcolor=gold" if node.root else ""
        lines.append(f"  {node.id} [shape={shape}{fill}, label={_dot_str(node.label)}];")
    for edge in graph.edges:
        label = f" [label={_dot_str((edge.label,))}]" if edge.label else ""
        lines.append(f"  {edge.source} -> {edge.target}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_str(lines: tuple[str, ...]) -> str:
    parts = (line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return '"' + "\\n".join(parts) + '"'


_W, _H, _GAP_X, _GAP_Y, _PAD = 190, 52, 60, 18, 20


def to_svg(graph: Genealogy) -> str:
    """A layered drawing: one column per step, nodes stacked in each column.

    Each edge leaves its source and enters its target at its own height, so labels (written at
    the source end) do not overlap; edges back to an earlier column (rework) run below it all.
    """
    columns: dict[int, list[Node]] = defaultdict(list)
    for node in graph.nodes:
        columns[node.layer].append(node)
    first = min(columns, default=0)
    place: dict[str, tuple[int, int]] = {}
    for layer, members in columns.items():
        for row, node in enumerate(members):
            place[node.id] = (
                _PAD + (layer - first) * (_W + _GAP_X),
                _PAD + row * (_H + _GAP_Y),
            )
    span = max(columns, default=0) - first + 1
    width = _PAD * 2 + span * (_W + _GAP_X)  # room right of the last column for labels
    bottom = _PAD + max((len(m) for m in columns.values()), default=0) * (_H + _GAP_Y)
    height = bottom + _PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    exits, entries = _ports(graph.edges, place, "source"), _ports(graph.edges, place, "target")
    for edge in graph.edges:
        start = (place[edge.source][0] + _W, exits[edge])
        end = (place[edge.target][0], entries[edge])
        out.append(_svg_edge(start, end, edge.label, bottom))
    for node in graph.nodes:
        out.append(_svg_node(node, *place[node.id]))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ports(edges: tuple[Edge, ...], place: dict[str, tuple[int, int]], end: str) -> dict[Edge, int]:
    """The height at which each edge meets the node at its `end`, spread along the node side."""
    by_node: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        by_node[getattr(edge, end)].append(edge)
    other = "target" if end == "source" else "source"
    ports = {}
    for node, group in by_node.items():
        group.sort(key=lambda e: place[getattr(e, other)][1])
        for k, edge in enumerate(group):
            ports[edge] = place[node][1] + _H * (k + 1) // (len(group) + 1)
    return ports


def _svg_edge(start: tuple[int, int], end: tuple[int, int], label: str, bottom: int) -> str:
    (x1, y1), (x2, y2) = start, end
    if x2 <= x1:  # back edge of a rework cycle: below every node
        y = bottom - _GAP_Y // 2
        path = f"M{x1},{y1} C{x1 + _GAP_X},{y} {x2 - _GAP_X},{y} {x2},{y2}"
    else:
        mid = (x1 + x2) // 2
        path = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
    text = f'<text x="{x1 + 4}" y="{y1 - 3}" fill="#555">{escape(label)}</text>' if label else ""
    return f'<path d="{path}" fill="none" stroke="#555" marker-end="url(#arrow)"/>{text}'


def _svg_node(node: Node, x: int, y: int) -> str:
    colours = {"lot": "#e3f2fd", "customer": "#fce4ec"}
    fill = "#ffd54f" if node.root else colours.get(node.kind, "#f1f8e9")
    radius = {"lot": 3, "customer": _H // 2}.get(node.kind, 14)
    text = "".join(
        f'<tspan x="{x + 8}" dy="{13 if i else 15}" font-weight="{"bold" if i == 0 else "normal"}">'
        f"{escape(line[:32])}</tspan>"
        for i, line in enumerate(node.label)
    )
    return (
        f'<g id={quoteattr(node.id)}><rect x="{x}" y="{y}" width="{_W}" height="{_H}" '
        f'rx="{radius}" fill="{fill}" stroke="#333"/><text x="{x + 8}" y="{y}">{text}</text></g>'
    )
