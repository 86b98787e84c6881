"""How the detector baseline answers each category from the evidence alone (no language model).

Every rule reads the same figures the evidence text shows (`evidence.excursions`): excursions past a threshold, the
main excursion (largest |score|) of each series, lag and overlap between two series, channels ranked by how long a
high score holds. The numbers a rule needs (thresholds, fractions) are its `params`, fitted per category by
`evidence.detector.fit_detector`.
"""

import calendar
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.schema import Sample
from tsqa.evidence.excursions import Excursion, SeriesEvidence, main_excursion, relation

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_NUMBER = re.compile(r"\d+\.?\d*")
SMOOTH_AUTOCORRELATION = 0.5  # lag-1 autocorrelation above which a two-sided change is periodic, not noise
TREND_RISE = 0.6  # a trend's first third deviates less than this share of its last third


@dataclass
class Question:
    """A sample with its evidence; excursions are computed once per (threshold, merge gap) and kept."""

    sample: Sample
    evidence: list[SeriesEvidence]
    source: str
    _cache: dict = field(default_factory=dict, repr=False)

    def excursions(self, index: int, threshold: float, merge_gap: float) -> list[list[Excursion]]:
        key = (index, threshold, merge_gap)
        if key not in self._cache:
            series = self.evidence[index]
            self._cache[key] = series.excursions(self.source, threshold, int(merge_gap * series.steps))
        return self._cache[key]

    def main(self, index: int, params: dict) -> Excursion | None:
        return main_excursion(self.excursions(index, params["threshold"], params.get("merge_gap", 0.0)))


def option_epoch(option: str) -> int | None:
    """Unix seconds of the first `YYYY-MM-DD HH:MM:SS` (UTC) in an option, None without one."""
    found = _TIMESTAMP.search(option)
    return calendar.timegm(time.strptime(found.group(), opt.TIMESTAMP_FORMAT)) if found else None


def _find(options: list[str], *needles: str) -> str | None:
    """The first option holding one of `needles` (case-insensitive)."""
    for needle in needles:
        for option in options:
            if needle.lower() in option.lower():
                return option
    return None


def _no_anomaly(options: list[str]) -> str:
    return _find(options, opt.NO_ANOMALY_LISTED, opt.NO_ANOMALY, "no anomaly") or options[-1]


def _nearest_time(options: list[str], epoch: int) -> str | None:
    stamped = [(abs(e - epoch), o) for o in options if (e := option_epoch(o)) is not None]
    return min(stamped)[1] if stamped else None


def presence(q: Question, params: dict) -> str:
    found = q.main(0, params) is not None
    return _find(q.sample.options, "yes") if found else _find(q.sample.options, "no,", "no ") or q.sample.options[-1]


def start(q: Question, params: dict) -> str:
    options, main = q.sample.options, q.main(0, params)
    if main is None:
        return _no_anomaly(options)
    before = _find(options, opt.BEFORE_EARLIEST)
    if before is not None and main.start <= params["before_steps"] * q.evidence[0].steps:
        return before
    return _nearest_time(options, q.evidence[0].epoch(main.start)) or before or options[0]


def end(q: Question, params: dict) -> str:
    options, main = q.sample.options, q.main(0, params)
    if main is None:
        return _no_anomaly(options)
    series = q.evidence[0]
    unresolved = _find(options, opt.NOT_RESOLVED)
    if unresolved is not None and main.end >= series.steps:
        return unresolved
    return _nearest_time(options, series.epoch(main.end)) or unresolved or options[0]


def peak_ratio(main: Excursion) -> float:
    """The peak's deviation in percent of the level just before (after, or the expected value, when missing)."""
    level = next((x for x in (main.before, main.after, main.expected) if x is not None and x != 0), None)
    if level is None or not math.isfinite(level):
        return math.nan
    return 100 * abs(main.value - level) / abs(level)


def magnitude(q: Question, params: dict) -> str:
    options, main = q.sample.options, q.main(0, params)
    if main is None:
        return _no_anomaly(options)
    numbered = [(float(m.group()), o) for o in options if "no anomaly" not in o.lower() and (m := _NUMBER.search(o))]
    ratio = peak_ratio(main) * params["scale"]
    if not numbered or not ratio > 0:
        return numbered[0][1] if numbered else options[0]
    return min(numbered, key=lambda pair: abs(math.log(max(pair[0], 1e-9)) - math.log(ratio)))[1]


def kind_of(q: Question, main: Excursion, params: dict) -> str:
    """Seasonality or variance (swings both ways: smoothly or not), trend (grows through the run), spike (short),
    else level shift."""
    series = q.evidence[0]
    scores = series.tracks[q.source].score[main.channel, main.start : main.end]
    scores = scores[~np.isnan(scores)]
    opposite = np.mean(np.sign(scores) == -np.sign(main.score)) if len(scores) else 0.0
    if opposite >= params["two_sided"]:
        centred = scores - scores.mean()
        lag1 = float(np.dot(centred[1:], centred[:-1]) / max(np.dot(centred, centred), 1e-12))
        return opt.SEASONALITY if lag1 >= SMOOTH_AUTOCORRELATION else opt.VARIANCE
    short = main.steps <= params["spike_steps"] * series.steps
    if short and main.peak - main.start <= main.steps // 2:
        return opt.TRANSIENT_SPIKE
    thirds = np.array_split(np.abs(scores), 3)
    if len(scores) >= 3 and thirds[0].mean() < TREND_RISE * thirds[2].mean():
        return opt.TREND
    return opt.TRANSIENT_SPIKE if short else opt.LEVEL_SHIFT


def categorization(q: Question, params: dict) -> str:
    options, main = q.sample.options, q.main(0, params)
    if main is None:
        return _no_anomaly(options)
    kind = kind_of(q, main, params)
    related = {opt.SEASONALITY: opt.VARIANCE, opt.VARIANCE: opt.SEASONALITY}.get(kind, opt.LEVEL_SHIFT)
    return _find(options, kind) or _find(options, related) or next(o for o in options if "no anomaly" not in o.lower())


def _channels_of(option: str, channels: list[str]) -> frozenset[int] | None:
    names = option.split(opt.CHANNEL_JOIN)
    return frozenset(channels.index(n) for n in names) if all(n in channels for n in names) else None


def identification(q: Question, params: dict) -> str:
    options, series = q.sample.options, q.evidence[0]
    held = series.tracks[q.source].held()  # (channels,)
    per_channel = q.excursions(0, params["threshold"], 0.0)
    top = max((held[c] for c, found in enumerate(per_channel) if found), default=0.0)
    anomalous = {c for c, found in enumerate(per_channel) if found and held[c] >= params["fraction"] * top}
    sets = {o: s for o in options if (s := _channels_of(o, series.series.channels)) is not None}
    listed = frozenset().union(*sets.values()) if sets else frozenset()
    picked = anomalous & listed
    if not picked or not sets:
        return _no_anomaly(options)
    return max(sets, key=lambda o: (len(sets[o] & picked) / len(sets[o] | picked), -len(sets[o])))


def _pair(q: Question, params: dict) -> tuple[Excursion | None, Excursion | None, float | None]:
    """The main excursion of each series and, when both exist, the lag as a share of series 1's duration."""
    first, second = q.main(0, params), q.main(1, params)
    if first is None or second is None:
        return first, second, None
    link = relation(q.evidence[0], first, q.evidence[1], second)
    return first, second, link.lag_seconds / max(link.duration_seconds, 1)


def correlation(q: Question, params: dict) -> str:
    first, second, lag = _pair(q, params)
    if first is None or second is None:
        return {(True, False): opt.ONLY_FIRST, (False, True): opt.ONLY_SECOND}.get(
            (first is not None, second is not None), opt.NEITHER
        )
    return opt.CORRELATED if abs(lag) <= params["related"] else opt.NOT_CORRELATED


def indicator(q: Question, params: dict) -> str:
    first, second, lag = _pair(q, params)
    if lag is None:
        return opt.INDICATOR_NO_ANOMALY
    if abs(lag) <= params["simultaneous"]:
        return opt.SIMULTANEOUS
    if abs(lag) <= params["related"]:
        return opt.LEADING if lag > 0 else opt.LAGGING
    return opt.INDICATOR_UNCORRELATED


RULES: dict[str, Callable[[Question, dict], str]] = {
    cat.PRESENCE: presence,
    cat.START: start,
    cat.END: end,
    cat.CATEGORIZATION: categorization,
    cat.MAGNITUDE: magnitude,
    cat.IDENTIFICATION: identification,
    cat.CORRELATION: correlation,
    cat.INDICATOR: indicator,
}

GRIDS: dict[str, dict[str, tuple[float, ...]]] = {
    # the values each category's parameters are searched over; `threshold` is in units of the source
    cat.PRESENCE: {},
    cat.START: {"merge_gap": (0.0, 0.01, 0.03), "before_steps": (0.0, 0.01, 0.03, 0.05, 0.1)},
    cat.END: {"merge_gap": (0.0, 0.01, 0.03)},
    cat.CATEGORIZATION: {
        "spike_steps": (0.01, 0.02, 0.04, 0.06, 0.08), "two_sided": (0.02, 0.05, 0.1, 0.2), "merge_gap": (0.0, 0.02),
    },
    cat.MAGNITUDE: {"scale": (0.5, 0.7, 1.0, 1.4, 2.0)},
    cat.IDENTIFICATION: {"fraction": (0.0, 0.25, 0.5, 0.75)},
    cat.CORRELATION: {"related": (0.1, 0.2, 0.3, 0.4, 0.5)},
    cat.INDICATOR: {"simultaneous": (0.0, 0.01, 0.02, 0.03, 0.05), "related": (0.1, 0.2, 0.3, 0.4, 0.5)},
}
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "z": (2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0),
    "band": (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0),
}


def answer(q: Question, params: dict) -> str:
    """The detector's option for a question of a known category (else the first option)."""
    rule = RULES.get(q.sample.category)
    choice = rule(q, params) if rule is not None else None
    return choice if choice in q.sample.options else q.sample.options[0]
