"""The repair policy for real exports: how distinct time stamps become the steps of one regular grid.

Real exports are not on a clean grid: a clock repeats an hour at a daylight-saving change, stamps jitter by some
seconds, the sampling phase moves after a gap, an export runs newest first. The policy, applied by every reader:

1. rows are sorted by time (stable);
2. the step is the dominant gap between consecutive distinct stamps (at least half of the gaps within
   `TOLERANCE` of it); a jittered file's step is the mean of those gaps, snapped to a common monitoring step
   within 2 %;
3. a stamp within `TOLERANCE` of the step from the grid is jitter, moved onto it;
4. a run of stamps that keeps its own phase (more than `TOLERANCE` off the grid, e.g. after a gap) is re-anchored:
   moved as a whole onto the nearest grid step;
5. stamps that land on one step are combined by the mean of their values (`COMBINE`);
6. steps without any stamp stay missing (NaN), reported as gaps;
7. without a dominant step, stamps are resampled: the mean over each bucket aligned to the unix epoch, the bucket
   being `interval`, else the largest `COMMON_STEPS` entry not above the median gap; with `interval` set to another
   step than the file's own, the file is first put on its own step (2-5), then resampled the same way.

Every repair is one line of the report ("14 repeated stamps averaged"); `strict` refuses instead, naming the row.
Sorting and gaps change no stamp and no value: they are reported, and allowed under `strict`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.limits import ExportError, RepairRefused

TOLERANCE = 0.25  # of the step: how far off the grid a stamp may be and still count as jitter
COMBINE = "mean"
COMMON_STEPS = (1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
_SNAP = 0.02  # a jittered step within 2 % of a common step is that step


@dataclass(frozen=True)
class RepairPolicy:
    """`interval`: the grid step to put every series on (seconds); None: the file's own dominant step.
    `strict`: refuse a file that needs a repair (moved stamps, combined values, resampling) instead."""

    strict: bool = False
    interval: int | None = None

    def __post_init__(self) -> None:
        if self.interval is not None and (isinstance(self.interval, bool) or not isinstance(self.interval, int)
                                          or self.interval < 1):
            raise ValueError(f"interval: a positive whole number of seconds, got {self.interval!r}")


@dataclass
class Repairs:
    """The report of one series' repairs, one line per kind; refuses each repair instead when `strict`."""

    source: str
    strict: bool
    lines: list[str] = field(default_factory=list)
    where: Callable[[int], tuple[str | None, int]] = lambda row: (None, row)  # a row -> (column, row) shown

    def note(self, line: str) -> None:
        """A change to no stamp or value (sorting, gaps): reported, never refused."""
        self.lines.append(line)

    def repair(self, line: str, refusal: str, row: int | None = None) -> None:
        if self.strict:
            column, shown = self.where(row) if row is not None else (None, None)
            raise RepairRefused(self.source, f"{refusal} (--strict refuses repairs)", column, shown)
        self.lines.append(line)


@dataclass
class Placement:
    """Where each distinct stamp goes on the grid."""

    interval: int
    start: int  # unix seconds of step 0
    steps: int
    slots: np.ndarray  # (stamps,) int64 grid step of each distinct stamp
    resampled: bool  # several stamps per step are the resampling itself, not repeats


def counted(count: int, noun: str) -> str:
    """'1 stamp', '14 stamps'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def duration(seconds: float) -> str:
    """A size for a report line: '41 s', '64 min', '5 h', '2 d' (rounded to what a reader needs)."""
    seconds = round(abs(float(seconds)), 3)
    if seconds < 1:
        return f"{seconds:.3g} s"
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 10 or seconds == round(seconds) else f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def note_order(stamps: np.ndarray, channels: np.ndarray | None, repairs: Repairs) -> None:
    """Reports rows out of time order (a newest-first export, a DST repeat); sorting itself changes nothing.
    channels: (rows,) the channel of each long-format row, whose order is judged channel by channel; None: wide."""
    if len(stamps) < 2:
        return
    keys = np.zeros(len(stamps), dtype=np.int64) if channels is None else channels
    if not (np.diff(stamps)[keys[1:] == keys[:-1]] < 0).any():
        return  # in order (a long file's channels judged where their rows follow each other)
    order = np.argsort(keys, kind="stable")
    ordered, groups = pd.Series(stamps[order]), keys[order]
    same = groups[1:] == groups[:-1]
    steps = np.diff(ordered.to_numpy())[same]
    if not (steps < 0).any():
        return
    if (steps <= 0).all():
        repairs.note(f"the {len(stamps)} rows ran newest first: read oldest first")
        return
    latest = ordered.groupby(groups).cummax().to_numpy()
    late = int(np.count_nonzero(ordered.to_numpy()[1:][same] < latest[:-1][same]))
    repairs.note(f"{counted(late, 'row')} out of time order: sorted by time")


def place(stamps: np.ndarray, rows: np.ndarray, policy: RepairPolicy, repairs: Repairs) -> Placement:
    """stamps: (n,) float64 distinct unix seconds, ascending; rows: (n,) the file row of each (for refusals)."""
    wanted = policy.interval
    if len(stamps) == 1:
        return Placement(wanted or 60, int(np.rint(stamps[0])), 1, np.zeros(1, dtype=np.int64), resampled=False)
    step = dominant_step(stamps)
    if wanted is not None and step is not None and wanted < step:
        raise ExportError(repairs.source, f"interval {wanted}s is finer than the file's {step}s step: most steps "
                                          f"would be missing; choose {step}s or a multiple of it")
    if step is not None:
        placement = _on_step(stamps, rows, step, repairs)
        if wanted in (None, step):
            return placement
        repairs.repair(f"{len(stamps)} stamps resampled from the file's {step} s step onto the {wanted} s grid asked "
                       f"for (the {COMBINE} of each step)",
                       f"timestamps are not on a {wanted}s grid: the most common step between them is {step}s")
        return _buckets(placement.start + placement.slots * step, wanted)
    if wanted is None:
        gaps = np.diff(stamps)
        wanted = max([c for c in COMMON_STEPS if c <= np.median(gaps)] or [1])
        repairs.repair(f"no dominant step between stamps ({duration(gaps.min())} to {duration(gaps.max())} apart): "
                       f"{len(stamps)} stamps resampled onto a {wanted} s grid (the {COMBINE} of each step)",
                       f"timestamps are not on a {wanted}s grid: no step between them dominates")
    else:
        repairs.repair(f"{len(stamps)} stamps resampled onto the {wanted} s grid asked for (the {COMBINE} of each step)",
                       f"timestamps are not on a {wanted}s grid: no step between them dominates")
    return _buckets(stamps, wanted)


def _buckets(stamps: np.ndarray, interval: int) -> Placement:
    """Resampling: each stamp into its `interval` bucket, buckets aligned to the unix epoch."""
    buckets = (np.floor(stamps / interval) * interval).astype(np.int64)
    start = int(buckets.min())
    slots = (buckets - start) // interval
    return Placement(interval, start, int(slots.max()) + 1, slots, resampled=True)


def dominant_step(stamps: np.ndarray) -> int | None:
    """The grid step in whole seconds, or None when no gap between consecutive stamps is common enough."""
    if len(stamps) < 2:
        return None
    gaps = np.diff(stamps)
    whole = np.rint(gaps).astype(np.int64)
    positive = whole[whole > 0]
    if not len(positive):
        return None
    values, counts = np.unique(positive, return_counts=True)
    mode = int(values[np.argmax(counts)])
    if counts.max() >= len(gaps) / 2 and np.allclose(gaps[whole == mode], mode):
        return mode  # a clean file: most gaps are exactly the step
    middle = np.median(gaps)  # gaps across holes are the minority, so the median is a jittered step
    near = gaps[np.abs(gaps - middle) <= TOLERANCE * middle]
    if middle < 0.5 or len(near) < len(gaps) / 2:
        return None
    step = int(np.rint(near.mean()))  # jitter cancels in a run of consecutive gaps: the mean is far more precise
    common = [c for c in COMMON_STEPS if abs(c - step) <= _SNAP * c]
    return common[0] if common else max(step, 1)


def _circular(offsets: np.ndarray, step: int) -> np.ndarray:
    """Offsets folded into [-step/2, step/2)."""
    return (offsets + step / 2) % step - step / 2


def _phase(stamps: np.ndarray, step: int) -> int:
    """The grid's offset from the unix epoch modulo the step: the one most stamps keep exactly, else (jitter) the
    median offset of the stamps in the densest window of +-TOLERANCE/2 (narrow, so a second phase after a phase
    change stays out of it), refined by the mean offset within +-TOLERANCE, taken as 0 within 2 % of the step."""
    counts = np.bincount(np.rint(stamps).astype(np.int64) % step, minlength=step)
    if counts.max() >= len(stamps) / 2:
        return int(np.argmax(counts))
    width = int(TOLERANCE * step / 2)
    wrapped = np.r_[0, np.cumsum(np.concatenate([counts[step - width:], counts, counts[:width]]))]
    densest = int(np.argmax(wrapped[2 * width + 1:] - wrapped[: step]))  # window [i - width, i + width]
    offsets = _circular(stamps - densest, step)
    centre = densest + np.median(offsets[np.abs(offsets) <= width])
    offsets = _circular(stamps - centre, step)  # then the mean over the whole tolerance, where jitter averages out
    centre = _circular(np.array([centre + offsets[np.abs(offsets) <= TOLERANCE * step].mean()]), step)[0]
    return 0 if abs(centre) <= _SNAP * step else int(np.rint(centre)) % step


def _runs(offsets: np.ndarray, tolerance: float, step: int) -> np.ndarray:
    """(stamps,) each stamp's phase shift against the grid: 0 within the tolerance of it; each run of consecutive
    stamps beyond it (a phase change, as after a gap) shares the run's median offset."""
    shift = np.zeros(len(offsets))
    off = np.abs(offsets) > tolerance
    edges = np.flatnonzero(np.diff(np.r_[False, off, False].astype(np.int8)))
    for start, end in zip(edges[::2], edges[1::2]):
        first = offsets[start]
        shift[start:end] = _circular(first + np.median(_circular(offsets[start:end] - first, step)), step)
    return shift


def _on_step(stamps: np.ndarray, rows: np.ndarray, step: int, repairs: Repairs) -> Placement:
    tolerance = TOLERANCE * step
    phase = _phase(stamps, step)
    offsets = _circular(stamps - phase, step)
    shift = _runs(offsets, tolerance, step)
    jitter = _circular(offsets - shift, step)
    grid_times = phase + step * np.rint((stamps - jitter - shift - phase) / step)
    moved = np.abs(jitter) > 1e-6
    if moved.any():
        first = int(np.argmax(moved))
        repairs.repair(
            f"{counted(int(moved.sum()), 'stamp')} moved by up to {duration(np.abs(jitter).max())} onto the {step} s grid",
            f"timestamp {stamps[first]:.15g} is {duration(jitter[first])} off the {step}s grid the other rows follow",
            int(rows[first]))
    inside = shift != 0
    if inside.any():
        first = int(np.argmax(inside))
        runs = int(np.count_nonzero(np.diff(np.r_[False, inside].astype(np.int8)) == 1))
        repairs.repair(
            f"{counted(runs, 'phase change')} re-anchored: {counted(int(inside.sum()), 'stamp')} moved by up to "
            f"{duration(np.abs(shift).max())} onto the {step} s grid",
            f"timestamp {stamps[first]:.15g} is {duration(shift[first])} off the {step}s grid the other rows follow "
            "(its sampling phase moved)", int(rows[first]))
    start = int(grid_times.min())
    slots = ((grid_times - start) // step).astype(np.int64)
    return Placement(step, start, int(slots.max()) + 1, slots, resampled=False)


def note_gaps(slots: np.ndarray, interval: int, repairs: Repairs) -> None:
    """Runs of grid steps that no stamp reached: kept as missing values, reported by count and the longest."""
    taken = np.unique(slots)
    holes = np.diff(taken) - 1
    holes = holes[holes > 0]
    if not len(holes):
        return
    longest = duration(holes.max() * interval)
    if len(holes) == 1:
        repairs.note(f"1 gap of {longest} ({int(holes[0])} steps), kept as missing values")
    else:
        repairs.note(f"{len(holes)} gaps, longest {longest}, kept as missing values")


def combine(keys: np.ndarray, values: np.ndarray, size: int, rows: np.ndarray, placement: Placement,
            repairs: Repairs, what: str) -> np.ndarray:
    """keys: (n,) the grid cell of each value (a step for wide rows, step x channels + channel for long cells);
    values: (n,) or (n, channels), NaN = missing; rows: (n,) file rows, for a refusal. Returns (size, ...) with
    the mean of the observed values per cell (NaN where none)."""
    grid = np.full((size, *values.shape[1:]), np.nan)
    if size <= 4 * len(keys) and np.bincount(keys, minlength=size).max() <= 1:  # dense: counting beats sorting
        grid[keys] = values
        return grid
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    firsts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    if len(firsts) == len(keys):
        grid[keys] = values
        return grid
    if not placement.resampled:
        repeated = np.ones(len(keys), dtype=bool)
        repeated[firsts] = False
        row = int(rows[order][np.argmax(repeated)])
        repairs.repair(f"{counted(len(keys) - len(firsts), what)} averaged (the {COMBINE} of the values on one step)",
                       "repeats the time step of an earlier row", row)
    chosen = values[order]
    observed = ~np.isnan(chosen)
    sums = np.add.reduceat(np.where(observed, chosen, 0.0), firsts, axis=0)
    counts = np.add.reduceat(observed, firsts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid[ordered[firsts]] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return grid
