"""Per-row 0/1 labels, one file per series named as the series (`<series>.csv`), in one of two layouts:

- a label file: one column of 0/1 with or without a header, one row per step of the series, or a time column
  (`timestamp`, `time`, ...) and the label column;
- the series file itself, the label a column beside the values (`timestamp,value,label`, as many published sets keep
  it): the label column is read with the series and then left out of it (`label_columns` in the labels
  file), so no plot or question shows it.

Fields may be separated by commas, semicolons or tabs, as in series files; a parquet series file is read too. Each
run of 1s becomes one window with its exact onset (the first 1) and end (the first 0 after it); a run that reaches
the last row is not resolved. A series file's rows are placed on steps by the series' own reader (jittered stamps
snapped, repeated ones combined: a step is anomalous if any row on it is); a label file's rows by their time, each on
the nearest step. A step no row falls on is anomalous only where the series' reader kept a gap between
two anomalous steps, so a gap in the data does not split a window. A file of only 0s marks the series as having no
anomaly.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tsqa.arfbench.exports.load import delimiter
from tsqa.arfbench.exports.tables import TIME_COLUMNS
from tsqa.arfbench.incident_labels import OTHER, LabelsError
from tsqa.arfbench.schema import Series
from tsqa.label.importing.common import Importer, nearest_step, parse_time


UNKNOWN = -1  # a step no label row falls on
LABEL_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


@dataclass
class LabelRows:
    labels: np.ndarray  # (rows,) int8, 0 or 1
    times: list[str] | None  # the time text of each row, None when the file has no time column
    column: str | None  # the label column's header as written, None without a header


def _cells(path: Path) -> list[list[str]]:
    """Header and rows as text: CSV as written, parquet with date-time columns as unix seconds."""
    if path.suffix.lower() == ".parquet":
        return _parquet_cells(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LabelsError(f"{path}: not UTF-8 text; label files are CSV (or a parquet series file)") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise LabelsError(f"{path}: empty label file")
    return [[cell.strip() for cell in row] for row in csv.reader(lines, delimiter=delimiter(lines[0]))]


def _parquet_cells(path: Path) -> list[list[str]]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as err:
        raise LabelsError(f"{path}: cannot be read as parquet ({str(err)[:200]})") from None
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            frame[name] = frame[name].map(lambda stamp: str(int(stamp.timestamp())) if pd.notna(stamp) else "")
    header = [str(name) for name in frame.columns]
    return [header] + [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def _read(path: Path, column: str, series_file: bool) -> LabelRows:
    """The 0/1 labels of one file; in a series file every other column is a channel, elsewhere it is refused."""
    cells = _cells(path)
    header = [c.lower() for c in cells[0]]
    has_header = any(not _is_number(c) for c in header)
    if not has_header and len(cells[0]) > 1:
        raise LabelsError(f"{path}: {len(cells[0])} columns without a header; name them ({column!r} and a time column)")
    times = [c for c in header if c in TIME_COLUMNS] if has_header else []
    if has_header:
        if column not in header:
            raise LabelsError(f"{path}: no column {column!r} (it has {cells[0]}); name the label column with --column")
        unknown = [c for c in header if c not in TIME_COLUMNS and c != column]
        if (unknown and not series_file) or len(times) > 1:
            hint = "" if series_file else "; labels kept in a series file are read from that file in the --data folder"
            raise LabelsError(f"{path}: unknown column(s) {unknown or header}; expected {column!r} and at most one of "
                              f"{list(TIME_COLUMNS)}{hint}")
    label_at = header.index(column) if has_header else 0
    time_at = header.index(times[0]) if times else None
    rows = cells[1:] if has_header else cells
    if not rows:
        raise LabelsError(f"{path}: a header but no label rows")
    labels = np.zeros(len(rows), dtype=np.int8)
    for number, line in enumerate(rows, start=1 + int(has_header)):
        if len(line) != len(header):
            raise LabelsError(f"{path}, row {number}: {len(line)} fields, expected {len(header)}")
        text = line[label_at].lower()
        if text not in LABEL_VALUES:
            raise LabelsError(f"{path}, row {number}, field {column!r}: {line[label_at]!r} is not 0 or 1")
        labels[number - 1 - int(has_header)] = LABEL_VALUES[text]
    return LabelRows(labels, [line[time_at] for line in rows] if time_at is not None else None,
                     cells[0][label_at] if has_header else None)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def bridge_gaps(per_step: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """0/1 per step from labels with UNKNOWN where no row fell: a step the series' reader kept as missing (`missing`)
    between two anomalous steps is anomalous, so a gap in the data does not split a window; any other is 0."""
    known = np.flatnonzero(per_step != UNKNOWN)
    if not len(known):
        return np.zeros_like(per_step)
    steps = np.arange(len(per_step))
    before = known[np.clip(np.searchsorted(known, steps, side="right") - 1, 0, None)]
    after = known[np.clip(np.searchsorted(known, steps, side="left"), None, len(known) - 1)]
    inside = (before <= steps) & (steps <= after) & missing
    bridged = inside & (per_step[before] == 1) & (per_step[after] == 1)
    return np.where(per_step == UNKNOWN, bridged, per_step).astype(np.int8)


def _from_series_file(path: Path, name: str, column: str, series: Series) -> np.ndarray:
    """The label column per step as the series' own reader places the rows (jitter, regridding, repeated stamps
    combined: a step is anomalous if any row on it is), UNKNOWN where the reader kept a gap."""
    from tsqa.arfbench.exports import load_series

    whole = load_series(path, name)
    at = next(i for i, channel in enumerate(whole.channels) if channel.strip().lower() == column)
    if not np.array_equal(whole.timestamps, series.timestamps):
        raise LabelsError(f"{path}: the file changed while it was read; run the import again")
    values = whole.values[:, at]
    return np.where(np.isnan(values), UNKNOWN, values > 0).astype(np.int8)


def runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """[first, stop) of every run of 1s in a 0/1 array."""
    edges = np.diff(np.concatenate([[0], labels.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _series_name(importer: Importer, path: Path) -> tuple[str, bool]:
    """(the series the file labels, whether the file is that series' own file)."""
    own = {entry.path.resolve(): entry.name for entry in importer.source.files.values()}
    name = own.get(path.resolve())
    return (name, True) if name is not None else (path.stem, False)


def import_points(importer: Importer, paths: list[Path], column: str = "label", kind: str = OTHER) -> None:
    for path in paths:
        name, series_file = _series_name(importer, path)
        rows = _read(path, column.lower(), series_file)
        if series_file:
            if rows.column is None:
                raise LabelsError(f"{path}: a series file needs a header naming its label column {column!r}")
            importer.hide_column(rows.column, str(path))
        series = importer.series_named(name, str(path))
        steps = len(series.timestamps)
        if series_file:
            labels = _from_series_file(path, name, column.lower(), series)
            per_step = bridge_gaps(labels, labels == UNKNOWN)
        elif rows.times is None:
            if len(rows.labels) != steps:
                raise LabelsError(f"{path}: {len(rows.labels)} label rows but series {name!r} has {steps} steps; add "
                                  "a time column to align them")
            per_step = rows.labels
        else:
            per_step = np.full(steps, UNKNOWN, dtype=np.int8)
            for number, (text, value) in enumerate(zip(rows.times, rows.labels), start=2):
                where = f"{path}, row {number}"
                step = nearest_step(series, parse_time(text, where), where)
                per_step[step] = max(per_step[step], value)
            per_step = bridge_gaps(per_step, np.isnan(series.values).all(axis=1))
        found = runs(per_step)
        if not found:
            importer.mark_normal(name, str(path))
        for first, stop in found:
            where = f"{path}, {'rows' if rows.times is None and not series_file else 'steps'} {first + 1}-{stop}"
            if first == 0:
                importer.report.inferred.append(f"{where}: anomalous from the first row: under way when it begins")
            importer.add_window(name, first, stop if stop < steps else None, None, kind, where)
