"""The examples in the devices modules' docstrings are tests too."""

import doctest
import importlib

import pytest

MODULES = [
    "lotedge.devices.url",
    "lotedge.devices.options",
    "lotedge.devices.locations",
    "lotedge.devices.registry",
    "lotedge.scanners.hid_keymap",
    "lotedge.camera.dedupe",
    "lotedge.simulators.scanscript",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
