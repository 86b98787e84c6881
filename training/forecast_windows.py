"""Training windows for the `forecast` stage: causal contexts of varied length cut from metric series, as Toto's own
inputs (target, target mask, the `cpm_mask` that hides the patches to forecast, series ids).

Each window is drawn from its own generator seeded by (seed, step, process, micro-batch), so a resumed run draws
exactly the batches an uninterrupted one would, without replaying anything.
"""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class ForecastWindows:
    """How windows are cut. Lengths are in steps and must be whole patches of the model trained."""

    context: int = 512  # longest window; shorter ones are left-padded (unobserved) to this length
    min_context: int = 64  # shortest window
    max_variates: int = 8  # channels drawn together from one series (they attend to each other)
    future_patches: int = 4  # at most this many trailing patches hidden from the input (`cpm_mask`) and forecast
    hide_probability: float = 0.5  # share of windows whose trailing patches are hidden; the rest: next patch only


def check_windows(windows: ForecastWindows, patch_size: int) -> list[str]:
    """Problems with `windows` for a model of `patch_size`, as recipe error messages."""
    problems = []
    for name in ("context", "min_context"):
        value = getattr(windows, name)
        if value < 2 * patch_size or value % patch_size:
            problems.append(f"forecast.{name} must be a multiple of the patch size ({patch_size}) and at least two "
                            f"patches, got {value}")
    if windows.min_context > windows.context:
        problems.append(f"forecast.min_context ({windows.min_context}) exceeds forecast.context ({windows.context})")
    if windows.max_variates < 1 or windows.future_patches < 1:
        problems.append("forecast.max_variates and forecast.future_patches must be >= 1")
    if not 0.0 <= windows.hide_probability <= 1.0:
        problems.append(f"forecast.hide_probability must be in [0, 1], got {windows.hide_probability}")
    return problems


def window_batch(series: list[np.ndarray], size: int, windows: ForecastWindows, patch_size: int,
                 seed: tuple[int, ...]) -> dict[str, torch.Tensor]:
    """`size` windows from `series` (each (channels, time) float, NaN missing), for `Toto2Model.forward`:
    target (size, variates, context) with 0 where unobserved, target_mask and cpm_mask bool of that shape, series_ids
    (size, variates) long. Padding variates get series id 1 and no observation, so they attend to nothing real."""
    rng = np.random.default_rng(list(seed))
    variates, length = windows.max_variates, windows.context
    target = np.zeros((size, variates, length), dtype=np.float32)
    observed = np.zeros((size, variates, length), dtype=bool)
    shown = np.ones((size, variates, length), dtype=bool)
    series_ids = np.ones((size, variates), dtype=np.int64)
    lengths = np.array([s.shape[1] for s in series])
    usable = np.flatnonzero(lengths >= windows.min_context)
    if len(usable) == 0:
        raise ValueError(f"forecast stage: no series has {windows.min_context} steps (forecast.min_context)")
    for row in range(size):
        values = series[usable[rng.integers(len(usable))]]
        longest = min(length, values.shape[1]) // patch_size
        steps = patch_size * int(rng.integers(windows.min_context // patch_size, longest + 1))
        end = int(rng.integers(steps, values.shape[1] + 1))
        count = min(variates, values.shape[0])
        channels = rng.choice(values.shape[0], size=count, replace=False)
        window = values[channels, end - steps : end]  # (count, steps)
        target[row, :count, length - steps :] = np.nan_to_num(window, nan=0.0, posinf=0.0, neginf=0.0)
        observed[row, :count, length - steps :] = np.isfinite(window)
        series_ids[row, :count] = 0
        if rng.random() < windows.hide_probability:
            hidden = patch_size * int(rng.integers(1, min(windows.future_patches, steps // patch_size - 1) + 1))
            shown[row, :, length - hidden :] = False
    return {
        "target": torch.from_numpy(target),
        "target_mask": torch.from_numpy(observed),
        "cpm_mask": torch.from_numpy(shown),
        "series_ids": torch.from_numpy(series_ids),
    }
