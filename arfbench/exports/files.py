"""A user's series file, its format told by its content (not its name): parquet, one of the JSON exports, or CSV.

Each is checked for size before it is parsed: a CSV by its header line (`csv_header`), a JSON export by its bytes,
a parquet file by its schema and row count.
"""

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tsqa.arfbench.exports.csv_header import check_header_text, delimiter, header_line
from tsqa.arfbench.exports.errors import ExportError
from tsqa.arfbench.exports.limits import SeriesTooLarge, SizeLimits
from tsqa.arfbench.exports.repair import RepairPolicy, Repairs
from tsqa.arfbench.exports.tables import long_series, series_from_frame
from tsqa.arfbench.schema import Series

MAX_JSON_BYTES = 256 * 2**20  # a JSON export is held in memory as Python objects, about ten times its size
_SNIFF = 4096


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
