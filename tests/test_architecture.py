"""Structural rules: a pure core, and every package shipped."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from tests.conftest import REPO

#: Modules the pure core must never import: devices, network, databases, threads, processes.
FORBIDDEN = {
    "sqlite3",
    "psycopg",
    "socket",
    "socketserver",
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
    "lotedge.state",
    "lotedge.agent",
    "lotedge.printers",
    "lotedge.publish",
    "lotedge.store",
    "lotedge.scanners",
    "lotedge.camera",
    "lotedge.ops",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_is_pure():
    offenders = {
        f"{path.name}: {name}"
        for path in (REPO / "src" / "lotedge" / "core").glob("*.py")
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not offenders


def test_every_package_is_listed_in_pyproject():
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(REPO / "src").parts)
        for p in (REPO / "src").rglob("__init__.py")
    } | {"lotedge.simulators"}
    assert found == listed
