"""Training windows for the `forecast` stage: causal contexts of varied length cut from metric series, as Toto's own
inputs (target, target mask, the `cpm_mask` that hides the patches to forecast, series ids).

Each window is drawn from its own generator seeded by (seed, step, process, micro-batch), so a resumed run draws
exactly the batches an uninterrupted one would, without replaying anything.
"""

import numpy as np
import torch

from tsqa.training.config import ForecastWindows


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
