"""Filling missing steps the way the benchmark's `interpolate_k` flags ask: linear (1) or forward fill (0).

Both leave the steps before a channel's first observation missing and carry its last value to the end, so filling
twice gives the same values as filling once.
"""

import numpy as np

LINEAR = "linear"
FORWARD_FILL = "ffill"
FILL_OF_FLAG = {1: LINEAR, 0: FORWARD_FILL}
FLAG_OF_FILL = {v: k for k, v in FILL_OF_FLAG.items()}


def fill_gaps(values: np.ndarray, mode: str) -> np.ndarray:
    """values: (time, channels), NaN = missing. Returns a filled copy."""
    if mode not in FLAG_OF_FILL:
        raise ValueError(f"unknown gap filling {mode!r}; expected one of {sorted(FLAG_OF_FILL)}")
    filled = values.copy()
    steps = np.arange(values.shape[0])
    for c in range(values.shape[1]):
        column = filled[:, c]
        observed = ~np.isnan(column)
        if observed.all() or not observed.any():
            continue
        first = int(np.argmax(observed))
        tail = steps[first:]
        if mode == LINEAR:
            column[first:] = np.interp(tail, steps[observed], column[observed])
        else:
            last_seen = np.maximum.accumulate(np.where(observed[first:], tail, first))
            column[first:] = column[last_seen]
    return filled
