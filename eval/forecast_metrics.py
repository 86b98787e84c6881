"""Forecast accuracy, per channel and forecast window: MASE (the median's mean absolute error over the in-sample error
of the seasonal naive forecast) and the scaled quantile loss (twice the mean pinball loss over steps and quantiles,
over that same in-sample error: a CRPS approximation in MASE's units; a point forecast scores its MASE). Metrics hold
values of very different sizes (bytes, rates, latencies), so tables aggregate them by geometric mean."""

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


def scaled_quantile_loss(actual: np.ndarray, quantiles: np.ndarray, levels: np.ndarray, scale: float) -> float:
    """actual (horizon,), quantiles (levels, horizon), levels (levels,) -> the loss in units of `scale`."""
    observed = np.isfinite(actual)
    error = actual[None, observed] - quantiles[:, observed]
    pinball = np.maximum(levels[:, None] * error, (levels[:, None] - 1) * error)
    return float(2 * pinball.mean() / scale)


def geometric_mean(values: list[float], floor: float = 1e-3) -> float:
    """Of the finite values, each at least `floor` (a perfect forecast of a flat stretch scores 0)."""
    finite = np.asarray([v for v in values if np.isfinite(v)])
    return float(np.exp(np.log(np.maximum(finite, floor)).mean())) if len(finite) else float("nan")
