"""Checking and converting raw series values before any model sees them, and putting a series on the encoder's grid
(bucket long series to fit the context, left-pad to whole patches)."""

import math
from dataclasses import dataclass

import numpy as np
import torch

_NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float


def to_float_array(values: "np.ndarray | torch.Tensor", what: str = "values") -> np.ndarray:
    """Any numeric array-like -> float64 numpy array; strings, objects, complex or ragged nesting -> ValueError."""
    if isinstance(values, torch.Tensor):
        if values.is_complex():
            raise ValueError(f"{what}: complex data is not a time series (dtype {values.dtype})")
        return values.detach().to("cpu", torch.float64).numpy()
    try:
        array = np.asarray(values)
    except ValueError as err:
        raise ValueError(f"{what}: not a rectangular array ({err})") from err
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"{what}: expected numbers, got dtype {array.dtype} (strings or objects are not series)")
    return array.astype(np.float64, copy=False)


def as_series_batch(values: "np.ndarray | torch.Tensor") -> np.ndarray:
    """(channels, time) or (batch, channels, time) -> float64 (batch, channels, time), NaN = missing, checked."""
    array = to_float_array(values)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise ValueError(f"values: expected shape (channels, time) or (batch, channels, time), got {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"values: empty input of shape {array.shape} (need at least one series, channel and step)")
    infinite = np.isinf(array)
    if infinite.any():
        batch, channel, step = np.argwhere(infinite)[0]
        raise ValueError(
            f"values: {int(infinite.sum())} infinite value(s), first at batch {batch}, channel {channel}, step {step}"
            " (use NaN for missing data)"
        )
    return array


@dataclass
class Grid:
    """Series values on the encoder's grid and how grid steps map back to input steps."""

    values: np.ndarray  # (batch, channels, grid_steps) float64, NaN = unobserved
    bucket_size: int
    bucket_offset: int  # input steps missing from the first bucket
    left_pad: int  # unobserved grid steps added on the left


def bucket_means(values: np.ndarray, max_context: int) -> tuple[np.ndarray, int, int]:
    """(..., time) -> (..., buckets), bucket size, offset: NaN-aware means of `ceil(time / max_context)` steps.

    Buckets are aligned to the end so the newest data fills a whole bucket; the oldest bucket is short by `offset`
    steps. A bucket with no observation is NaN. Series that fit the context come back unchanged.
    """
    time = values.shape[-1]
    if time <= max_context:
        return values, 1, 0
    size = math.ceil(time / max_context)
    buckets = math.ceil(time / size)
    offset = buckets * size - time
    padded = np.concatenate([np.full(values.shape[:-1] + (offset,), np.nan), values], axis=-1)
    padded = padded.reshape(values.shape[:-1] + (buckets, size))
    observed = ~np.isnan(padded)
    counts = observed.sum(axis=-1)
    sums = np.where(observed, padded, 0.0).sum(axis=-1)
    means = np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)
    return means, size, offset


def to_grid(values: np.ndarray, max_context: int, patch_size: int) -> Grid:
    """(batch, channels, time) -> the grid: bucketed to at most `max_context` steps, left-padded to whole patches."""
    if max_context < patch_size:
        raise ValueError(f"max_context ({max_context}) must be at least the patch size ({patch_size})")
    bucketed, bucket_size, bucket_offset = bucket_means(values, max_context)
    left_pad = -bucketed.shape[-1] % patch_size
    pad = np.full(bucketed.shape[:-1] + (left_pad,), np.nan)
    return Grid(np.concatenate([pad, bucketed], axis=-1), bucket_size, bucket_offset, left_pad)
