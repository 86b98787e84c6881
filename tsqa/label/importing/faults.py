"""Fault-injection logs: a CSV with one row per injected fault, `time,component,kind`, where `component` names the
series the fault was injected into (the series whose name is the component, or the only one that starts with it).

A log says when a fault began, never when its effect ended, so the end is inferred from the data by one rule
(`END_RULE`, also written into the labels file's `meta`): the onset is the first step at or after the injection
time; the reference is the median and robust deviation of each channel over the `REFERENCE_STEPS` steps before it;
a step deviates when a channel is farther than `BAND` robust deviations from its median; the end is the first step
after the first deviating one that begins `CALM_STEPS` steps in a row without a deviating step, looked for within
`horizon` steps (capped at the next fault on that series and at the series' end). A fault with no deviating step
within `MAX_LAG` steps of its onset is skipped: the data gives no sign of it to ask about (a later excursion is
more likely noise than the fault).

The channels are those `--channel KIND=COLUMN` names for the fault's kind, else those that clearly deviate.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tsqa.arfbench.deviation import MAD_TO_SIGMA
from tsqa.arfbench.incident_labels import LabelsError
from tsqa.arfbench.schema import Series
from tsqa.label.importing.common import Importer, map_kind, parse_time, read_table, step_at_or_after

REFERENCE_STEPS = 30
BAND = 4.0
CALM_STEPS = 3
MAX_LAG = 3
END_RULE = (f"onset: the first step at or after the injection time; end: the first step, after the first one where "
            f"a channel is more than {BAND:g} robust deviations (1.4826 MAD) from its median over the "
            f"{REFERENCE_STEPS} steps before the onset, that starts {CALM_STEPS} steps in a row within that band; "
            f"searched within the horizon (capped at the next fault on the series and its end); no deviating step "
            f"within {MAX_LAG} steps of the onset: the fault is skipped")


@dataclass(frozen=True)
class Fault:
    epoch: int
    series: str
    kind: str
    where: str


def _series_of(component: str, names: list[str], where: str) -> str:
    if component in names:
        return component
    found = [n for n in names if n.startswith(component)]
    if len(found) != 1:
        raise LabelsError(f"{where}: component {component!r} names {len(found)} series; expected exactly one")
    return found[0]


def _deviating(series: Series, onset: int, channels: list[int]) -> np.ndarray:
    """(steps after onset,) True where a channel leaves its band around the reference before `onset`."""
    reference = series.values[max(0, onset - REFERENCE_STEPS) : onset][:, channels]
    if len(reference) < 3:
        return np.zeros(len(series.timestamps) - onset, dtype=bool)
    level = np.nanmedian(reference, axis=0)
    spread = MAD_TO_SIGMA * np.nanmedian(np.abs(reference - level), axis=0)
    spread = np.where(spread > 0, spread, np.maximum(1e-9, 1e-3 * np.abs(level)))
    after = series.values[onset:, channels]
    return (np.abs(after - level) > BAND * spread).any(axis=1)


def inferred_end(series: Series, onset: int, channels: list[int], horizon: int) -> tuple[int, int | None] | None:
    """(first deviating step, end step or None when still deviating at the series' end) within `horizon` steps."""
    out = _deviating(series, onset, channels)[:horizon]
    hits = np.flatnonzero(out)
    if not len(hits) or hits[0] > MAX_LAG:
        return None
    for step in range(hits[0] + 1, len(out) - CALM_STEPS + 1):
        if not out[step : step + CALM_STEPS].any():
            return onset + int(hits[0]), onset + step
    reaches_end = onset + horizon >= len(series.timestamps)
    return onset + int(hits[0]), None if reaches_end else onset + horizon


def import_faults(importer: Importer, path: Path, kind_map: dict[str, str], channel_of: dict[str, list[str]],
                  horizon: int) -> None:
    rows = read_table(path, {"time", "component", "kind"})
    names = importer.source.names
    faults = [Fault(parse_time(r["time"], f"{path.name}, row {i}, field 'time'"),
                    _series_of(r["component"], names, f"{path.name}, row {i}"), r["kind"], f"{path.name}, row {i}")
              for i, r in enumerate(rows, start=2)]
    for fault in faults:
        series = importer.series_named(fault.series, fault.where)
        onset = step_at_or_after(series, fault.epoch, fault.where)
        later = [step_at_or_after(series, f.epoch, f.where) for f in faults
                 if f.series == fault.series and f.epoch > fault.epoch]
        reach = min([horizon, len(series.timestamps) - onset] + [s - onset for s in later])
        named = channel_of.get(fault.kind.lower())
        if named is not None:
            missing = [c for c in named if c not in series.channels]
            if missing:
                raise LabelsError(f"{fault.where}: --channel names {missing}, not channels of series {fault.series!r}")
            columns = [series.channels.index(c) for c in named]
        else:
            columns = list(range(len(series.channels)))
        found = inferred_end(series, onset, columns, reach) if reach > 0 else None
        if found is None:
            importer.report.skipped.append(f"{fault.where}: {fault.kind} on {fault.series}: no step within {reach} "
                                           f"steps (the first {MAX_LAG} for its start) leaves the band around the level before "
                                           "the injection")
            continue
        first, end = found
        importer.report.inferred.append(
            f"{fault.where}: end {'not resolved' if end is None else f'at step {end}'} (first deviating step "
            f"{first}, {first - onset} after the injection)")
        kind = map_kind(fault.kind, kind_map, importer.report, fault.where)
        importer.add_window(fault.series, onset, end, named, kind, fault.where)
