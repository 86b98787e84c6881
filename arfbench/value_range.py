"""What a series may hold: timestamps a calendar can show, values float32 arithmetic can carry.

Checked where series are read (user files, request bodies, dataset parquet), so a value beyond these ranges is
refused there with its row named, instead of failing later inside the encoder's float32 scaler or the plot's date
axis ("arange: cannot compute length", "date ordinal ... converts to a date before year 1").
"""

import math
from datetime import datetime, timezone

import numpy as np

MAX_ABS_VALUE = 1e30  # far above any metric; float32 (max 3.4e38) keeps room for the encoder's arithmetic
MIN_EPOCH = -2_208_988_800  # 1900-01-01 in unix seconds
MAX_EPOCH = 7_258_118_400  # 2200-01-01
_FINER_UNITS = (("milliseconds", 10**3), ("microseconds", 10**6), ("nanoseconds", 10**9))


def first_bad_value(values: np.ndarray) -> tuple[int, str] | None:
    """(flat index, why) of the first infinite value or one beyond +-MAX_ABS_VALUE, else None (NaN is missing)."""
    with np.errstate(invalid="ignore"):
        bad = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad.reshape(-1))[0])
    value = float(values.reshape(-1)[index])
    if np.isinf(value):
        return index, "infinite value"
    return index, f"{value:.6g} is beyond the supported magnitude of {MAX_ABS_VALUE:.0e}"


def first_bad_epoch(epochs: np.ndarray) -> tuple[int, str] | None:
    """(index, why) of the first timestamp outside 1900-2200 in unix seconds, naming the unit it seems to be in."""
    try:
        raw = np.asarray(epochs, dtype=np.float64)
    except OverflowError:  # Python integers beyond float64
        raw = np.array([v if abs(v) < 10**300 else math.inf for v in epochs], dtype=np.float64)
    bad = ~((raw >= MIN_EPOCH) & (raw < MAX_EPOCH))
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad)[0])
    value = raw[index]
    why = f"{value:.15g} is not a unix time in seconds between 1900 and 2200"
    for unit, per_second in _FINER_UNITS:
        if MIN_EPOCH <= value / per_second < MAX_EPOCH and abs(value) >= MAX_EPOCH:
            date = datetime.fromtimestamp(value / per_second, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return index, f"{why}; it looks like unix {unit} ({date}): divide the timestamps by {per_second}"
    return index, why
