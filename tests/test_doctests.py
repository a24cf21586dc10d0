"""The examples in every module's docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import lotedge
import lotedge.simulators

MODULES = sorted(
    info.name
    for package in (lotedge, lotedge.simulators)
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
)


def _imported(name: str) -> object | None:
    """The module, or None when an optional library it wraps (zbar, cups ...) is missing."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


#: Modules wrapping the library of an extra (`pip install 'lotedge[zbar]'`): absent without it.
OPTIONAL = {"lotedge.camera.zbar_backend"}
NOT_IMPORTABLE = [name for name in MODULES if _imported(name) is None]
WITH_EXAMPLES = [
    name
    for name in MODULES
    if (module := _imported(name)) is not None
    and any(test.examples for test in doctest.DocTestFinder().find(module))
]


def test_examples_are_found():
    assert "lotedge.core.zpl" in WITH_EXAMPLES and "lotedge.devices.registry" in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_only_modules_of_an_extra_may_fail_to_import():
    assert set(NOT_IMPORTABLE) <= OPTIONAL, "a module fails to import without an optional library"
    if NOT_IMPORTABLE:
        pytest.skip(f"examples not run, optional library missing: {', '.join(NOT_IMPORTABLE)}")
