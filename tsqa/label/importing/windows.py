"""Windows per file, in either of two shapes.

A CSV with one row per anomaly window:

    series,start,end[,channels][,kind]
    checkout,2024-06-01 10:05:00,2024-06-01 10:40:00,dc:us1;dc:us2,Level Shift

`start`/`end` are unix seconds or date-times (UTC); an empty `start` means under way when the series begins, an
empty `end` not resolved when it ends. `channels` is a ';'-separated list (empty: the channels that clearly deviate);
`kind` a benchmark kind or a source kind mapped by `--kind-map` (else Other). A row with `start` and `end` both
empty and kind `normal` marks a series as having no anomaly.

Or a JSON object from each series' file to its windows, as anomaly benchmarks publish them (a key is a file path; its
name without the suffix is the series):

    {"services/checkout.csv": [["2024-06-01 10:05:00", "2024-06-01 10:40:00"]], "services/idle.csv": []}

Both times are inside the window, as such files count them (the window ends at the first step after `end`; a window
that holds the last step is not resolved). An empty list marks a series as having no anomaly; keys naming no series
of the folder are skipped (the report says which), so one file can label a whole collection of which the folder
holds a part; two keys naming one series are refused.
"""

import json
from pathlib import Path, PurePosixPath

import numpy as np

from tsqa.arfbench.incident_labels import MAX_FILE_BYTES, OTHER, LabelsError, check_window, place_window
from tsqa.arfbench.schema import Series
from tsqa.label.importing.common import Importer, map_kind, parse_time, read_table
from tsqa.label.sources import name_for_stem

NORMAL = "normal"


def import_windows(importer: Importer, path: Path, kind_map: dict[str, str]) -> None:
    if path.suffix.lower() == ".json":
        _import_json(importer, path)
        return
    rows = read_table(path, {"series", "start", "end"}, {"channels", "kind"})
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, row {number}"
        name = row["series"]
        if not row["start"] and not row["end"] and row.get("kind", "").lower() == NORMAL:
            importer.mark_normal(name, where)
            continue
        if not row["start"] and not row["end"]:
            raise LabelsError(f"{where}: a window needs a start or an end (or kind {NORMAL!r}: no anomaly)")
        start = parse_time(row["start"], f"{where}, field 'start'") if row["start"] else None
        end = parse_time(row["end"], f"{where}, field 'end'") if row["end"] else None
        channels = [c.strip() for c in row.get("channels", "").split(";") if c.strip()] or None
        _add(importer, name, start, end, channels, map_kind(row.get("kind"), kind_map, importer.report, where), where)


def _add(importer: Importer, name: str, start: int | None, end: int | None, channels: list[str] | None, kind: str,
         where: str) -> None:
    series = importer.series_named(name, where)
    probe = check_window({"channels": channels or series.channels[:1], "start": start, "end": end,
                          "kind": OTHER, "direction": "up", "magnitude_pct": 1}, where)
    onset, stop, _ = place_window(probe, series, where)
    importer.add_window(name, onset, stop, channels, kind, where)


def _after(series: Series, end: int) -> int | None:
    """The first step after the one holding an inclusive `end` (None when that is the last step: not resolved); an
    `end` outside the series is left for `place_window` to refuse."""
    stamps = series.timestamps
    if not stamps[0] <= end <= stamps[-1]:
        return end
    stop = int(np.searchsorted(stamps, end, side="right"))
    return int(stamps[stop]) if stop < len(stamps) else None


def _import_json(importer: Importer, path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LabelsError(f"{path}: larger than {MAX_FILE_BYTES} bytes; not a windows file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise LabelsError(f"{path}: not a JSON windows file ({str(err)[:120]})") from None
    if not isinstance(doc, dict):
        raise LabelsError(f"{path}: expected a JSON object of file -> [[start, end], ...], got {type(doc).__name__}")
    absent, keys = [], {}
    for key, windows in doc.items():
        where = f"{path.name}, {key!r}"
        name = name_for_stem(PurePosixPath(key.replace("\\", "/")).stem)
        if not isinstance(windows, list):
            raise LabelsError(f"{where}: expected a list of [start, end] windows, got {type(windows).__name__}")
        if name not in importer.source.files:
            absent.append(key)
            continue
        if name in keys:
            raise LabelsError(f"{where}: names series {name!r} as {keys[name]!r} does; keep one of the two keys")
        keys[name] = key
        if not windows:
            importer.mark_normal(name, where)
        for number, window in enumerate(windows):
            at = f"{where}, window {number}"
            if not (isinstance(window, list) and len(window) == 2 and all(isinstance(t, (str, int)) for t in window)):
                raise LabelsError(f"{at}: expected [start, end] (date-times or unix seconds), got {window!r}")
            start, end = (parse_time(str(t), f"{at}, {field}") for t, field in zip(window, ("start", "end")))
            _add(importer, name, start, _after(importer.series_named(name, at), end), None, OTHER, at)
    if absent:
        shown = ", ".join(map(repr, absent[:5])) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        importer.report.skipped.append(f"{path.name}: {len(absent)} file(s) with no series in the folder: {shown}")
