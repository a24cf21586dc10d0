"""One writer: every INSERT, UPDATE and DELETE on the agent's state happens where the ownership
table (`WRITERS`, the same as docs/architecture.md's) says, found statically over src/.

A write is a `lotedge.state` function whose SQL (or a state function it calls) inserts, updates
or deletes a table, called from a module outside `state/`; or write SQL on a state table written
anywhere outside `state/`. Migrations run inside `state/` (`state.db.migrate`) and are not calls
from outside.
"""

from __future__ import annotations

import ast
import re
import sqlite3
from collections.abc import Iterator

from lotedge.state.db import migrate
from tests.conftest import REPO

SRC = REPO / "src" / "lotedge"
STATE = SRC / "state"

_ENGINE = "agent/engine.py"
_UOW = "agent/unit_of_work.py"
_SCANS = "agent/workflows/scans.py"
_COMMANDS = "agent/workflows/commands.py"
_BATCHES = "agent/workflows/batches.py"
_RECEIVING = "agent/workflows/receiving.py"
_CONSUMPTION = "agent/workflows/consumption.py"
_WEIGHING = "agent/workflows/weighing.py"
_SHIPPING = "agent/workflows/shipping.py"
_DISPATCH = "agent/workflows/dispatch.py"
_DOCK = "agent/workflows/dock.py"

#: (table, statement) -> the modules (under src/lotedge) that may run it. Every state table has
#: a row; docs/architecture.md ("Who writes the state") lists the same modules per table.
WRITERS: dict[tuple[str, str], set[str]] = {
    ("batches", "INSERT"): {_BATCHES},
    ("scans", "INSERT"): {_SCANS, _COMMANDS, _RECEIVING, _DOCK},
    ("consumptions", "INSERT"): {_CONSUMPTION},
    ("command_log", "INSERT"): {_ENGINE},
    ("command_log", "DELETE"): {_ENGINE},
    ("lot_sequences", "INSERT"): {_BATCHES, _RECEIVING, _SHIPPING},
    ("issued_ssccs", "INSERT"): {_SHIPPING},
    ("pallets", "INSERT"): {_SHIPPING},
    ("pallets", "UPDATE"): {_SHIPPING, _DISPATCH},
    ("pallet_items", "INSERT"): {_SHIPPING, _DOCK},
    ("shipments", "INSERT"): {_DISPATCH},
    ("issued_lots", "INSERT"): {_BATCHES, _RECEIVING},
    ("lot_holds", "INSERT"): {"agent/workflows/holds.py"},
    ("lot_holds", "DELETE"): {"agent/workflows/holds.py"},
    ("flags", "INSERT"): {_RECEIVING, _DISPATCH},
    ("receipts", "INSERT"): {_RECEIVING},
    ("open_lots", "INSERT"): {_RECEIVING},
    ("open_lots", "UPDATE"): {_RECEIVING, _CONSUMPTION},
    ("product_lots", "INSERT"): {"agent/workflows/stock.py"},
    ("product_lots", "DELETE"): {"agent/workflows/stock.py"},
    ("staged_lots", "INSERT"): {_RECEIVING, "agent/workflows/stock.py"},
    ("staged_lots", "DELETE"): {_RECEIVING, "agent/workflows/stock.py"},
    ("live_lists", "INSERT"): {_RECEIVING, "agent/workflows/stock.py"},
    ("live_lists", "DELETE"): {_RECEIVING, "agent/workflows/stock.py"},
    ("weighings", "INSERT"): {_WEIGHING},
    ("weighings", "UPDATE"): {_WEIGHING},
    ("print_jobs", "INSERT"): {_UOW},
    ("print_jobs", "UPDATE"): {"agent/workflows/printing.py"},
    ("alerts", "INSERT"): {_UOW},
    ("alerts", "UPDATE"): {_UOW},
    ("outbox", "INSERT"): {_UOW},
    # the fair exception: the publisher deletes a row once the broker acknowledged it
    ("outbox", "DELETE"): {"publish/publisher.py"},
}

#: Write SQL as the state modules spell it (upper case); an upsert's `DO UPDATE SET` is part of
#: its INSERT.
_WRITE = re.compile(
    r"\b(?:(INSERT)\s+(?:OR\s+\w+\s+)?INTO|(?<!DO )(UPDATE)|(DELETE)\s+FROM)\s+(\w+)"
)

Write = tuple[str, str]  # (table, statement)


def _strings(node: ast.AST) -> Iterator[str]:
    """Every string literal under `node`, f-strings' literal parts included."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def _state_tables() -> set[str]:
    """The tables of a state database brought up to date."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn)
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows if not name.startswith("sqlite_")}
    finally:
        conn.close()


TABLES = _state_tables()


def _sql_writes(node: ast.AST) -> set[Write]:
    """(table, statement) of the write SQL on state tables in `node`'s string literals."""
    found = set()
    for text in _strings(node):
        for match in _WRITE.finditer(text):
            statement = next(group for group in match.groups()[:3] if group)
            if match.group(4) in TABLES:
                found.add((match.group(4), statement))
    return found


def _state_functions() -> dict[str, dict[str, ast.FunctionDef]]:
    """state module name -> its top-level functions."""
    return {
        path.stem: {
            node.name: node
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.FunctionDef)
        }
        for path in STATE.glob("*.py")
    }


def _state_aliases(tree: ast.Module) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(local module alias -> state module, local function name -> (state module, function))
    from the imports of `tree`."""
    modules: dict[str, str] = {}
    functions: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lotedge.state":
            modules.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lotedge.state."):
            module = node.module.rsplit(".", 1)[1]
            functions.update({a.asname or a.name: (module, a.name) for a in node.names})
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lotedge.state.") and alias.asname:
                    modules[alias.asname] = alias.name.rsplit(".", 1)[1]
    return modules, functions


def _calls(
    node: ast.AST, modules: dict[str, str], functions: dict[str, tuple[str, str]]
) -> set[tuple[str, str]]:
    """The (state module, function) pairs called under `node`."""
    called = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        target = call.func
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.value.id in modules:
                called.add((modules[target.value.id], target.attr))
        elif isinstance(target, ast.Name) and target.id in functions:
            called.add(functions[target.id])
    return called


def state_writes() -> dict[tuple[str, str], set[Write]]:
    """(state module, function) -> what it writes, through the state functions it calls too."""
    functions = _state_functions()
    direct: dict[tuple[str, str], set[Write]] = {}
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for module, defs in functions.items():
        tree = ast.parse((STATE / f"{module}.py").read_text())
        modules, imported = _state_aliases(tree)
        own = {name: (module, name) for name in defs}
        for name, node in defs.items():
            direct[module, name] = _sql_writes(node)
            calls[module, name] = _calls(node, modules, {**own, **imported})
    writes = {key: set(found) for key, found in direct.items()}
    changed = True
    while changed:  # a state function writes what the state functions it calls write
        changed = False
        for key, callees in calls.items():
            for callee in callees:
                extra = writes.get(callee, set()) - writes[key]
                if extra:
                    writes[key] |= extra
                    changed = True
    return writes


def violations(sources: dict[str, str], writes: dict[tuple[str, str], set[Write]]) -> set[str]:
    """Writes in `sources` (path under src/lotedge -> code, none of them in state/) that the
    ownership table does not give to their module."""
    found = set()
    for path, source in sources.items():
        tree = ast.parse(source)
        modules, functions = _state_aliases(tree)
        for module, name in _calls(tree, modules, functions):
            for table, statement in writes.get((module, name), set()):
                if path not in WRITERS.get((table, statement), set()):
                    found.add(f"{path}: {statement} {table} via state.{module}.{name}")
        for table, statement in _sql_writes(tree):
            if path not in WRITERS.get((table, statement), set()):
                found.add(f"{path}: {statement} {table} in its own SQL")
    return found


def _sources() -> dict[str, str]:
    """Every module outside state/ (the trace store has a database of its own)."""
    return {
        str(path.relative_to(SRC)): path.read_text()
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in ("state", "store")
    }


def test_every_state_table_has_its_writers():
    assert {table for table, _ in WRITERS} == TABLES


def test_the_state_is_written_only_by_its_owners():
    assert violations(_sources(), state_writes()) == set()


def test_every_owner_writes_what_the_table_gives_it():
    """No stale row: each (table, statement) is written by each module the table names."""
    writes = state_writes()
    done: set[tuple[str, str, str]] = set()
    for path, source in _sources().items():
        tree = ast.parse(source)
        for module, name in _calls(tree, *_state_aliases(tree)):
            done |= {
                (table, statement, path) for table, statement in writes.get((module, name), ())
            }
    given = {
        (table, statement, path) for (table, statement), paths in WRITERS.items() for path in paths
    }
    assert given - done == set()


def test_a_write_outside_its_owner_is_found():
    writes = state_writes()
    assert writes["print_jobs", "claim"] == {("print_jobs", "UPDATE")}
    assert ("outbox", "INSERT") in writes["outbox", "enqueue"]
    worker = "from lotedge.state import print_jobs\nprint_jobs.claim(conn, 1)\n"
    renamed = "from lotedge.state import outbox as queue\nqueue.enqueue(conn, topic='x')\n"
    direct = "from lotedge.state.alerts import record\nrecord(conn, 'k', 'm', now, {})\n"
    raw_sql = 'conn.execute("UPDATE print_jobs SET status = ?", ("printed",))\n'
    upsert = 'conn.execute("INSERT INTO flags (name) VALUES (?) ON CONFLICT DO UPDATE SET x=1")\n'
    assert violations(
        {
            "printers/worker.py": worker,
            "publish/publisher.py": renamed,
            "station/hub.py": direct,
            "apps/demo.py": raw_sql,
            "agent/workflows/holds.py": upsert,
        },
        writes,
    ) == {
        "printers/worker.py: UPDATE print_jobs via state.print_jobs.claim",
        "publish/publisher.py: INSERT outbox via state.outbox.enqueue",
        "station/hub.py: INSERT alerts via state.alerts.record",
        "apps/demo.py: UPDATE print_jobs in its own SQL",
        "agent/workflows/holds.py: INSERT flags in its own SQL",
    }


def test_the_architecture_page_lists_the_same_writers():
    """docs/architecture.md, "Who writes the state": one row per table, naming its writers."""
    page = (REPO / "docs" / "architecture.md").read_text()
    section = page.split("## Who writes the state", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, set[str]] = {}
    for row in section.splitlines():
        cells = row.split("|")
        if len(cells) > 3 and (table := re.fullmatch(r"\s*`(\w+)`\s*", cells[1])):
            documented[table.group(1)] = set(re.findall(r"`([\w/]+\.py)`", "|".join(cells[2:])))
    expected: dict[str, set[str]] = {}
    for (table, _), paths in WRITERS.items():
        expected.setdefault(table, set()).update(paths)
    assert documented == expected
