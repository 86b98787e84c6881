"""Per-row 0/1 labels: one label file per series, named as the series (`<series>.csv`), either one column of 0/1 with
or without a header, one row per step of the series, or a time column (`timestamp`, `time`, ...) and the label
column. Each run of 1s becomes one window with its exact onset (the first 1) and end (the first 0 after it); a run
that reaches the last row is not resolved. A file of only 0s marks the series as having no anomaly.
"""

from pathlib import Path

import numpy as np

from tsqa.arfbench.incident_labels import OTHER, LabelsError
from tsqa.label.importing.common import Importer, parse_time, step_at_or_after
from tsqa.arfbench.exports.tables import TIME_COLUMNS


def _read(path: Path, column: str) -> tuple[list[str] | None, np.ndarray]:
    """(the time texts or None, the 0/1 labels) of one label file."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise LabelsError(f"{path}: empty label file")
    cells = [line.split(",") for line in lines]
    header = [c.strip().lower() for c in cells[0]]
    has_header = any(not _is_number(c) for c in header)
    if has_header:
        times = [c for c in header if c in TIME_COLUMNS]
        unknown = [c for c in header if c not in TIME_COLUMNS and c != column]
        if unknown or column not in header or len(times) > 1:
            raise LabelsError(f"{path}: unknown column(s) {unknown or header}; expected {column!r} and at most one of "
                              f"{list(TIME_COLUMNS)}")
        cells = cells[1:]
    label_at = header.index(column) if has_header else len(cells[0]) - 1
    time_at = header.index(times[0]) if has_header and times else None
    if not has_header and len(cells[0]) > 1:
        raise LabelsError(f"{path}: {len(cells[0])} columns without a header; name them ({column!r} and a time column)")
    labels = np.zeros(len(cells), dtype=np.int8)
    for row, line in enumerate(cells, start=1 + int(has_header)):
        if len(line) != len(header):
            raise LabelsError(f"{path}, row {row}: {len(line)} fields, expected {len(header)}")
        text = line[label_at].strip()
        if text not in ("0", "1", "0.0", "1.0"):
            raise LabelsError(f"{path}, row {row}, field {column!r}: {text!r} is not 0 or 1")
        labels[row - 1 - int(has_header)] = int(float(text))
    return ([line[time_at].strip() for line in cells] if time_at is not None else None), labels


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """[first, stop) of every run of 1s in a 0/1 array."""
    edges = np.diff(np.concatenate([[0], labels.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def import_points(importer: Importer, paths: list[Path], column: str = "label", kind: str = OTHER) -> None:
    for path in paths:
        name = path.stem
        series = importer.series_named(name, str(path))
        times, labels = _read(path, column.lower())
        steps = len(series.timestamps)
        if times is None:
            if len(labels) != steps:
                raise LabelsError(f"{path}: {len(labels)} label rows but series {name!r} has {steps} steps; add a "
                                  "time column to align them")
            per_step = labels
        else:
            per_step = np.zeros(steps, dtype=np.int8)
            for row, (text, value) in enumerate(zip(times, labels), start=2):
                where = f"{path}, row {row}"
                per_step[step_at_or_after(series, parse_time(text, where), where)] = value
        found = runs(per_step)
        if not found:
            importer.mark_normal(name, str(path))
        for first, stop in found:
            where = f"{path}, rows {first + 1}-{stop}"
            if first == 0:
                importer.report.inferred.append(f"{where}: anomalous from the first row: under way when it begins")
            importer.add_window(name, first, stop if stop < steps else None, None, kind, where)
