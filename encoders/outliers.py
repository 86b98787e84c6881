"""How far values stray from what is normal, in units of their own spread: robust z-scores of raw values (what
"unusual" means without any model), and the distance of observations outside a forecaster's predicted band, in band
widths (`ForecastBand`, the encoder's surprise).

A channel's centre is its median and its scale 1.4826 x MAD (the standard deviation of normal noise); a channel that
is constant almost everywhere falls back to its standard deviation, then to 1, so a lone step still stands out.
Both the adapter's features and the evidence text read outliers through these z-scores.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import torch

MAD_TO_STD = 1.4826  # MAD x this = the standard deviation, for normal noise


def robust_centre_scale(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust scale along `axis`, NaN ignored; an all-NaN channel gets centre NaN and scale 1."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channels: handled below
        centre = np.nanmedian(values, axis=axis)
        spread = np.abs(values - np.expand_dims(centre, axis))
        scale = MAD_TO_STD * np.nanmedian(spread, axis=axis)
        scale = np.where(scale > 0, scale, np.nanstd(values, axis=axis))
    return centre, np.where(scale > 0, scale, 1.0)


def robust_z(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """(values - median) / (1.4826 x MAD) along `axis`, same shape; NaN where a value is missing."""
    centre, scale = robust_centre_scale(values, axis)
    with np.errstate(invalid="ignore"):
        return (np.asarray(values, dtype=np.float64) - np.expand_dims(centre, axis)) / np.expand_dims(scale, axis)


def detrended_z(
    values: np.ndarray, window: int, outlier: float = 3.5
) -> tuple[np.ndarray, np.ndarray]:
    """Robust z-scores of `values` (time, channels) against a rolling median, and the value each step would have at
    z = 0: (z, expected), both (time, channels).

    The rolling median (centred, `window` steps) follows daily cycles and slow drifts that would otherwise pass for
    anomalies. Steps that are outliers against the whole channel (|z| above `outlier`) are left out of it first, so
    an excursion longer than half the window is not absorbed into its own baseline. The scale is 1.4826 x MAD of
    the residuals.
    """
    import pandas as pd

    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        kept = np.where(np.abs(robust_z(values)) > outlier, np.nan, values)
    rolling = pd.DataFrame(kept).rolling(max(1, window), center=True, min_periods=1).median()
    baseline = rolling.ffill().bfill().to_numpy()  # (time, channels); NaN only for a channel with no value at all
    residual = values - baseline
    centre, scale = robust_centre_scale(residual)
    return (residual - centre) / scale, baseline + centre


def band_distance(values: torch.Tensor, low: torch.Tensor, high: torch.Tensor, tiny: float = 1e-12) -> torch.Tensor:
    """Signed distance outside [low, high] in band widths, elementwise: 0 inside, (y - high) / width above,
    (y - low) / width below (negative)."""
    width = (high - low).clamp(min=tiny)
    above = (values - high).clamp(min=0)
    below = (values - low).clamp(max=0)
    return (above + below) / width


def band_surprise(
    values: torch.Tensor, observed: torch.Tensor, low: torch.Tensor, high: torch.Tensor, tiny: float = 1e-12
) -> torch.Tensor:
    """Mean over observed steps of max(low - y, y - high, 0) / max(high - low, tiny); 0 where nothing is observed.

    values, observed, low, high: (..., steps) -> (...). A value inside [low, high] scores 0; one a band width above
    `high` scores 1. Unobserved steps may hold anything (NaN included): they are ignored.
    """
    distance = torch.where(observed, band_distance(values, low, high, tiny).abs(), 0)
    return distance.sum(dim=-1) / observed.sum(dim=-1).clamp(min=1)


@dataclass
class ForecastBand:
    """Per input step of one series, the band a forecaster predicted for it one patch ahead, and the median.

    NaN where no prediction was made (the first patch, or after a patch without observations).
    """

    low: np.ndarray  # (channels, time)
    median: np.ndarray  # (channels, time)
    high: np.ndarray  # (channels, time)
    knots: tuple[float, float]  # the quantiles of low and high, e.g. (0.1, 0.9)

    @property
    def nbytes(self) -> int:
        return self.low.nbytes + self.median.nbytes + self.high.nbytes

    def distance(self, values: np.ndarray) -> np.ndarray:
        """(channels, time) signed distance of `values` outside the band in band widths (`band_distance`);
        NaN where a value or the band is missing."""
        as_tensor = (torch.from_numpy(np.asarray(a, dtype=np.float64)) for a in (values, self.low, self.high))
        return band_distance(*as_tensor).numpy()
