"""`load_series`: what a user hands `ask`, `serve` or the label pages (a file, a DataFrame, an array) as a `Series`.

A file's format is told by its content, not its name: parquet, one of the JSON exports, or CSV. Each is checked for
size before it is parsed: a JSON export by its bytes, a parquet file by its schema and row count, a CSV by its header
line, read and checked in bounded work before any parser sees the file (a header of a million columns and no rows is
8 MB, and pandas' parsing time grows with the square of its width): read up to a byte budget that follows the channel
limit, its columns counted, duplicate names refused (pandas would silently rename the second `cpu` to `cpu.1`).
"""

import csv
import io
import json
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tsqa.arfbench.exports.limits import (
    ExportError,
    SeriesTooLarge,
    SizeLimits,
    check_size,
    first_bad_epoch,
    first_bad_value,
    quoted,
)
from tsqa.arfbench.exports.repair import RepairPolicy, Repairs
from tsqa.arfbench.exports.tables import long_series, series_from_frame
from tsqa.arfbench.schema import Series

ARRAY_INTERVAL = 60  # an array's step when none is given
MAX_JSON_BYTES = 256 * 2**20  # a JSON export is held in memory as Python objects, about ten times its size
_SNIFF = 4096
BYTES_PER_COLUMN = 256  # the longest channel name a header line may spend on average, quotes and comma included
MIN_HEADER_BYTES = 64 * 1024


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


def file_format(path: Path) -> str:
    """'parquet', 'json' or 'csv', from the first bytes of the file; binary files that are neither are refused."""
    with path.open("rb") as stream:
        head = stream.read(_SNIFF)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "json"
    if b"\0" in head:
        from tsqa.arfbench.exports.json_exports import FORMATS

        raise ExportError(str(path), f"a binary file, not CSV, parquet or {FORMATS}")
    return "csv"


def read_series_file(path: Path, name: str, policy: RepairPolicy = RepairPolicy(),
                     limits: SizeLimits = SizeLimits()) -> Series:
    """One `Series` from a file in any of the supported formats, repaired by `policy`."""
    source = str(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    kind = file_format(path)
    if kind == "json":
        from tsqa.arfbench.exports.json_exports import export_rows

        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise SeriesTooLarge(f"{source}: a JSON export of {size} bytes is more than the limit of "
                                 f"{MAX_JSON_BYTES}; export a shorter range or fewer series")
        try:
            document = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as err:
            raise ExportError(source, f"cannot be read as JSON ({str(err)[:120]})") from None
        repairs = Repairs(source, policy.strict)
        return long_series(export_rows(document, source, repairs), name, source, policy, limits, repairs)
    frame = _parquet(path, source, limits) if kind == "parquet" else _csv(path, source, limits)
    return series_from_frame(frame, name, source, policy, limits)


def _parquet(path: Path, source: str, limits: SizeLimits) -> pd.DataFrame:
    try:
        metadata = pq.read_metadata(path)
        if metadata.num_columns - 1 > limits.max_channels:
            raise SeriesTooLarge(f"{source}: {metadata.num_columns} columns, more than the limit of "
                                 f"{limits.max_channels} channels")
        long = {"epoch", "group", "value"} <= {n.strip().lower() for n in metadata.schema.names}
        cells = metadata.num_rows * (1 if long else max(metadata.num_columns - 1, 1))
        if cells > limits.max_cells:
            raise SeriesTooLarge(f"{source}: {metadata.num_rows} rows hold {cells} values, more than the limit of "
                                 f"{limits.max_cells} cells")
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException, ValueError) as err:
        if isinstance(err, SeriesTooLarge):
            raise
        raise ExportError(source, f"cannot be read as parquet ({str(err)[:200]})") from None


def _csv(path: Path, source: str, limits: SizeLimits) -> pd.DataFrame:
    with path.open("rb") as stream:
        header = header_line(stream, source, limits)
        check_header_text(header, source, limits)
        try:
            return pd.read_csv(stream, sep=delimiter(header))
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:  # EmptyDataError is a ValueError
            raise ExportError(source, f"cannot be read as CSV ({str(err).strip()[:200]})") from None


def header_budget(limits: SizeLimits) -> int:
    """Bytes the header line may take: room for the channel limit at `BYTES_PER_COLUMN` each."""
    return max(MIN_HEADER_BYTES, (limits.max_channels + 1) * BYTES_PER_COLUMN)


def delimiter(line: str) -> str:
    """The header's field separator: a comma, else a semicolon or tab (spreadsheets in some locales write those)."""
    if "," in line:
        return ","
    return max((";", "\t"), key=line.count) if (";" in line or "\t" in line) else ","


def header_line(stream: BinaryIO, source: str, limits: SizeLimits) -> str:
    """The first line, read within `header_budget` bytes; `stream` is left where it began."""
    budget = header_budget(limits)
    start = stream.tell()
    line = stream.readline(budget + 1)
    stream.seek(start)
    if len(line) > budget and not line.endswith(b"\n"):
        raise SeriesTooLarge(f"{source}: the header line is longer than {budget} bytes, more than "
                             f"{limits.max_channels} channels can need; is this a CSV file?")
    return line.decode("utf-8-sig", errors="replace")


def check_header_text(line: str, source: str, limits: SizeLimits) -> list[str]:
    """The column names of one header line: refused when too many (the time column aside) or repeated."""
    separator = delimiter(line)
    width = line.count(separator) + 1
    if width - 1 > limits.max_channels:
        raise SeriesTooLarge(f"{source}: the header has {width} columns, more than the limit of {limits.max_channels} "
                             "channels")
    names = next(csv.reader(io.StringIO(line), delimiter=separator), [])
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            raise ExportError(source, f"columns {seen[name]} and {index} are both named {quoted(name)}; rename one "
                                      "(channel names must be unique)")
        seen[name] = index
    return names


def check_file_header(path: Path, max_columns: int, what: str) -> None:
    """Refuse a CSV file of a fixed format (`what`: "a results file") whose header is wider than the format can be
    (`max_columns`), in bounded work, before pandas reads it."""
    limits = SizeLimits(max_channels=max_columns)
    with open(path, "rb") as stream:
        line = header_line(stream, str(path), limits)
    width = line.count(delimiter(line)) + 1
    if width > max_columns:
        raise ValueError(f"{path}: its header has {width} columns, more than {what} has (at most {max_columns})")
