"""Per-segment channel lists (InterFusion's interpretation labels): one file per series, named as the series
(`<series>.txt`), a line per anomalous segment `FIRST-LAST:CH,CH,...` with FIRST and LAST the segment's first and last
row (0-based, both inside it) and the channels numbered from 1 in the series' column order.

An optional types table (`dataset,anomaly_segment,anomaly_type`, as InterFusion's anomaly_type.txt) names each
segment's kind; kinds map through `--kind-map`, else Other.
"""

from pathlib import Path

from tsqa.arfbench.incident_labels import LabelsError
from tsqa.label.importing.common import Importer, map_kind, read_table


def _segment(line: str, where: str) -> tuple[int, int, list[int]]:
    span, sep, listed = line.partition(":")
    first, dash, last = span.partition("-")
    try:
        if not sep or not dash:
            raise ValueError
        numbers = [int(c) for c in listed.split(",")]
        return int(first), int(last), numbers
    except ValueError:
        raise LabelsError(f"{where}: {line!r} is not FIRST-LAST:CH,CH,...") from None


def read_types(path: Path | None) -> dict[tuple[str, str], str]:
    if path is None:
        return {}
    return {(r["dataset"], r["anomaly_segment"]): r["anomaly_type"]
            for r in read_table(path, {"dataset", "anomaly_segment", "anomaly_type"})}


def import_segments(importer: Importer, paths: list[Path], types: dict[tuple[str, str], str],
                    kind_map: dict[str, str]) -> None:
    for path in paths:
        name = path.stem
        series = importer.series_named(name, str(path))
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not lines:
            importer.mark_normal(name, str(path))
        for number, line in enumerate(lines, start=1):
            where = f"{path.name}, line {number}"
            first, last, numbers = _segment(line, where)
            if first > last:
                raise LabelsError(f"{where}: segment {first}-{last} ends before it starts")
            bad = [n for n in numbers if not 1 <= n <= len(series.channels)]
            if bad:
                raise LabelsError(f"{where}: channel number(s) {bad} outside 1-{len(series.channels)} of series "
                                  f"{name!r}")
            channels = [series.channels[n - 1] for n in sorted(set(numbers))]
            kind = map_kind(types.get((name, line.partition(":")[0])), kind_map, importer.report, where)
            stop = last + 1
            if last >= len(series.timestamps):
                raise LabelsError(f"{where}: segment {first}-{last} is outside series {name!r}, which has "
                                  f"{len(series.timestamps)} rows")
            importer.add_window(name, first, stop, channels, kind, where)
