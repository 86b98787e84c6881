"""Windows per file: a CSV with one row per anomaly window.

    series,start,end[,channels][,kind]
    checkout,2024-06-01 10:05:00,2024-06-01 10:40:00,dc:us1;dc:us2,Level Shift

`start`/`end` are unix seconds or date-times (UTC); an empty `start` means under way when the series begins, an
empty `end` not resolved when it ends. `channels` is a ';'-separated list (empty: the channels that clearly deviate);
`kind` a benchmark kind or a source kind mapped by `--kind-map` (else Other). A row with `start` and `end` both
empty and kind `normal` marks a series as having no anomaly.
"""

from pathlib import Path

from tsqa.arfbench.incident_labels import OTHER, LabelsError, check_window, place_window
from tsqa.label.importing.common import Importer, map_kind, parse_time, read_table

NORMAL = "normal"


def import_windows(importer: Importer, path: Path, kind_map: dict[str, str]) -> None:
    rows = read_table(path, {"series", "start", "end"}, {"channels", "kind"})
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, row {number}"
        name = row["series"]
        if not row["start"] and not row["end"] and row.get("kind", "").lower() == NORMAL:
            importer.mark_normal(name, where)
            continue
        if not row["start"] and not row["end"]:
            raise LabelsError(f"{where}: a window needs a start or an end (or kind {NORMAL!r}: no anomaly)")
        series = importer.series_named(name, where)
        start = parse_time(row["start"], f"{where}, field 'start'") if row["start"] else None
        end = parse_time(row["end"], f"{where}, field 'end'") if row["end"] else None
        channels = [c.strip() for c in row.get("channels", "").split(";") if c.strip()] or None
        probe = check_window({"channels": channels or series.channels[:1], "start": start, "end": end,
                              "kind": OTHER, "direction": "up", "magnitude_pct": 1}, where)
        onset, stop, _ = place_window(probe, series, where)
        kind = map_kind(row.get("kind"), kind_map, importer.report, where)
        importer.add_window(name, onset, stop, channels, kind, where)
