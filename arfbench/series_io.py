"""Long-format parquet (`epoch`, `group`, `value`) to and from a `Series` on a regular grid.

Reading raises FileFormatError (a ValueError) naming the file and the column at fault, so the loader can report
it and go on.
"""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tsqa.arfbench.exports.limits import (
    MAX_CELLS,
    ExportError,
    RepairRefused,
    SeriesTooLarge,
    SizeLimits,
    first_bad_epoch,
    first_bad_value,
)
from tsqa.arfbench.exports.repair import RepairPolicy
from tsqa.arfbench.exports.tables import LongRows, long_series
from tsqa.arfbench.problems import FileFormatError
from tsqa.arfbench.schema import Series

COLUMNS = ("epoch", "group", "value")


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


def _rows(path: Path) -> LongRows:
    """The file's long rows, decoded by type (the long parser checks the rest)."""
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
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return LongRows(epochs.astype(np.float64), codes, encoded.dictionary.to_pylist(), values)


def read_series(path: Path, name: str, interval: int, strict: bool = False) -> Series:
    """Pivot a long-format file to (time, channels) on its `interval` grid; channels sorted, missing cells NaN.

    A user's dataset may hold real exports, so its files are repaired by the one policy (`exports.repair`) and the
    repairs travel on `Series.repairs`; `strict` (what `tsqa validate` checks) refuses a file that would need one,
    with the repair named.
    """
    policy = RepairPolicy(strict=strict, interval=interval)
    limits = SizeLimits(max_steps=MAX_CELLS, max_channels=MAX_CELLS, max_cells=MAX_CELLS)
    try:
        return long_series(_rows(path), name, str(path), policy, limits)
    except SeriesTooLarge as err:
        raise FileFormatError(path, "parquet", str(err).removeprefix(f"{path}: ")) from None
    except ExportError as err:
        field = err.field or ("epoch" if isinstance(err, RepairRefused) else "parquet")
        detail = err.detail if err.row is None else f"row {err.row}: {err.detail}"
        raise FileFormatError(path, field, detail) from None


def check_series_file(path: Path, interval: int) -> None:
    """Raises FileFormatError for a file that is unreadable or needs a repair: a dataset's files should not."""
    read_series(path, path.stem, interval, strict=True)


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
