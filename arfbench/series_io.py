"""Long-format parquet (`epoch`, `group`, `value`) to and from a `Series` on a regular grid.

Reading raises FileFormatError (a ValueError) naming the file and the column at fault, so the loader can report
it and go on.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tsqa.arfbench.problems import FileFormatError
from tsqa.arfbench.schema import Series
from tsqa.arfbench.value_range import first_bad_epoch, first_bad_value

COLUMNS = ("epoch", "group", "value")
MAX_CELLS = 200_000_000  # steps x channels beyond which a file is refused rather than allocated (1.6 GB)


def _open_table(path: Path, columns: list[str]) -> pa.Table:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as err:
        raise FileFormatError(path, "parquet", f"not a readable parquet file ({err})") from None
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise FileFormatError(path, "parquet", f"missing column(s) {missing}; found {schema.names}")
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as err:
        raise FileFormatError(path, "parquet", f"not a readable parquet file ({err})") from None


def _epochs(table: pa.Table, path: Path) -> np.ndarray:
    column = table.column("epoch")
    if pa.types.is_timestamp(column.type):
        try:
            column = pc.cast(column, pa.timestamp("s")).cast(pa.int64())
        except pa.ArrowException as err:
            raise FileFormatError(path, "epoch", f"timestamps cannot be read as seconds ({err})") from None
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        raise FileFormatError(path, "epoch", f"expected unix seconds, got type {column.type}")
    if column.null_count:
        raise FileFormatError(path, "epoch", f"{column.null_count} missing value(s)")
    raw = column.to_numpy()
    bad = first_bad_epoch(raw)
    if bad is not None:
        raise FileFormatError(path, "epoch", f"row {bad[0]}: {bad[1]}")
    epochs = raw.astype(np.int64)
    if raw.dtype.kind == "f" and not np.array_equal(epochs, raw):
        raise FileFormatError(path, "epoch", "values are not whole seconds")
    return epochs


def steps_in_file(path: Path, interval: int) -> int:
    """Grid length of a file without reading its values: what the loader compares with its step limit."""
    epochs = _epochs(_open_table(path, ["epoch"]), path)
    if len(epochs) == 0:
        raise FileFormatError(path, "epoch", "the file has no rows")
    return int((epochs.max() - epochs.min()) // interval) + 1


@dataclass
class _Cells:
    """A long-format file's rows, checked: grid row and channel column of every value."""

    start: int  # first epoch
    steps: int
    names: list[str]  # channel names, in the file's order of first appearance
    rank: np.ndarray  # (channels,) each name's position in sorted order
    rows: np.ndarray  # (cells,) grid step of each value
    columns: np.ndarray  # (cells,) sorted channel index of each value
    values: np.ndarray  # (cells,) float64


def _read_cells(path: Path, interval: int) -> _Cells:
    """Every row of the file decoded and checked (columns, types, grid, duplicates, size) without pivoting."""
    table = _open_table(path, list(COLUMNS))
    if table.num_rows == 0:
        raise FileFormatError(path, "parquet", "the file has no rows")
    epochs = _epochs(table, path)
    value_column = table.column("value")
    if not (pa.types.is_integer(value_column.type) or pa.types.is_floating(value_column.type)):
        raise FileFormatError(path, "value", f"non-numeric values (type {value_column.type})")
    values = value_column.to_numpy(zero_copy_only=False).astype(np.float64)
    bad = first_bad_value(values)
    if bad is not None:
        raise FileFormatError(path, "value", f"row {bad[0]}: {bad[1]}")
    group_column = table.column("group")
    if group_column.null_count:
        raise FileFormatError(path, "group", f"{group_column.null_count} missing channel name(s)")
    try:
        encoded = pc.dictionary_encode(group_column.cast(pa.string())).combine_chunks()
    except pa.ArrowException as err:
        raise FileFormatError(path, "group", f"channel names are not text ({err})") from None
    names = encoded.dictionary.to_pylist()
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    columns = rank[encoded.indices.to_numpy()]

    start = int(epochs.min())
    offsets = epochs - start
    if (offsets % interval).any():
        raise FileFormatError(path, "epoch", f"timestamps are not on a {interval}s grid starting at {start}")
    rows = offsets // interval
    steps = int(rows.max()) + 1
    if steps * len(names) > MAX_CELLS:
        raise FileFormatError(path, "parquet", f"{steps} steps x {len(names)} channels is too large to load")
    flat = rows * len(names) + columns
    if len(np.unique(flat)) != len(flat):
        raise FileFormatError(path, "epoch/group", "duplicate (epoch, group) rows")
    return _Cells(start, steps, names, rank, rows, columns, values)


def check_series_file(path: Path, interval: int) -> None:
    """Raises FileFormatError for a file `read_series` would refuse; reads it whole but builds no grid."""
    _read_cells(path, interval)


def read_series(path: Path, name: str, interval: int) -> Series:
    """Pivot a long-format file to (time, channels); channels sorted, missing cells NaN."""
    cells = _read_cells(path, interval)
    grid = np.full((cells.steps, len(cells.names)), np.nan)
    grid[cells.rows, cells.columns] = cells.values
    timestamps = cells.start + np.arange(cells.steps, dtype=np.int64) * interval
    channels = [cells.names[i] for i in np.argsort(cells.rank)]
    return Series(name=name, channels=channels, timestamps=timestamps, values=grid, interval=interval)


def write_series(series: Series, path: Path) -> None:
    """Every cell becomes a row, NaN included, so the grid (and its empty ends) reads back exactly."""
    steps, width = series.values.shape
    table = pa.table(
        {
            "epoch": pa.array(np.repeat(series.timestamps, width), type=pa.int64()),
            "group": pa.array(np.tile(np.asarray(series.channels, dtype=object), steps), type=pa.string()),
            "value": pa.array(series.values.reshape(-1), type=pa.float64()),
        }
    )
    pq.write_table(table, path)


def resample(series: Series, interval: int) -> Series:
    """Mean over buckets of `interval` seconds aligned to the epoch (empty buckets NaN): the coarser published files."""
    if interval % series.interval:
        raise ValueError(f"series {series.name!r}: {interval}s is not a multiple of its {series.interval}s interval")
    buckets = series.timestamps // interval * interval
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    observed = ~np.isnan(series.values)
    sums = np.add.reduceat(np.where(observed, series.values, 0.0), starts, axis=0)
    counts = np.add.reduceat(observed, starts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    stamps = buckets[starts]
    grid = np.arange(stamps[0], stamps[-1] + interval, interval, dtype=np.int64)
    values = np.full((len(grid), len(series.channels)), np.nan)
    values[(stamps - stamps[0]) // interval] = means
    return Series(series.name, list(series.channels), grid, values, interval)
