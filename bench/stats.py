"""Medians, percentiles and verdicts shared by the benchmark scripts."""

from __future__ import annotations

import statistics


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile by nearest rank."""
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95, max and count (NaN for no samples)."""
    if not samples:
        return {"median": float("nan"), "p95": float("nan"), "max": float("nan"), "n": 0}
    return {
        "median": statistics.median(samples),
        "p95": percentile(samples, 95),
        "max": max(samples),
        "n": len(samples),
    }


def verdict(value: float, limit: float) -> str:
    """``ok`` within the target, ``MISSED`` beyond it."""
    return "ok" if value <= limit else "MISSED"
