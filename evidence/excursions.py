"""Evidence from one series, without any question: per channel, where the values leave what is expected, and how far.

Two sources judge every step, each as a signed score per channel and step:
- `z`: the robust z-score of the raw value against a rolling median of its channel (`encoders.outliers.detrended_z`):
  needs no model, so it means something even when the encoder is random.
- `band`: the distance outside the 10-90% band that a forecaster (Toto's quantile head, one patch ahead) predicted,
  in band widths; present only when a forecaster is given.

An excursion is a run of steps whose |score| passes a threshold, at least `MIN_STEPS` long; runs separated by at most
`merge_gap` steps are one excursion, which then extends on either side while |score| stays above `EXTEND` x the
threshold (so a gradual onset is dated where it begins, not where it first gets large). Thresholds are arguments,
so the text (`evidence.text`) and the detector baseline (`evidence.detector`, which fits its own) read the
same figures.
"""

import statistics
import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from tsqa.arfbench.schema import Series
from tsqa.encoders.outliers import ForecastBand, detrended_z

Z, BAND = "z", "band"
SOURCES = (Z, BAND)
MIN_STEPS = 2  # a single step past the threshold is too often heavy-tailed noise
EXTEND = 0.6  # an excursion extends while |score| stays above this share of the threshold
BASELINE_WINDOW = 0.15  # the z source's rolling median spans this share of the series
BAND_CHANNELS = 64  # a wider series gets the forecast band on the channels its z track finds most surprising only


class Forecaster(Protocol):
    """What gives the `band` source: `encoders.toto.TotoEncoder` is one."""

    def forecast_band(self, values: np.ndarray) -> ForecastBand: ...


@dataclass(frozen=True)
class Excursion:
    """One run outside the expected range on one channel, in input steps of the series."""

    channel: int
    start: int  # first step outside
    end: int  # first step after the run; the series length when it lasts to the end
    peak: int  # step of the largest |score|
    score: float  # signed score at the peak
    value: float  # the value at the peak
    expected: float  # what the source expected there: the channel's median, or the forecast median
    before: float | None  # median value over the steps just before `start` (None at the series start)
    after: float | None  # median value over the steps from `end` on (None when it lasts to the end)

    @property
    def steps(self) -> int:
        return self.end - self.start


@dataclass
class Track:
    """One source's view of every channel of a series."""

    source: str
    score: np.ndarray  # (channels, time) signed; NaN where unknown (missing value, no forecast)
    expected: np.ndarray  # (channels, time) what the source expected at each step

    def held(self) -> np.ndarray:
        """(channels,) the largest |score| held for `MIN_STEPS` steps in a row: how surprising each channel is."""
        strength = np.nan_to_num(np.abs(self.score), nan=0.0)
        if strength.shape[1] < MIN_STEPS:
            return strength.max(axis=1, initial=0.0)
        windows = np.lib.stride_tricks.sliding_window_view(strength, MIN_STEPS, axis=1)
        return windows.min(axis=-1).max(axis=1)


@dataclass
class SeriesEvidence:
    """The figures of one series: its tracks by source, and excursions at any threshold."""

    series: Series
    tracks: dict[str, Track]

    @property
    def steps(self) -> int:
        return len(self.series.timestamps)

    def excursions(self, source: str, threshold: float, merge_gap: int = 0) -> list[list[Excursion]]:
        """Per channel, its excursions past `threshold` in the `source` track, in time order."""
        if source not in self.tracks:
            have = list(self.tracks)
            raise ValueError(f"evidence source {source!r} not computed for {self.series.name} (have {have})")
        track = self.tracks[source]
        values = self.series.values.T  # (channels, time)
        strength = np.nan_to_num(np.abs(track.score), nan=0.0)  # (channels, time)
        return [
            [self._excursion(channel, run, track, values[channel]) for run in runs]
            for channel, runs in enumerate(
                outside_runs(row > threshold, MIN_STEPS, merge_gap, row > EXTEND * threshold) for row in strength
            )
        ]

    def _excursion(self, channel: int, run: tuple[int, int], track: Track, values: np.ndarray) -> Excursion:
        start, end = run
        scores = np.nan_to_num(track.score[channel, start:end], nan=0.0)
        peak = start + int(np.argmax(np.abs(scores)))
        context = max(MIN_STEPS, (end - start) // 2, self.steps // 50)  # steps read for the level before and after
        return Excursion(
            channel=channel,
            start=start,
            end=end,
            peak=peak,
            score=float(track.score[channel, peak]),
            value=float(values[peak]),
            expected=float(track.expected[channel, peak]),
            before=_level(values[max(0, start - context) : start]),
            after=_level(values[end : end + context]),
        )

    def epoch(self, step: int) -> int:
        """Unix seconds of a step; the series length maps to one interval after the last step."""
        timestamps = self.series.timestamps
        return int(timestamps[step]) if step < len(timestamps) else int(timestamps[-1]) + self.series.interval


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def outside_runs(
    outside: np.ndarray, min_steps: int = MIN_STEPS, merge_gap: int = 0, near: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """[start, end) of the runs of True in a (time,) mask at least `min_steps` long, runs at most `merge_gap` steps
    apart joined; then each extended on both sides over the steps where `near` (a weaker mask) holds, and runs that
    come to touch merged."""
    runs: list[list[int]] = []
    for start, end in _runs(outside):
        if end - start < min_steps:
            continue
        if runs and start - runs[-1][1] <= merge_gap:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    if near is None:
        return [(start, end) for start, end in runs]
    extended: list[list[int]] = []
    weak = _runs(near | outside)
    for start, end in runs:
        start = next(a for a, b in weak if a <= start < b)
        end = next(b for a, b in weak if a < end <= b)
        if extended and start <= extended[-1][1]:
            extended[-1][1] = max(extended[-1][1], end)
        else:
            extended.append([start, end])
    return [(start, end) for start, end in extended]


def _level(values: np.ndarray) -> float | None:
    observed = values[~np.isnan(values)].tolist()
    return float(statistics.median(observed)) if observed else None  # a few dozen values: faster than numpy


def series_evidence(series: Series, forecaster: Forecaster | None = None) -> SeriesEvidence:
    """The `z` track of every channel, and the `band` track when a forecaster is given: of every channel up to
    `BAND_CHANNELS`, else of the `BAND_CHANNELS` the z track holds most surprising (NaN for the rest), so the
    forecaster's work does not grow with a wide series' channels."""
    values = series.values  # (time, channels)
    z, expected = detrended_z(values, round(BASELINE_WINDOW * len(values)))  # each (time, channels)
    tracks = {Z: Track(Z, z.T, expected.T)}
    if forecaster is not None:
        channels = np.arange(values.shape[1])
        if len(channels) > BAND_CHANNELS:
            channels = np.sort(np.argsort(-tracks[Z].held(), kind="stable")[:BAND_CHANNELS])
        judged = values[:, channels].T  # (band channels, time)
        band = forecaster.forecast_band(judged)
        score, median = np.full(values.T.shape, np.nan), np.full(values.T.shape, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            score[channels], median[channels] = band.distance(judged), band.median
        tracks[BAND] = Track(BAND, score, median)
    return SeriesEvidence(series, tracks)


@dataclass(frozen=True)
class Relation:
    """How the main anomalies of two series sit in time (seconds; positive lag: series 2 starts later)."""

    lag_seconds: int  # start of series 2's minus start of series 1's
    overlap_seconds: int  # time both are under way (0 when apart)
    duration_seconds: int  # length of series 1, to judge the lag against


def main_excursion(per_channel: list[list[Excursion]]) -> Excursion | None:
    """The excursion with the largest |peak score| over all channels (None when nothing crosses)."""
    every = [e for excursions in per_channel for e in excursions]
    return max(every, key=lambda e: (abs(e.score), -e.start)) if every else None


def relation(first: SeriesEvidence, a: Excursion, second: SeriesEvidence, b: Excursion) -> Relation:
    """Lag and overlap of excursion `a` of `first` and excursion `b` of `second`, on the clock (the series may
    have different grids)."""
    a_start, a_end = first.epoch(a.start), first.epoch(a.end)
    b_start, b_end = second.epoch(b.start), second.epoch(b.end)
    duration = first.epoch(first.steps) - first.epoch(0)
    return Relation(b_start - a_start, max(0, min(a_end, b_end) - max(a_start, b_start)), duration)
