"""The texture of recorded metrics that the generator's smooth baselines lack, measured on real series
(scripts/series_stats.py; eval/README.md has the table): channels that never move (a pod's idle error counter at 0,
a limit at its value), values recorded on a coarse grid (integer counts, rounded percentages, millisecond buckets),
and more missing points.

Only channels the anomaly does not touch are flattened, and quantisation keeps many levels across a channel's normal
range, so every answer the generator computed still holds on the textured series.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Texture:
    flat: float  # share of normal channels held at one value (zero or their median)
    flat_zero: float  # of those, the share held at zero
    quantised: float  # share of channels recorded on a coarse grid
    levels: tuple[int, int]  # grid steps across a quantised channel's 5-95% range, drawn in this range
    missing: float  # share of extra single missing points, anywhere but the anomaly's edges


def apply_texture(rng: np.random.Generator, values: np.ndarray, baseline: np.ndarray, anomalous: list[int],
                  protected: np.ndarray, texture: Texture) -> tuple[np.ndarray, np.ndarray]:
    """(values, baseline), both (time, channels), with the same texture; `protected`: (time,) steps kept observed."""
    values, baseline = values.copy(), baseline.copy()
    steps, channels = values.shape
    for c in range(channels):
        if c not in anomalous and rng.random() < texture.flat:
            held = 0.0 if rng.random() < texture.flat_zero else float(np.nanmedian(baseline[:, c]))
            values[:, c] = np.where(np.isnan(values[:, c]), np.nan, held)
            baseline[:, c] = np.where(np.isnan(baseline[:, c]), np.nan, held)
        elif rng.random() < texture.quantised:
            low, high = np.nanquantile(baseline[:, c], [0.05, 0.95])
            if high > low:
                step = (high - low) / int(rng.integers(*texture.levels))
                values[:, c] = np.round(values[:, c] / step) * step
                baseline[:, c] = np.round(baseline[:, c] / step) * step
    dropped = (rng.random((steps, channels)) < texture.missing) & ~protected[:, None]
    return np.where(dropped, np.nan, values), np.where(dropped, np.nan, baseline)
