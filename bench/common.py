"""Helpers shared by the benchmarks.

Every benchmark runs the same way, from the repository root with the project's venv::

    .venv/bin/python -m bench.<name>.run [--quick] [size flags]

and prints medians and p99s next to a peer measured in the same run (docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
from pathlib import Path

from lotedge.agent.engine import Engine
from lotedge.agent.registry import Registry
from lotedge.agent.unit_of_work import LabelRender
from lotedge.config.loader import load_config
from lotedge.config.model import Config
from lotedge.state.db import open_state

REPO = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of `samples` (pct in 0..100)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def figures(samples_s: list[float]) -> dict[str, float]:
    """n, median, p99 and max in milliseconds, for samples in seconds."""
    return {
        "n": len(samples_s),
        "median_ms": round(statistics.median(samples_s) * 1000, 3),
        "p99_ms": round(percentile(samples_s, 99) * 1000, 3),
        "max_ms": round(max(samples_s) * 1000, 3),
    }


def summary(samples_s: list[float]) -> str:
    """'median X ms, p99 Y ms' for samples in seconds."""
    f = figures(samples_s)
    return f"median {f['median_ms']:.3f} ms, p99 {f['p99_ms']:.3f} ms"


def example_config(directory: Path, extra: str = "") -> Config:
    """config/lotedge.example.toml with its state in `directory`/state and the TOML `extra`
    (e.g. a [printer] or [mqtt] section) appended."""
    text = (REPO / "config" / "lotedge.example.toml").read_text()
    text = text.replace('dir = "../state"', 'dir = "state"') + extra
    (directory / "lotedge.toml").write_text(text)
    return load_config(directory / "lotedge.toml")


def start_engine(
    config: Config, *, render_label: LabelRender | None = None, registry: Registry | None = None
) -> Engine:
    """The real engine on a fresh state database, its writer thread started; adapters given
    an `AdapterHost` with the same `registry` are woken by it, as in the daemon."""
    state = open_state(config.state_dir)
    engine = Engine(config, state, render_label=render_label, registry=registry)
    engine.start()
    return engine
