"""A CSV file's header checked alone, before a parser reads the file: pandas' work on a header grows with the square
of its column count (a header of 200,000 names took minutes), so a file of far more columns than its format has is
refused here, in milliseconds, with the count."""

import csv
import io
from pathlib import Path

MAX_HEADER_BYTES = 1 << 20  # a header longer than this is not one of the formats read with this check


def check_header_width(path: Path, max_columns: int, what: str) -> None:
    """Raise ValueError when the first record of `path` has more than `max_columns` cells (or is longer than
    MAX_HEADER_BYTES); `what` names the format in the message."""
    with open(path, "rb") as file:
        head = file.read(MAX_HEADER_BYTES + 1)
    try:
        first = next(csv.reader(io.StringIO(head.decode("utf-8", errors="replace"), newline="")), [])
    except csv.Error:
        return  # the parser reports a malformed file with its own words
    if len(first) > max_columns or (len(head) > MAX_HEADER_BYTES and b"\n" not in head):
        count = f"{len(first)}+" if len(head) > MAX_HEADER_BYTES else str(len(first))
        raise ValueError(f"{path}: its header has {count} columns, more than {what} has (at most {max_columns})")
