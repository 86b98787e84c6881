"""Pairs and their relation: a CSV `first,second,relation`, one row per pair of labelled series.

`relation` is one the labels file knows (`first_leads`, `second_leads`, `simultaneous`, `unrelated`), `leads` /
`lags` (the first series' anomaly leads / lags the second's), or `dependent` / `shared_cause` where the source states
that the two depend on each other or share a cause but not which comes first: the relation is then read from the two
labelled onsets (within one step of each other: simultaneous; else the earlier one leads).
"""

from pathlib import Path

from tsqa.arfbench.incident_labels import RELATIONS, LabelsError
from tsqa.label.importing.common import Importer, read_table

ALIASES = {"leads": "first_leads", "lags": "second_leads"}
FROM_ONSETS = ("dependent", "shared_cause")


def _onset(importer: Importer, name: str, where: str) -> int | None:
    """The earliest labelled onset of `name` (None when it has no window, e.g. its fault showed nothing)."""
    importer.series_named(name, where)
    label = importer.series.get(name)
    if not label or not label["windows"]:
        return None
    starts = [w["start"] for w in label["windows"]]
    series = importer.series_named(name, where)
    return min(int(series.timestamps[0]) if s is None else s for s in starts)


def import_pairs(importer: Importer, path: Path) -> None:
    for number, row in enumerate(read_table(path, {"first", "second", "relation"}), start=2):
        where = f"{path.name}, row {number}"
        relation = ALIASES.get(row["relation"], row["relation"])
        if relation in FROM_ONSETS:
            first, second = (_onset(importer, row[k], where) for k in ("first", "second"))
            if first is None or second is None:
                importer.report.skipped.append(f"{where}: {row['first']} / {row['second']}: {row['relation']}, but "
                                               "one of them has no anomaly window to order")
                continue
            step = importer.series_named(row["first"], where).interval
            relation = ("simultaneous" if abs(first - second) < step
                        else "first_leads" if first < second else "second_leads")
            importer.report.inferred.append(f"{where}: {row['relation']} -> {relation} (onsets {first}, {second})")
        elif relation not in RELATIONS:
            raise LabelsError(f"{where}, field 'relation': {row['relation']!r} is not one of "
                              f"{list(RELATIONS) + list(ALIASES) + list(FROM_ONSETS)}")
        importer.add_pair(row["first"], row["second"], relation, where)
