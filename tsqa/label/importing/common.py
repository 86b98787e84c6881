"""What every import shares: a window placed on a series by its steps, its direction and size proposed from the data
exactly as the labelling page proposes them, and a report of what was mapped, inferred and skipped.

A window's steps are [onset, stop): `onset` the first anomalous step, `stop` the first normal one (None: still
anomalous when the series ends). An onset at step 0 becomes start null ("already under way when the series begins").
"""

import copy
import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tsqa.arfbench.deviation import propose
from tsqa.arfbench.exports.load import delimiter
from tsqa.arfbench.incident_labels import (
    KINDS,
    LABELS_FILE,
    MAX_MAGNITUDE,
    OTHER,
    SCHEMA,
    VERSION,
    LabelsError,
    check_labels,
    check_window,
)
from tsqa.arfbench.schema import Series
from tsqa.label.sources import SeriesSource


@dataclass
class ImportReport:
    """Lines of what an import did, printed by `tsqa label import`."""

    mapped: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"mapped: {m}" for m in self.mapped] + [f"inferred: {i}" for i in self.inferred]
                + [f"skipped: {s}" for s in self.skipped])


def parse_kind_map(pairs: list[str] | None) -> dict[str, str]:
    """`--kind-map FROM=TO` options as {source kind (lower case): one of KINDS}."""
    found = {}
    for text in pairs or []:
        source, sep, target = text.partition("=")
        if not sep or not source.strip():
            raise ValueError(f"--kind-map {text!r}: expected SOURCE_KIND=KIND")
        if target.strip() not in KINDS:
            raise ValueError(f"--kind-map {text!r}: {target.strip()!r} is not one of {list(KINDS)}")
        found[source.strip().lower()] = target.strip()
    return found


def map_kind(name: str | None, kind_map: dict[str, str], report: ImportReport, where: str) -> str:
    """The labels' kind for a source's kind name: a benchmark kind by its own name or through `kind_map`, else Other."""
    if not name:
        return OTHER
    own = {k.lower(): k for k in KINDS}
    kind = kind_map.get(name.strip().lower()) or own.get(name.strip().lower())
    if kind is None:
        report.mapped.append(f"{where}: kind {name!r} names none of the benchmark's kinds -> {OTHER}")
        return OTHER
    return kind


class Importer:
    """Windows and pairs added to a folder's labels (`existing`), checked as they come; `doc()` is the new file.

    A series the existing labels already label is refused unless `replace` (then its old label goes)."""

    def __init__(self, source: SeriesSource, report: ImportReport, existing: dict, replace: bool = False) -> None:
        self.source, self.report, self.replace = source, report, replace
        self.existing = existing
        self.series: dict[str, dict] = copy.deepcopy(existing["series"])
        self.pairs: list[dict] = copy.deepcopy(existing["pairs"])
        self._touched: set[str] = set()
        self._steps: dict[str, list[tuple[int, int, set[str], str]]] = {}
        self.label_columns: list[str] = list(existing.get("label_columns", []))  # `source` already hides them

    def hide_column(self, column: str, where: str) -> None:
        """`column` of the folder's series files holds labels, not a metric: left out of every series from now on."""
        if not column.strip():
            raise LabelsError(f"{where}: an empty column name")
        if column in self.label_columns:
            return
        for name, label in self.series.items():
            if any(column.strip() in {c.strip() for c in window["channels"]} for window in label["windows"]):
                raise LabelsError(f"{where}: column {column!r} is a channel of a labelled window of series {name!r} "
                                  f"in {LABELS_FILE}; a label column cannot be one (relabel that series first)")
        self.label_columns.append(column)
        self.source.hide_columns([column])
        self.report.mapped.append(f"{where}: column {column!r} holds labels, not a metric: left out of the series "
                                  f"(label_columns in {LABELS_FILE})")

    def _claim(self, name: str, where: str) -> None:
        """The first change to `name` in this import: refused, or its old label dropped, if it was labelled."""
        if name in self._touched:
            return
        if name in self.existing["series"]:
            if not self.replace:
                raise LabelsError(f"{where}: series {name!r} is already labelled in {LABELS_FILE}; pass --replace "
                                  "to replace its label")
            self.series.pop(name)
            self.report.skipped.append(f"{where}: the earlier label of series {name!r} is replaced")
        self._touched.add(name)

    def doc(self, meta: dict) -> dict:
        """The labels document with this import's `meta` entry appended to the existing ones."""
        imports = list(self.existing.get("meta", {}).get("imports", [])) + [meta]
        doc = {"schema": SCHEMA, "version": VERSION, "series": self.series, "pairs": self.pairs}
        if self.label_columns:
            doc["label_columns"] = self.label_columns
        doc["meta"] = {**self.existing.get("meta", {}), "imports": imports}
        return check_labels(doc, LABELS_FILE)

    def series_named(self, name: str, where: str) -> Series:
        if name not in self.source.files:
            known = ", ".join(self.source.names[:5]) + (", ..." if len(self.source.names) > 5 else "")
            raise LabelsError(f"{where}: no series {name!r} in {self.source.root} (it has {known})")
        return self.source.load(name)

    def add_window(self, name: str, onset: int, stop: int | None, channels: list[str] | None, kind: str,
                   where: str) -> bool:
        """Place one window; False (and a skipped line) when the data shows nothing in it to size."""
        series = self.series_named(name, where)
        steps = len(series.timestamps)
        if not 0 <= onset < steps or (stop is not None and not onset < stop <= steps):
            raise LabelsError(f"{where}: steps [{onset}, {stop if stop is not None else steps}) are outside series "
                              f"{name!r}, which has {steps} steps")
        stop = None if stop == steps else stop
        if channels is not None:
            unknown = [c for c in channels if c not in series.channels]
            if unknown:
                raise LabelsError(f"{where}: {unknown} are not channels of series {name!r}")
        chosen = None if channels is None else [series.channels.index(c) for c in channels]
        found = propose(series.channels, series.values, onset, stop or steps, chosen, None if kind == OTHER else kind)
        if channels is None:
            channels = found.suggested_channels
            self.report.inferred.append(f"{where}: channels {channels} (those that clearly deviate)")
        if found.direction is None:
            self.report.skipped.append(f"{where}: nothing is observed inside the window")
            return False
        size = found.magnitude_pct
        if size is None or not math.isfinite(size) or size <= 0:
            size = MAX_MAGNITUDE if size is None or not math.isfinite(size) else 0.01
            self.report.inferred.append(f"{where}: the normal level is 0, so no relative size: set to {size:g}%")
        size = float(min(max(size, 0.01), MAX_MAGNITUDE))
        self._claim(name, where)
        self._refuse_overlap(name, onset, stop or steps, set(channels), where)
        window = check_window({"channels": sorted(channels, key=series.channels.index),
                               "start": None if onset == 0 else int(series.timestamps[onset]),
                               "end": None if stop is None else int(series.timestamps[stop]),
                               "kind": kind, "direction": found.direction, "magnitude_pct": round(size, 3)}, where)
        label = self.series.setdefault(name, {"no_anomaly": False, "windows": [], "caption": ""})
        label["windows"].append(window)
        self.report.mapped.append(f"{where}: series {name!r} steps [{onset}, {stop if stop is not None else steps}) "
                                  f"{window['kind']}, {window['direction']} {window['magnitude_pct']:g}%")
        return True

    def _refuse_overlap(self, name: str, onset: int, stop: int, channels: set[str], where: str) -> None:
        placed = self._steps.setdefault(name, [])
        for first, last, others, other_where in placed:
            if onset < last and first < stop and channels & others:
                raise LabelsError(f"{where}: overlaps {other_where} on series {name!r} (steps [{onset}, {stop}) and "
                                  f"[{first}, {last}), channels {sorted(channels & others)})")
        placed.append((onset, stop, channels, where))

    def mark_normal(self, name: str, where: str) -> None:
        self.series_named(name, where)
        self._claim(name, where)
        self.series.setdefault(name, {"no_anomaly": True, "windows": [], "caption": ""})
        self.report.mapped.append(f"{where}: series {name!r} has no anomaly")

    def add_pair(self, first: str, second: str, relation: str, where: str) -> None:
        for name in (first, second):
            self.series_named(name, where)
        if any({first, second} == set(p["series"]) for p in self.pairs):
            raise LabelsError(f"{where}: series {first!r} and {second!r} are already paired")
        self.pairs.append({"series": [first, second], "relation": relation})
        self.report.mapped.append(f"{where}: {first} / {second}: {relation}")


def read_table(path: Path, required: set[str], optional: set[str] = frozenset()) -> list[dict[str, str]]:
    """The rows of a CSV with a header (commas, semicolons or tabs), refusing unknown or missing columns by name."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LabelsError(f"{path}: not UTF-8 text; label tables are CSV") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter(text.partition("\n")[0]))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in required | optional]
    missing = sorted(required - set(header))
    if unknown:
        raise LabelsError(f"{path}: unknown column(s) {unknown}; expected {sorted(required)} and optionally "
                          f"{sorted(optional)}")
    if missing:
        raise LabelsError(f"{path}: missing column(s) {missing}")
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def parse_time(text: str, where: str) -> int:
    """Unix seconds from whole seconds or a date-time ("2024-06-01 10:05:00", "...T10:05:00Z", "... UTC",
    "...+02:00"; UTC unless it says otherwise)."""
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number != int(number):
            raise LabelsError(f"{where}: {text!r} is not whole unix seconds")
        return int(number)
    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, OverflowError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise LabelsError(f"{where}: {text!r} is neither unix seconds nor a date-time")
    stamp = stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp.tz_localize("UTC")
    return int(stamp.timestamp())


def nearest_step(series: Series, epoch: int, where: str) -> int:
    """The step of `series` nearest `epoch` (a stamp a few seconds off the grid is on the step it jitters around);
    more than half a step outside the series is refused."""
    stamps, half = series.timestamps, series.interval / 2
    if not stamps[0] - half <= epoch <= stamps[-1] + half:
        raise LabelsError(f"{where}: time {epoch} is outside series {series.name!r} ({int(stamps[0])} to "
                          f"{int(stamps[-1])})")
    if len(stamps) == 1:
        return 0
    after = int(np.clip(np.searchsorted(stamps, epoch, side="left"), 1, len(stamps) - 1))
    return after if stamps[after] - epoch <= epoch - stamps[after - 1] else after - 1


def step_at_or_after(series: Series, epoch: int, where: str) -> int:
    """The first step of `series` at or after `epoch`; outside the series is refused."""
    stamps = series.timestamps
    if not stamps[0] <= epoch <= stamps[-1]:
        raise LabelsError(f"{where}: time {epoch} is outside series {series.name!r} ({int(stamps[0])} to "
                          f"{int(stamps[-1])})")
    return int(np.searchsorted(stamps, epoch, side="left"))
