"""Forecasts with a Toto 2.0 model's quantile head, through its own `forecast` (block decoding, its scaler, its caps).

The input is what a user exports: channels that start late, gaps, a NaN tail. Missing steps after a channel's first
observation are carried forward (Toto's own GluonTS wrapper imputes the same way); steps before it stay unobserved.
"""

from dataclasses import dataclass

import numpy as np
import torch
from toto2 import Toto2Model

FORECAST_KNOTS = (0.1, 0.5, 0.9)  # the band's low edge, the median, the band's high edge
MAX_HORIZON = 8192  # steps: the decoder holds the whole horizon at once
MIN_PATCHES = 2  # a history shorter than two patches leaves the scaler and the model nothing to go on
# Keyword arguments of `Toto2Model.forecast`, as `Toto2GluonTSModelConfig` sets them by default.
FORECAST_OPTIONS = {"scaler_fallback_min_obs": 8, "quantile_real_cap_k": 1e4}


@dataclass
class Forecast:
    """Quantiles of the `horizon` steps after the history, per channel: each (channels, horizon) float64."""

    low: np.ndarray  # 10% quantile
    median: np.ndarray  # 50%
    high: np.ndarray  # 90%

    @property
    def horizon(self) -> int:
        return self.median.shape[-1]


def check_forecast_request(values: np.ndarray, horizon: int, patch_size: int, channels: list[str] | None = None) -> None:
    """Refusals, each one line: horizon out of range, too short a history, a channel without any value."""
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or not 0 < horizon <= MAX_HORIZON:
        raise ValueError(f"horizon: expected a whole number of steps from 1 to {MAX_HORIZON}, got {horizon!r}")
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError(f"values: expected (channels, time) with at least one channel, got shape {values.shape}")
    needed = MIN_PATCHES * patch_size
    if values.shape[1] < needed:
        raise ValueError(f"history: {values.shape[1]} steps is too short to forecast from; this model needs at least "
                         f"{needed} (two patches of {patch_size})")
    empty = np.flatnonzero(np.isnan(values).all(axis=1))
    if len(empty):
        names = [channels[i] if channels else str(i) for i in empty[:3]]
        raise ValueError(f"channel {', '.join(names)}{' ...' if len(empty) > 3 else ''}: no values at all (NaN only); "
                         "nothing to forecast from")
    if np.isinf(values).any():
        raise ValueError("values: infinite values cannot be forecast; replace them with NaN (missing)")


def carried_forward(values: np.ndarray) -> np.ndarray:
    """(channels, time): each NaN after a channel's first value replaced by the last value before it."""
    time = np.arange(values.shape[1])
    last_seen = np.maximum.accumulate(np.where(np.isnan(values), -1, time[None, :]), axis=1)  # (channels, time)
    filled = np.take_along_axis(values, np.maximum(last_seen, 0), axis=1)
    return np.where(last_seen >= 0, filled, np.nan)


def forecast_values(model: Toto2Model, values: np.ndarray, horizon: int, max_context: int = 4096,
                    channels: list[str] | None = None) -> Forecast:
    """values: (channels, time) float, NaN for missing -> the 10/50/90% quantiles of the next `horizon` steps.

    All channels are variates of one series and attend to each other, as in `TotoEncoder`. At most the last
    `max_context` steps (rounded down to whole patches) are read."""
    values = np.asarray(values, dtype=np.float64)
    patch = model.config.patch_size
    check_forecast_request(values, horizon, patch, channels)
    context = max(patch * MIN_PATCHES, max_context // patch * patch)
    history = carried_forward(values[:, -context:])
    pad = -history.shape[1] % patch
    history = np.pad(history, ((0, 0), (pad, 0)), constant_values=np.nan)  # left-padded to whole patches
    parameter = next(model.parameters())
    target = torch.from_numpy(np.nan_to_num(history, nan=0.0)).to(parameter.device, torch.float32)[None]
    inputs = {
        "target": target,  # (1, channels, time)
        "target_mask": torch.from_numpy(~np.isnan(history)).to(parameter.device)[None],
        "series_ids": torch.zeros(target.shape[:2], dtype=torch.long, device=parameter.device),
    }
    model.eval()
    quantiles = model.forecast(inputs, horizon, **FORECAST_OPTIONS)  # (knots, 1, channels, horizon)
    knots = model.output_head.knots
    low, median, high = (quantiles[knots.index(k), 0].double().cpu().numpy() for k in FORECAST_KNOTS)
    return Forecast(low=low, median=median, high=high)
