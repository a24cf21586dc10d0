"""Structural rules: the layer table, no package cycle, a pure core, and every package shipped."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "lotedge"

#: Which lotedge packages each package may import, at module or function level. Read it bottom
#: up: master data and the wire contract, the pure domain, config, infrastructure, adapters
#: and the agent, then the applications. A new package gets a row here.
LAYERS: dict[str, set[str]] = {
    "masterdata": set(),
    "wire": {"masterdata"},
    # device URLs: the grammar and the scheme table, pure; adapters are named, not imported
    "devices": {"masterdata"},
    "core": {"masterdata", "wire"},
    "config": {"masterdata", "wire", "core", "devices"},  # wire: the default topic prefix
    # infrastructure
    "ops": {"config"},
    "state": {"masterdata", "wire", "core"},
    "mqtt": {"config"},
    # device sources and the trace store
    "scanners": {"masterdata", "core", "config", "ops", "devices"},
    "camera": {"masterdata", "core", "config", "ops", "devices", "scanners"},
    # scales: the line, the protocol clients, and the service weighing for the engine
    "scales": {"masterdata", "core", "config", "ops", "devices", "state", "agent"},
    "store": {"masterdata", "wire", "core", "config", "ops", "mqtt"},
    # the agent, and the adapters that serve it
    "agent": {"masterdata", "wire", "core", "config", "ops", "state", "scanners", "camera"},
    "printers": {"masterdata", "wire", "core", "config", "ops", "devices", "state", "agent"},
    "publish": {"masterdata", "wire", "core", "config", "ops", "state", "mqtt", "agent"},
    "station": {"masterdata", "wire", "core", "config", "ops", "state", "agent"},
    # applications
    "simulators": {"core", "scanners", "printers"},
    "apps": {
        "masterdata", "wire", "core", "config", "ops", "devices", "state", "mqtt", "scanners",
        "camera", "store", "agent", "printers", "publish", "station", "simulators", "scales",
    },
    "cli": {
        "masterdata", "wire", "core", "config", "ops", "devices", "state", "mqtt", "scanners",
        "camera", "store", "agent", "printers", "publish", "station", "simulators", "apps",
        "scales",
    },
}  # fmt: skip

#: What the pure layers (master data, wire, core) must never import: devices, network,
#: databases, threads, processes, the environment.
IO_MODULES = {
    "sqlite3",
    "psycopg",
    "socket",
    "socketserver",
    "select",
    "serial",
    "evdev",
    "cv2",
    "paho",
    "zplkit",
    "escpos",
    "threading",
    "subprocess",
    "asyncio",
    "http",
    "urllib.request",
    "amqtt",
    "os",
    "shutil",
    "tempfile",
}
PURE = ("masterdata", "wire", "devices", "core")


def _modules() -> Iterator[tuple[str, Path]]:
    """(package, path) of every module under src/lotedge and simulators/."""
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).parts
        if len(parts) > 1:
            yield parts[0], path
    for path in (REPO / "simulators").rglob("*.py"):
        yield "simulators", path


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported lotedge package -> the modules that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for package, path in _modules():
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "lotedge" and len(parts) > 1 and parts[1] != package:
                graph.setdefault(package, {}).setdefault(parts[1], set()).add(path.name)
    return graph


def test_every_package_has_a_row_in_the_layer_table():
    found = {parts[0] for parts in (p.relative_to(SRC).parts for p in SRC.rglob("*.py"))}
    found = {name for name in found if (SRC / name).is_dir()} | {"simulators"}
    assert found == set(LAYERS)


def test_packages_import_only_what_the_layer_table_allows():
    offenders = {
        f"{package} -> {target} ({', '.join(sorted(where))})"
        for package, targets in _package_graph().items()
        for target, where in targets.items()
        if target not in LAYERS[package]
    }
    assert not offenders


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path, or None (depth-first search)."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_package_graph_has_no_cycle():
    graph = {package: set(targets) for package, targets in _package_graph().items()}
    assert _cycle(graph) is None


def test_the_layer_table_itself_has_no_cycle():
    assert _cycle(LAYERS) is None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_pure_layers_import_no_io():
    offenders = {
        f"{path.relative_to(SRC)}: {name}"
        for package, path in _modules()
        if package in PURE
        for name in _imports(path)
        if any(name == io or name.startswith(io + ".") for io in IO_MODULES)
    }
    assert not offenders


def test_every_package_is_listed_in_pyproject():
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(REPO / "src").parts)
        for p in (REPO / "src").rglob("__init__.py")
    } | {"lotedge.simulators", "lotedge.labels"}
    assert found == listed
