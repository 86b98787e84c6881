"""A timestamp column (unix seconds, date strings, datetimes) as float unix seconds.

Date strings may carry UTC offsets, and an export that crosses a daylight-saving change carries two: every offset
is honoured and the report says how many there were. A string without a zone is read as UTC, unless other rows have
one: then it is refused, since its zone cannot be known.
"""

import re

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.limits import ExportError, first_bad_epoch, quoted
from tsqa.arfbench.exports.repair import Repairs

# a zone written after a time of day: Z, +01:00, -0500, +01, UTC, GMT
_ZONE = re.compile(r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(Z|[+-]\d\d(?::?\d\d)?|UTC|GMT)$", re.IGNORECASE)


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
