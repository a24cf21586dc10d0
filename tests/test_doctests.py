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


@pytest.mark.parametrize("name", NOT_IMPORTABLE)
def test_optional_module_examples(name):
    pytest.skip(f"{name} wraps an optional library that is not installed: its examples are not run")
