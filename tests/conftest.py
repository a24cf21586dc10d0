"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lotedge.config.loader import load_config
from lotedge.config.model import Config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config" / "lotedge.example.toml"


def write_config(
    directory: Path, *, extra: str = "", replace: dict[str, str] | None = None
) -> Path:
    """A copy of the example config in `directory` with its own state dir and label templates."""
    text = EXAMPLE_CONFIG.read_text()
    text = text.replace('dir = "../state"', 'dir = "state"')
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    labels = REPO / "config" / "labels"
    if labels.is_dir():
        shutil.copytree(labels, directory / "labels", dirs_exist_ok=True)
    path = directory / "lotedge.toml"
    path.write_text(text + "\n" + extra)
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def config(config_path: Path) -> Config:
    return load_config(config_path)


@pytest.fixture(scope="session")
def example() -> Config:
    """The example config as shipped, for tests that change no state."""
    return load_config(EXAMPLE_CONFIG)
