"""How far observations fall outside a predicted band, in band widths."""

from dataclasses import dataclass

import numpy as np
import torch


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
