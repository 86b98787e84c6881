"""`load_series`: what a user hands `ask`, `serve` or the label pages (a file, a DataFrame, an array) as a `Series`."""

from pathlib import Path

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.files import read_series_file
from tsqa.arfbench.exports.limits import SizeLimits, check_size
from tsqa.arfbench.exports.repair import RepairPolicy
from tsqa.arfbench.exports.tables import series_from_frame
from tsqa.arfbench.schema import Series
from tsqa.arfbench.value_range import first_bad_epoch, first_bad_value

ARRAY_INTERVAL = 60  # an array's step when none is given


def load_series(source: "str | Path | pd.DataFrame | np.ndarray | Series", name: str = "series", *,
                interval: int | None = None, start: int = 0, strict: bool = False,
                limits: SizeLimits = SizeLimits()) -> Series:
    """One `Series` from a file (CSV, parquet, Prometheus / Datadog / CloudWatch JSON), a DataFrame or an array.

    Files and frames are repaired by the stated policy (`exports.repair`), every repair listed in
    `Series.repairs`; `strict` refuses a file that needs one. `interval`: for files and frames, the grid step to
    resample to (default: the file's own step); for an array, its step (default 60 s) from `start`.
    """
    if isinstance(source, Series):
        check_size(len(source.timestamps), len(source.channels), source.name, limits)
        return source
    if isinstance(source, np.ndarray) or isinstance(source, (list, tuple)):
        return _from_array(np.asarray(source), name, ARRAY_INTERVAL if interval is None else interval, start, limits)
    policy = RepairPolicy(strict=strict, interval=interval)
    if isinstance(source, (str, Path)):
        path = Path(source)
        return read_series_file(path, name or path.stem, policy, limits)
    if isinstance(source, pd.DataFrame):
        return series_from_frame(source, name, "DataFrame", policy, limits)
    return _from_array(np.asarray(source), name, ARRAY_INTERVAL if interval is None else interval, start, limits)


def _from_array(array: np.ndarray, name: str, interval: int, start: int, limits: SizeLimits) -> Series:
    if array.dtype.kind not in "iuf":
        raise ValueError(f"array: expected numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"array: expected shape (time,) or (time, channels) with data, got {array.shape}")
    check_size(array.shape[0], array.shape[1], "array", limits)
    values = array.astype(np.float64)
    bad = first_bad_value(values)
    if bad is not None:
        step, channel = divmod(bad[0], values.shape[1])
        raise ValueError(f"array: step {step}, channel {channel}: {bad[1]}")
    if np.isnan(values).all():
        raise ValueError("array: every value is missing")
    if not _is_whole(interval) or interval < 1 or not _is_whole(start):
        raise ValueError(f"array: interval must be a positive whole number of seconds and start a whole unix time, "
                         f"got interval {interval!r}, start {start!r}")
    ends = first_bad_epoch([start, start + (len(values) - 1) * interval])
    if ends is not None:
        raise ValueError(f"array: the grid from start {start} every {interval}s: {ends[1]}")
    timestamps = start + np.arange(len(values), dtype=np.int64) * interval
    channels = [f"channel_{i}" for i in range(values.shape[1])]
    return Series(name=name, channels=channels, timestamps=timestamps, values=values, interval=interval)


def _is_whole(number: object) -> bool:
    return isinstance(number, (int, np.integer)) and not isinstance(number, bool)
