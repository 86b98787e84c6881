"""How a window of a series differs from its surroundings, with robust statistics (median and MAD), so the anomaly
itself and heavy-tailed noise barely move the reference level.

Used where a person marks an anomaly: the labelling page proposes its direction and size from these figures, and the
questions built from labels judge their difficulty from the channels' normal level and noise.
"""

from dataclasses import dataclass

import numpy as np

from tsqa.arfbench import options as opt

MAD_TO_SIGMA = 1.4826  # MAD x this = standard deviation, for Gaussian noise
CONTEXT_LENGTHS = 3  # the surroundings reach this many window lengths on each side of the window
MIN_CONTEXT = 10  # ... and at least this many steps
CLEAR_SHIFT = 3.0  # a channel whose window median moves this many noise deviations is proposed as affected,
CLEAR_PEAK = 6.0  # ... or whose farthest point moves this many,
CLEAR_EXTREME = 2.5  # ... and this many times as far as the surroundings' usual extreme for a window this long
TWO_SIDED = (opt.SEASONALITY, opt.VARIANCE)


@dataclass(frozen=True)
class ChannelDeviation:
    channel: str
    level: float  # median of the surroundings (NaN when none is observed)
    spread: float  # MAD_TO_SIGMA x MAD of the surroundings
    shift: float  # median of the window minus `level`
    peak: float  # the window's value farthest from `level`, minus `level`
    score: float  # how clearly it deviates: >= 1 when the shift or the peak passes its threshold (see `_score`)

    def deviation(self, kind: str | None) -> float:
        """The signed size that matters for `kind`: the plateau for a level shift, else the farthest point; without
        a kind, the plateau when the window mostly sits at it."""
        if kind == opt.LEVEL_SHIFT or (kind is None and abs(self.shift) >= 0.6 * abs(self.peak)):
            return self.shift
        return self.peak


@dataclass(frozen=True)
class Proposal:
    direction: str | None  # "up" / "down"; None when nothing is observed in the window
    magnitude_pct: float | None  # median over the channels of |deviation| / level; None when no level is known
    suggested_channels: list[str]  # the channels that clearly deviate (at least the one that deviates most)
    channels: list[ChannelDeviation]


def surroundings(steps: int, start: int, stop: int) -> np.ndarray:
    """(steps,) True on the steps near the window [start, stop) but outside it."""
    reach = max(MIN_CONTEXT, CONTEXT_LENGTHS * (stop - start))
    near = np.zeros(steps, dtype=bool)
    near[max(0, start - reach) : min(steps, stop + reach)] = True
    near[start:stop] = False
    return near


def _robust(values: np.ndarray) -> tuple[float, float]:
    observed = values[~np.isnan(values)]
    if not len(observed):
        return float("nan"), float("nan")
    level = float(np.median(observed))
    return level, MAD_TO_SIGMA * float(np.median(np.abs(observed - level)))


def channel_deviation(channel: str, values: np.ndarray, start: int, stop: int) -> ChannelDeviation:
    """values: (time,) one channel; the window is steps [start, stop)."""
    reference = values[surroundings(len(values), start, stop)]
    if np.isnan(reference).all():
        reference = np.delete(values, np.s_[start:stop])  # the window fills the view: compare with all the rest
    level, spread = _robust(reference)
    window = values[start:stop]
    window = window[~np.isnan(window)]
    if not len(window) or np.isnan(level):
        return ChannelDeviation(channel, level, spread, float("nan"), float("nan"), 0.0)
    shift = float(np.median(window)) - level
    peak = float(window[np.argmax(np.abs(window - level))]) - level
    return ChannelDeviation(channel, level, spread, shift, peak, _score(reference - level, len(window), shift, peak,
                                                                        spread))


def _score(normal: np.ndarray, length: int, shift: float, peak: float, spread: float) -> float:
    """max(|shift| / (CLEAR_SHIFT x spread), |peak| / its threshold): >= 1 means the channel clearly deviates.

    A peak must beat both CLEAR_PEAK noise deviations and CLEAR_EXTREME times the largest deviation the surroundings
    reach once in `length` steps, so heavy-tailed noise (observability metrics have plenty) is not taken for a spike.
    """
    observed = np.abs(normal[~np.isnan(normal)])
    extreme = float(np.quantile(observed, 1 - 1 / max(2, length))) if len(observed) else 0.0
    peak_bar = max(CLEAR_PEAK * spread, CLEAR_EXTREME * extreme)
    shift_bar = CLEAR_SHIFT * spread
    if shift_bar <= 0 or peak_bar <= 0:
        return float(np.inf) if shift or peak else 0.0
    return float(max(abs(shift) / shift_bar, abs(peak) / peak_bar))


def propose(
    channels: list[str], values: np.ndarray, start: int, stop: int, chosen: list[int] | None = None,
    kind: str | None = None,
) -> Proposal:
    """Direction and size of the window [start, stop) of `values` (time, channels), over the `chosen` channels
    (default: those that clearly deviate). The size is in percent of each channel's normal level, as the options of
    magnitude questions count it; seasonality and variance changes swing both ways and count as "up"."""
    if not 0 <= start < stop <= values.shape[0]:
        raise ValueError(f"window [{start}, {stop}) is outside the series' {values.shape[0]} steps")
    found = [channel_deviation(name, values[:, c], start, stop) for c, name in enumerate(channels)]
    clear = [d.channel for d in found if d.score >= 1]
    if not clear and found:
        clear = [max(found, key=lambda d: d.score).channel]
    picked = [found[c] for c in chosen] if chosen else [d for d in found if d.channel in clear]
    sizes = [(d.deviation(kind), abs(d.level)) for d in picked if not np.isnan(d.shift)]
    if not sizes:
        return Proposal(None, None, clear, found)
    signs = [np.sign(size) for size, _ in sizes]
    direction = "up" if kind in TWO_SIDED or sum(signs) >= 0 else "down"
    relative = [abs(size) / level * 100 for size, level in sizes if level > 0]
    magnitude = float(np.median(relative)) if relative else None
    return Proposal(direction, magnitude, clear, found)


def level_and_noise(values: np.ndarray, anomalous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((channels,) normal level, (channels,) noise relative to it) from the steps outside `anomalous` (time,
    channels) masks; a channel with no usable level gets noise 1 (its anomalies count as hard to see)."""
    levels, noise = np.ones(values.shape[1]), np.ones(values.shape[1])
    for c in range(values.shape[1]):
        level, spread = _robust(values[~anomalous[:, c], c])
        if not np.isnan(level) and abs(level) > 0:
            levels[c], noise[c] = abs(level), max(spread / abs(level), 1e-6)
    return levels, noise
