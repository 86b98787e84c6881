"""A table of stamped values (a wide frame, or long (stamp, channel, value) rows) as a `Series` on its grid.

Wide: a timestamp column (`timestamp`, `time`, `date`, `datetime` or `epoch`, or a DatetimeIndex) and one numeric
column per channel. Long: columns `epoch`, `group`, `value` (ARFBench's layout); the JSON exports become long rows
too, so one parser serves them all. Both go through the repair policy (`repair.py`); every refusal names the source,
the column and the row.

A timestamp column (unix seconds, date strings, datetimes) is read as float unix seconds. Date strings may carry UTC
offsets, and an export that crosses a daylight-saving change carries two: every offset is honoured and the report
says how many there were. A string without a zone is read as UTC, unless other rows have one: then it is refused,
since its zone cannot be known.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.limits import ExportError, SizeLimits, check_size, first_bad_epoch, first_bad_value, quoted
from tsqa.arfbench.exports.repair import RepairPolicy, Repairs, combine, note_gaps, note_order, place
from tsqa.arfbench.schema import Series

# a zone written after a time of day: Z, +01:00, -0500, +01, UTC, GMT
_ZONE = re.compile(r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(Z|[+-]\d\d(?::?\d\d)?|UTC|GMT)$", re.IGNORECASE)
TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "epoch")
LONG_COLUMNS = ("epoch", "group", "value")
LONG_GROUPS = ("series", "metric")


def stamps_of(column: pd.Series, source: str, label: str, repairs: Repairs) -> np.ndarray:
    """(rows,) float64 unix seconds; refuses missing, true/false, unparsable and out-of-range stamps by row."""
    column = column.reset_index(drop=True)  # rows are counted by position
    missing = column.isna().to_numpy()
    if missing.any():
        raise ExportError(source, "missing timestamp", label, int(np.flatnonzero(missing)[0]))
    if pd.api.types.is_bool_dtype(column):
        raise ExportError(source, "true/false values are not timestamps", label)
    if pd.api.types.is_numeric_dtype(column):
        stamps = column.to_numpy(dtype=np.float64)
        _check_range(stamps, column, source, label, numeric=True)
        return stamps
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
        parsed = column if isinstance(column.dtype, pd.DatetimeTZDtype) else column.dt.tz_localize("UTC")
        stamps = _seconds(parsed, source, label)
        _check_range(stamps, column, source, label, numeric=False)
        return stamps
    odd = next((row for row, value in enumerate(column) if isinstance(value, (bool, np.bool_))), None)
    if odd is not None:
        raise ExportError(source, "true/false values are not timestamps", label, odd)
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    stamps = numbers.copy()
    dates = np.isnan(numbers)  # the rest are unix seconds, written as text or mixed with dates
    if dates.any():
        stamps[dates] = _dates(column[dates], source, label, repairs)
    bad = first_bad_epoch(stamps)
    if bad is not None:
        _check_range(stamps, column, source, label, numeric=not dates[bad[0]])
    return stamps


def _dates(column: pd.Series, source: str, label: str, repairs: Repairs) -> np.ndarray:
    """Date strings as unix seconds, each UTC offset honoured."""
    text = column.astype(str).str.strip()
    zones = text.str.extract(_ZONE, expand=False)
    aware = zones.notna().to_numpy()
    if aware.any() and not aware.all():
        naive, zoned = int(np.argmin(aware)), int(np.argmax(aware))
        raise ExportError(source, f"{quoted(text.iloc[naive])} has no time zone while other rows have one (row "
                                  f"{column.index[zoned]}: {quoted(text.iloc[zoned])}); give every timestamp its UTC "
                                  "offset, or none",
                          label, int(column.index[naive]), "a timestamp without a time zone among timestamps with one")
    offsets = sorted(set(zones[aware].map(_offset)))
    if len(offsets) > 1:
        shown = ", ".join(offsets[:4]) + (", ..." if len(offsets) > 4 else "")
        repairs.note(f"timestamps in {len(offsets)} UTC offsets ({shown}) read as UTC")
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    failed = parsed.isna().to_numpy()
    if failed.any():  # other layouts ("03/10/2024 01:00"), parsed one by one
        parsed[failed] = pd.to_datetime(text[failed], utc=True, errors="coerce", format="mixed")
        failed = parsed.isna().to_numpy()
    if failed.any():
        row = int(np.flatnonzero(failed)[0])
        raise ExportError(source, f"{quoted(column.iloc[row])} is not a timestamp", label, int(column.index[row]),
                          "not a timestamp")
    return _seconds(parsed, source, label)


def _offset(zone: str) -> str:
    """A zone as a report shows it: +01:00, Z (UTC and GMT included)."""
    zone = zone.upper().replace(":", "")
    if zone in ("Z", "UTC", "GMT"):
        return "Z"
    return f"{zone[:3]}:{zone[3:] or '00'}"


def _seconds(parsed: pd.Series, source: str, label: str) -> np.ndarray:
    try:
        return ((parsed - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise ExportError(source, "timestamps before 1900 or after 2200", label) from None


def _check_range(stamps: np.ndarray, column: pd.Series, source: str, label: str, numeric: bool) -> None:
    bad = first_bad_epoch(stamps)
    if bad is not None:
        detail = bad[1] if numeric else f"{quoted(column.iloc[bad[0]])} is before 1900 or after 2200"
        raise ExportError(source, detail, label, bad[0], "a timestamp before 1900 or after 2200")


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
