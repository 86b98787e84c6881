"""The five anomaly kinds as exact, bounded effects added to a baseline.

An effect is zero outside [onset, end) and non-zero at its first and last step, so the ground-truth window can be
read back from the data: values - baseline.
"""

from dataclasses import dataclass

import numpy as np

from tsqa.arfbench import options as opt
from tsqa.arfbench.synth.metrics import Baseline

SPIKE = opt.TRANSIENT_SPIKE
MIN_PERIOD = 6  # even


@dataclass
class Anomaly:
    kind: str  # one of options.ANOMALY_KINDS
    onset: int  # first affected step; 0 when it began before the series (`before_window`)
    end: int | None  # first step back to normal; None: not resolved within the series
    magnitude_pct: float  # largest deviation, in percent of each affected channel's normal level
    direction: int  # +1 up, -1 down
    channels: list[int]  # affected channel indices
    before_window: int = 0  # steps it had been under way when the series starts
    period: int | None = None  # Change in Seasonality: period of the new pattern, in steps

    def stop(self, steps: int) -> int:
        return steps if self.end is None else self.end


def window_length(rng: np.random.Generator, kind: str, steps: int, room: int) -> tuple[int, int | None]:
    """(length, period) of an anomaly that fits in `room` steps; spikes are short, the others last a while."""
    room = max(2, room)
    if kind == SPIKE:
        return int(rng.integers(2, max(3, min(room, steps // 40) + 1))), None
    if kind == opt.SEASONALITY:
        cycles = int(rng.integers(3, 7))
        period = 2 * int(rng.integers(MIN_PERIOD // 2, max(MIN_PERIOD // 2 + 1, steps // 24)))
        period = max(MIN_PERIOD, min(period, room // cycles // 2 * 2))
        cycles = max(1, min(cycles, room // period))
        return cycles * period, period
    low, high = max(2, steps // 12), max(3, steps // 3)
    return int(rng.integers(min(low, room), min(high, room) + 1)), None


def effect_shape(rng: np.random.Generator, kind: str, length: int, period: int | None) -> np.ndarray:
    """(length,) peak |value| 1, first and last values far from 0; reused as is for correlated pairs."""
    k = np.arange(length)
    if kind == opt.LEVEL_SHIFT:
        return np.ones(length)
    if kind == SPIKE:
        return np.exp(-k / max(1.0, length / 3))
    if kind == opt.SEASONALITY:
        # a quarter step off the cosine's zeros (the period is even), so no step of the window is left unchanged
        if not period or period % 2:
            raise ValueError(f"a change in seasonality needs an even period, got {period}")
        return np.cos(2 * np.pi * (k + 0.25) / period)
    if kind == opt.VARIANCE:
        shape = rng.standard_normal(length)
        shape /= np.abs(shape).max()
        for i in (0, -1):
            shape[i] = np.copysign(max(abs(shape[i]), 0.5), shape[i])
        return shape
    if kind == opt.TREND:
        return (k + 1) / length
    raise ValueError(f"unknown anomaly kind {kind!r}")


def _effect(baseline: Baseline, anomaly: Anomaly, shape: np.ndarray) -> tuple[slice, np.ndarray]:
    """(steps, (steps, affected channels) deviation). `shape` covers the whole anomaly, including the part before
    the series when `before_window`."""
    visible = shape[anomaly.before_window :][: anomaly.stop(len(baseline.values)) - anomaly.onset]
    scale = anomaly.direction * anomaly.magnitude_pct / 100 * baseline.levels[anomaly.channels]
    return slice(anomaly.onset, anomaly.onset + len(visible)), visible[:, None] * scale[None, :]


def stays_in_bounds(baseline: Baseline, anomaly: Anomaly, shape: np.ndarray) -> bool:
    """Whether the anomaly keeps clear of the metric's floor and ceiling, so no step of it gets clipped."""
    window, effect = _effect(baseline, anomaly, shape)
    moved = baseline.values[window, anomaly.channels] + effect
    margin = 0.02 * baseline.levels[anomaly.channels]
    return bool((moved >= baseline.floor + margin).all() and (moved <= baseline.ceiling - margin).all())


def inject(baseline: Baseline, anomaly: Anomaly, shape: np.ndarray) -> np.ndarray:
    """Baseline plus the anomaly on its channels, kept within the metric's bounds."""
    values = baseline.values.copy()
    window, effect = _effect(baseline, anomaly, shape)
    values[window, anomaly.channels] += effect
    return np.clip(values, baseline.floor, baseline.ceiling)
