"""Values onto the grid `repair.place` chose: steps that several stamps reach get the mean of their values."""

import numpy as np

from tsqa.arfbench.exports.repair import COMBINE, Placement, Repairs, counted


def combine(keys: np.ndarray, values: np.ndarray, size: int, rows: np.ndarray, placement: Placement,
            repairs: Repairs, what: str) -> np.ndarray:
    """keys: (n,) the grid cell of each value (a step for wide rows, step x channels + channel for long cells);
    values: (n,) or (n, channels), NaN = missing; rows: (n,) file rows, for a refusal. Returns (size, ...) with
    the mean of the observed values per cell (NaN where none)."""
    grid = np.full((size, *values.shape[1:]), np.nan)
    if size <= 4 * len(keys) and np.bincount(keys, minlength=size).max() <= 1:  # dense: counting beats sorting
        grid[keys] = values
        return grid
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    firsts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    if len(firsts) == len(keys):
        grid[keys] = values
        return grid
    if not placement.resampled:
        repeated = np.ones(len(keys), dtype=bool)
        repeated[firsts] = False
        row = int(rows[order][np.argmax(repeated)])
        repairs.repair(f"{counted(len(keys) - len(firsts), what)} averaged (the {COMBINE} of the values on one step)",
                       "repeats the time step of an earlier row", row)
    chosen = values[order]
    observed = ~np.isnan(chosen)
    sums = np.add.reduceat(np.where(observed, chosen, 0.0), firsts, axis=0)
    counts = np.add.reduceat(observed, firsts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid[ordered[firsts]] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return grid
