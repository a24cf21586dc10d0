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
WITH_EXAMPLES = [
    name
    for name in MODULES
    if doctest.DocTestFinder().find(importlib.import_module(name))
    and any(test.examples for test in doctest.DocTestFinder().find(importlib.import_module(name)))
]


def test_examples_are_found():
    assert "lotedge.core.zpl" in WITH_EXAMPLES and "lotedge.devices.registry" in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
