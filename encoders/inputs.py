"""Checking and converting raw series values before any model sees them."""

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
