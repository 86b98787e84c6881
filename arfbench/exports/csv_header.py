"""A CSV's header read and checked in bounded work before any parser sees the file.

A header of a million columns and no rows is 8 MB; handed to pandas, parsing time grows with the square of its
width. The header line is read up to a byte budget that follows the channel limit, its columns counted, and
duplicate names refused (pandas would silently rename the second `cpu` to `cpu.1`).
"""

import csv
import io
from pathlib import Path
from typing import BinaryIO

from tsqa.arfbench.exports.errors import ExportError, quoted
from tsqa.arfbench.exports.limits import SeriesTooLarge, SizeLimits

BYTES_PER_COLUMN = 256  # the longest channel name a header line may spend on average, quotes and comma included
MIN_HEADER_BYTES = 64 * 1024


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
