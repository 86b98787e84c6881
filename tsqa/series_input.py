"""Turning what a user hands `ask` (a file, a DataFrame, an array) into an `arfbench.Series`.

Accepted shapes:
- wide: a timestamp column (`timestamp`, `time`, `date`, `datetime` or `epoch`, or a DatetimeIndex) and one numeric
  column per channel;
- long: columns `epoch`, `group`, `value` (ARFBench's parquet layout), in CSV or parquet;
- an array shaped (time,) or (time, channels), placed on a grid of `interval` seconds from `start`.
Errors name the file, the column and the row at fault.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from tsqa.arfbench.schema import Series
from tsqa.arfbench.series_io import MAX_CELLS
from tsqa.arfbench.value_range import first_bad_epoch, first_bad_value

TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "epoch")
LONG_COLUMNS = {"epoch", "group", "value"}
# Answering a series (`TSQA.ask`, `tsqa ask`) holds about 40 bytes per steps x channels cell at its peak, while the CSV
# is parsed (benchmarks/scale.py: 1,000 to 4,000 channels x 4,096 steps); with some room, this many:
ANSWER_BYTES_PER_CELL = 48
ANSWER_RESERVE = 2**30  # besides the cells: encoding the channels the token budget keeps, the plot


@dataclass(frozen=True)
class SizeLimits:
    """Checked before the grid is allocated: a few timestamps far apart make a small file into a huge grid."""

    max_steps: int = 1_000_000
    max_channels: int = 10_000
    max_cells: int = MAX_CELLS  # steps x channels: what the grid's memory grows with
    memory: int | None = None  # bytes of available memory `max_cells` was computed from; None: a fixed limit

    @classmethod
    def answerable(cls, available: int | None = None) -> "SizeLimits":
        """The default limits, with at most the cells that `available` bytes (default: the memory available now)
        can answer: an oversized series is refused with the reason before its grid is allocated, instead of
        running the machine out of memory."""
        available = psutil.virtual_memory().available if available is None else available
        cells = max(0, available - ANSWER_RESERVE) // ANSWER_BYTES_PER_CELL
        return cls(max_cells=cells, memory=available) if cells < MAX_CELLS else cls()


class SeriesTooLarge(ValueError):
    """A series beyond `SizeLimits` (the server answers 413 to it, other bad input gets 400)."""


def load_series(source: "str | Path | pd.DataFrame | np.ndarray", name: str = "series", *, interval: int = 60,
                start: int = 0, limits: SizeLimits = SizeLimits()) -> Series:
    """One `Series` from a CSV/parquet path, a DataFrame or an array."""
    if isinstance(source, Series):
        _check_size(len(source.timestamps), len(source.channels), source.name, limits)
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        return _from_frame(_read_file(path), name or path.stem, str(path), limits)
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, name, "DataFrame", limits)
    return _from_array(np.asarray(source), name, interval, start, limits)


def _check_size(steps: int, channels: int, source: str, limits: SizeLimits) -> None:
    if steps > limits.max_steps:
        raise SeriesTooLarge(f"{source}: {steps} steps on its regular grid is more than the limit of "
                             f"{limits.max_steps}")
    if channels > limits.max_channels:
        raise SeriesTooLarge(f"{source}: {channels} channels is more than the limit of {limits.max_channels}")
    if steps * channels > limits.max_cells and limits.memory is not None:
        needed = (steps * channels * ANSWER_BYTES_PER_CELL + ANSWER_RESERVE) / 2**30
        raise SeriesTooLarge(f"{source}: {steps} steps x {channels} channels needs about {needed:.1f} GiB of memory "
                             f"to answer, and {limits.memory / 2**30:.1f} GiB is available: at most "
                             f"{limits.max_cells:,} cells (steps x channels) fit; pass fewer channels or a shorter "
                             "time range")
    if steps * channels > limits.max_cells:
        raise SeriesTooLarge(f"{source}: {steps} steps x {channels} channels on its regular grid is more than the "
                             f"limit of {limits.max_cells} cells")


def _read_file(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise ValueError(f"{path}: cannot be read as {suffix[1:]} ({err})") from None
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")


def _from_frame(frame: pd.DataFrame, name: str, source: str, limits: SizeLimits) -> Series:
    if frame.empty:
        raise ValueError(f"{source}: no rows")
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if LONG_COLUMNS <= set(columns):
        frame = _pivot_long(frame.rename(columns={columns[c]: c for c in LONG_COLUMNS}), source, limits)
        return _from_wide(frame, frame.index.to_numpy(), name, source, limits)
    if isinstance(frame.index, pd.DatetimeIndex):
        return _from_wide(frame, _epochs(frame.index.to_series(), source, "index"), name, source, limits)
    time_column = next((columns[c] for c in TIME_COLUMNS if c in columns), None)
    if time_column is None:
        raise ValueError(
            f"{source}: no timestamp column; name one of {', '.join(TIME_COLUMNS)} "
            "or use the long format with columns epoch, group, value"
        )
    epochs = _epochs(frame[time_column], source, str(time_column))
    return _from_wide(frame.drop(columns=[time_column]), epochs, name, source, limits)


def _pivot_long(frame: pd.DataFrame, source: str, limits: SizeLimits) -> pd.DataFrame:
    epochs = _epochs(frame["epoch"], source, "epoch")
    groups = frame["group"]
    if groups.isna().any():
        raise ValueError(f"{source}: column 'group', row {int(np.flatnonzero(groups.isna())[0])}: missing channel name")
    odd = next((row for row, name in enumerate(groups) if not isinstance(name, (str, int, float, np.number))), None)
    if odd is not None:
        raise ValueError(f"{source}: column 'group', row {odd}: a channel name must be text, got "
                         f"{type(groups.iloc[odd]).__name__}")
    _check_size(len(np.unique(epochs)), groups.nunique(), source, limits)  # the pivot's own size, before it exists
    values = _numeric(frame["value"], source, "value")
    long = pd.DataFrame({"epoch": epochs, "group": groups.astype(str), "value": values})
    duplicated = long.duplicated(["epoch", "group"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise ValueError(f"{source}: row {row}: duplicate (epoch, group) pair")
    return long.pivot(index="epoch", columns="group", values="value").sort_index(axis=1)


def _epochs(column: pd.Series, source: str, label: str) -> np.ndarray:
    """Unix seconds from numbers (seconds) or date strings / datetimes."""
    if column.isna().any():
        raise ValueError(f"{source}: column {label!r}, row {int(np.flatnonzero(column.isna().to_numpy())[0])}: "
                         "missing timestamp")
    if pd.api.types.is_bool_dtype(column):
        raise ValueError(f"{source}: column {label!r}: true/false values are not timestamps")
    if pd.api.types.is_numeric_dtype(column):
        raw = column.to_numpy(dtype=np.float64)
        _check_epochs(raw, source, label)
        epochs = raw.astype(np.int64)
        if not np.array_equal(raw, epochs):
            raise ValueError(f"{source}: column {label!r}: epochs must be whole unix seconds")
        return epochs
    parsed = pd.to_datetime(column, errors="coerce", utc=True)
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise ValueError(f"{source}: column {label!r}, row {row}: {column.iloc[row]!r} is not a timestamp")
    try:
        epochs = ((parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy()  # any datetime unit
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise ValueError(f"{source}: column {label!r}: timestamps before 1900 or after 2200") from None
    bad = first_bad_epoch(epochs)
    if bad is not None:
        raise ValueError(f"{source}: column {label!r}, row {bad[0]}: {column.iloc[bad[0]]!r} is before 1900 or "
                         "after 2200")
    return epochs


def _check_epochs(epochs: np.ndarray, source: str, label: str) -> None:
    bad = first_bad_epoch(epochs)
    if bad is not None:
        raise ValueError(f"{source}: column {label!r}, row {bad[0]}: {bad[1]}")


def _numeric(column: pd.Series, source: str, label: str) -> np.ndarray:
    values = column
    if not pd.api.types.is_numeric_dtype(column):  # a column parsed as numbers has nothing left to coerce
        values = pd.to_numeric(column, errors="coerce")
        bad = values.isna() & column.notna() & (column.astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{source}: column {label!r}, row {row}: {column.iloc[row]!r} is not a number")
    array = values.to_numpy(dtype=np.float64)
    bad = first_bad_value(array)
    if bad is not None:
        raise ValueError(f"{source}: column {label!r}, row {bad[0]}: {bad[1]}")
    return array


def _from_wide(frame: pd.DataFrame, epochs: np.ndarray, name: str, source: str, limits: SizeLimits) -> Series:
    if frame.shape[1] == 0:
        raise ValueError(f"{source}: no value columns besides the timestamps")
    _check_size(len(frame), frame.shape[1], source, limits)
    values = np.stack([_numeric(frame[c], source, str(c)) for c in frame.columns], axis=1)
    order = np.argsort(epochs, kind="stable")
    epochs, values = epochs[order], values[order]
    if len(epochs) > 1 and (np.diff(epochs) == 0).any():
        row = int(order[np.flatnonzero(np.diff(epochs) == 0)[0] + 1])
        raise ValueError(f"{source}: row {row}: duplicate timestamp {int(epochs[row])}")
    interval = _most_common_step(epochs)
    offsets = epochs - epochs[0]
    if (offsets % interval).any():
        row = int(order[np.flatnonzero(offsets % interval)[0]])
        raise ValueError(f"{source}: row {row}: timestamp off the {interval}s grid the other rows follow")
    steps = int(offsets[-1] // interval) + 1
    _check_size(steps, values.shape[1], source, limits)
    grid = np.full((steps, values.shape[1]), np.nan)
    grid[offsets // interval] = values
    if np.isnan(grid).all():
        raise ValueError(f"{source}: every value is missing")
    timestamps = epochs[0] + np.arange(steps, dtype=np.int64) * interval
    return Series(name=name, channels=[str(c) for c in frame.columns], timestamps=timestamps, values=grid,
                  interval=interval)


def _most_common_step(epochs: np.ndarray) -> int:
    """The grid interval: the most frequent gap between timestamps (the smaller on a tie), 60 s for one row."""
    if len(epochs) < 2:
        return 60
    steps, counts = np.unique(np.diff(epochs), return_counts=True)
    return int(steps[np.argmax(counts)])


def _from_array(array: np.ndarray, name: str, interval: int, start: int, limits: SizeLimits) -> Series:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"array: expected numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"array: expected shape (time,) or (time, channels) with data, got {array.shape}")
    _check_size(array.shape[0], array.shape[1], "array", limits)
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
