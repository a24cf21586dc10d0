"""Small helpers shared by benchmarks."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of `samples` (pct in 0..100)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(samples_s: list[float]) -> str:
    """'median X ms, p99 Y ms' for samples in seconds."""
    return (
        f"median {statistics.median(samples_s) * 1000:.3f} ms, "
        f"p99 {percentile(samples_s, 99) * 1000:.3f} ms"
    )
