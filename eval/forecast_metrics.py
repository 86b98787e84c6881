"""Forecast accuracy, per channel and forecast window: MASE (the median's mean absolute error over the in-sample error
of the seasonal naive forecast) and the weighted quantile loss (twice the pinball loss summed over steps and
quantiles, over the sum of absolute values and the number of quantiles; 0 is perfect, a point forecast scores its
absolute error over the sum of absolute values)."""

import numpy as np


def seasonal_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute change over `season` steps in `history` (time,): MASE's denominator. NaN when undefined (too
    short, or a history that never changes)."""
    season = season if len(history) > season else 1
    changes = np.abs(history[season:] - history[:-season])
    changes = changes[np.isfinite(changes)]
    scale = changes.mean() if len(changes) else np.nan
    return float(scale) if scale > 0 else float("nan")


def mase(actual: np.ndarray, median: np.ndarray, scale: float) -> float:
    """actual, median: (horizon,)."""
    return float(np.nanmean(np.abs(actual - median)) / scale)


def weighted_quantile_loss(actual: np.ndarray, quantiles: np.ndarray, levels: np.ndarray) -> float:
    """actual (horizon,), quantiles (levels, horizon), levels (levels,) -> the loss; NaN when all actuals are 0."""
    observed = np.isfinite(actual)
    error = actual[None, observed] - quantiles[:, observed]
    pinball = np.maximum(levels[:, None] * error, (levels[:, None] - 1) * error)
    total = np.abs(actual[observed]).sum()
    return float(2 * pinball.sum() / (len(levels) * total)) if total > 0 else float("nan")
