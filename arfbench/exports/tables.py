"""A table of stamped values (a wide frame, or long (stamp, channel, value) rows) as a `Series` on its grid.

Wide: a timestamp column (`timestamp`, `time`, `date`, `datetime` or `epoch`, or a DatetimeIndex) and one numeric
column per channel. Long: columns `epoch`, `group`, `value` (ARFBench's layout); the JSON exports become long rows
too, so one parser serves them all. Both go through the repair policy (`repair.py`); every refusal names the source,
the column and the row.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.limits import ExportError, SizeLimits, check_size, first_bad_value, quoted
from tsqa.arfbench.exports.repair import RepairPolicy, Repairs, combine, note_gaps, note_order, place
from tsqa.arfbench.exports.timestamps import stamps_of
from tsqa.arfbench.schema import Series

TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "epoch")
LONG_COLUMNS = ("epoch", "group", "value")
LONG_GROUPS = ("series", "metric")


@dataclass
class LongRows:
    """Long-format rows, decoded: what every long source (CSV, parquet, the JSON exports) becomes."""

    stamps: np.ndarray  # (n,) float64 unix seconds
    codes: np.ndarray  # (n,) int64 index into `names`
    names: list[str]  # channel names, distinct
    values: np.ndarray  # (n,) float64, NaN = missing
    where: Callable[[int], tuple[str | None, int]] = lambda row: (None, row)  # row -> (column, row) in a refusal


def series_from_frame(frame: pd.DataFrame, name: str, source: str, policy: RepairPolicy = RepairPolicy(),
                      limits: SizeLimits = SizeLimits()) -> Series:
    """A wide or long DataFrame as a `Series`, repaired by `policy`."""
    if frame.empty:
        raise ExportError(source, "no rows")
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise ExportError(source, f"column name {str(duplicated[0])!r} appears more than once; rename the copies")
    repairs = Repairs(source, policy.strict)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    time_column = next((columns[c] for c in TIME_COLUMNS if c in columns), None)
    long = _long_columns(columns, time_column)
    if long is not None:
        return long_series(long_rows(frame, long, source, repairs), name, source, policy, limits, repairs)
    if isinstance(frame.index, pd.DatetimeIndex):
        stamps = stamps_of(frame.index.to_series(), source, "index", repairs)
        return _wide_series(frame, stamps, name, source, policy, limits, repairs)
    if time_column is None:
        time_column = _dates_first(frame, source)
    stamps = stamps_of(frame[time_column], source, str(time_column), repairs)
    return _wide_series(frame.drop(columns=[time_column]), stamps, name, source, policy, limits, repairs)


def _long_columns(columns: dict[str, object], time_column: object) -> dict[str, object] | None:
    """The long layout's columns: `epoch, group, value`, or exactly a time column, `value` and a `series` or
    `metric` column naming the channel (as Grafana's "series as rows" export has it); None for a wide frame."""
    if set(LONG_COLUMNS) <= set(columns):
        return {c: columns[c] for c in LONG_COLUMNS}
    group = next((columns[c] for c in LONG_GROUPS if c in columns), None)
    if len(columns) == 3 and time_column is not None and group is not None and "value" in columns:
        return {"epoch": time_column, "group": group, "value": columns["value"]}
    return None


def _dates_first(frame: pd.DataFrame, source: str) -> object:
    """A first column of date strings is the time column whatever its name; else the frame is refused."""
    first = frame.columns[0]
    if frame[first].dtype == object:
        sample = frame[first].head(100).astype(str)
        if pd.to_datetime(sample, errors="coerce", format="mixed", utc=True).notna().all():
            return first
    raise ExportError(source, f"no timestamp column; name one of {', '.join(TIME_COLUMNS)} (or put date strings in the "
                              "first column), or use the long format with columns epoch, group, value")


def long_rows(frame: pd.DataFrame, columns: dict[str, object], source: str, repairs: Repairs) -> LongRows:
    """The long columns of a frame, checked: stamps, text channel names, numbers."""
    stamps = stamps_of(frame[columns["epoch"]], source, "epoch", repairs)
    groups = frame[columns["group"]]
    missing = groups.isna().to_numpy()
    if missing.any():
        raise ExportError(source, "missing channel name", "group", int(np.flatnonzero(missing)[0]))
    text = groups.dtype == object and pd.api.types.infer_dtype(groups, skipna=False) == "string"
    odd = None if text else next((row for row, g in enumerate(groups) if not isinstance(g, (str, int, float, np.number))
                                  or isinstance(g, (bool, np.bool_))), None)
    if odd is not None:
        raise ExportError(source, f"a channel name must be text, got {type(groups.iloc[odd]).__name__}", "group", odd)
    codes, names = pd.factorize(groups.astype(str))
    values = numbers(frame[columns["value"]], source, "value")
    return LongRows(stamps, codes.astype(np.int64), [str(n) for n in names], values)


def numbers(column: pd.Series, source: str, label: str) -> np.ndarray:
    """(rows,) float64 from a column of numbers (empty cells missing); text and true/false are refused by row."""
    if pd.api.types.is_bool_dtype(column):
        raise ExportError(source, "true/false is not a series value; use 1 and 0", label, 0)
    if column.dtype == object:
        odd = next((row for row, v in enumerate(column) if isinstance(v, (bool, np.bool_))
                    or (isinstance(v, str) and v.strip().lower() in ("true", "false"))), None)
        if odd is not None:
            raise ExportError(source, "true/false is not a series value; use 1 and 0", label, odd)
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna() & (column.astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ExportError(source, f"{quoted(column.iloc[row])} is not a number", label, row, "not a number")
    array = values.to_numpy(dtype=np.float64)
    bad_value = first_bad_value(array)
    if bad_value is not None:
        raise ExportError(source, bad_value[1], label, bad_value[0])
    return array


def _wide_values(frame: pd.DataFrame, source: str) -> np.ndarray:
    """(rows, channels) float64: numeric columns checked at once, the others (text, flags) one by one."""
    plain = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes)
    if not plain:
        return np.stack([numbers(frame[c], source, str(c)) for c in frame.columns], axis=1)
    values = frame.to_numpy(dtype=np.float64)
    bad = first_bad_value(values)
    if bad is not None:
        row, column = divmod(bad[0], values.shape[1])
        raise ExportError(source, bad[1], str(frame.columns[column]), row)
    return values


def _distinct(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct stamps ascending, the first row of each, each row's index into them); hashed, not sorted, since a
    long file has far more rows than distinct stamps."""
    codes, uniques = pd.factorize(stamps)  # codes numbered in order of first appearance
    running = np.maximum.accumulate(codes)
    first_rows = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.asarray(uniques, dtype=np.float64)[order], first_rows[order], rank[codes]


def _wide_series(frame: pd.DataFrame, stamps: np.ndarray, name: str, source: str, policy: RepairPolicy,
                 limits: SizeLimits, repairs: Repairs) -> Series:
    if frame.shape[1] == 0:
        raise ExportError(source, "no value columns besides the timestamps")
    check_size(len(frame), frame.shape[1], source, limits)
    values = _wide_values(frame, source)
    note_order(stamps, None, repairs)
    distinct, firsts, inverse = _distinct(stamps)
    placement = place(distinct, firsts, policy, repairs)
    check_size(placement.steps, values.shape[1], source, limits)
    grid = combine(placement.slots[inverse], values, placement.steps, np.arange(len(stamps)), placement, repairs,
                   "repeated stamp")
    return _series(grid, [str(c) for c in frame.columns], placement, name, source, repairs)


def long_series(rows: LongRows, name: str, source: str, policy: RepairPolicy = RepairPolicy(),
                limits: SizeLimits = SizeLimits(), repairs: Repairs | None = None) -> Series:
    """The one long-format parser: (stamp, channel, value) rows pivoted onto the grid, channels sorted by name."""
    repairs = repairs or Repairs(source, policy.strict)
    repairs.where = rows.where
    if not len(rows.stamps):
        raise ExportError(source, "no rows")
    note_order(rows.stamps, rows.codes, repairs)
    distinct, firsts, inverse = _distinct(rows.stamps)
    check_size(len(distinct), len(rows.names), source, limits)  # the pivot's own size, before the grid exists
    placement = place(distinct, firsts, policy, repairs)
    width = len(rows.names)
    check_size(placement.steps, width, source, limits)
    order = np.argsort(rows.names, kind="stable")
    rank = np.empty(width, dtype=np.int64)
    rank[order] = np.arange(width)
    keys = placement.slots[inverse] * width + rank[rows.codes]
    grid = combine(keys, rows.values, placement.steps * width, np.arange(len(keys)), placement, repairs,
                   "repeated (stamp, channel) value")
    return _series(grid.reshape(placement.steps, width), [rows.names[i] for i in order], placement, name, source,
                   repairs)


def _series(grid: np.ndarray, channels: list[str], placement, name: str, source: str, repairs: Repairs) -> Series:
    if np.isnan(grid).all():
        raise ExportError(source, "every value is missing")
    note_gaps(placement.slots, placement.interval, repairs)
    timestamps = placement.start + np.arange(placement.steps, dtype=np.int64) * placement.interval
    return Series(name=name, channels=channels, timestamps=timestamps, values=grid, interval=placement.interval,
                  repairs=list(repairs.lines))
