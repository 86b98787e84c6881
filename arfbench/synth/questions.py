"""One builder per category: given the answer class to produce, place the anomaly so that class is the truth and
write the options around it (in canonical order; the generator shuffles them).

The option rules (which timestamps, sizes, kinds and channels are offered, and how far apart) are the `*_stamps`,
`*_options` and `identification_draft` helpers, shared with the questions built from labelled incidents
(`synth.labelled`), where the anomaly is given and the options are drawn around it instead.
"""

from dataclasses import dataclass, field

import numpy as np

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.answer_classes import END_CLASSES, MAGNITUDE_CLASSES, START_CLASSES
from tsqa.arfbench.options import format_timestamp
from tsqa.arfbench.synth.anomalies import SPIKE, Anomaly, effect_shape, window_length
from tsqa.arfbench.synth.profile import DEFAULT, Profile
from tsqa.arfbench.synth.scene import Drafted, draft_series
from tsqa.arfbench.synth.timeline import option_gap, random_grid, spaced_steps

MAGNITUDES = (10, 25, 50, 100, 200, 400, 800)  # percent of the normal level; options are 4 consecutive values
VISIBLE_MAGNITUDES = (25, 50, 100, 200, 400)  # anomalies of questions that are not about size
MAX_DROP = 50  # percent: metrics that cannot go below zero do not drop by more
TWO_SIDED = (opt.SEASONALITY, opt.VARIANCE)  # swing both ways, so they stay within MAX_DROP to keep clear of zero
PERSISTENT = (opt.LEVEL_SHIFT, opt.VARIANCE, opt.TREND)  # kinds that may stay unresolved
SEASONALITY_OR_VARIANCE = "Change in Seasonality/Variance"

CLASSES: dict[str, tuple[str, ...]] = {
    cat.PRESENCE: (opt.PRESENCE_YES, opt.PRESENCE_NO),
    cat.START: (*START_CLASSES, "no_anomaly"),
    cat.END: (*END_CLASSES, "no_anomaly"),
    cat.CATEGORIZATION: (opt.NO_ANOMALY, opt.LEVEL_SHIFT, opt.TRANSIENT_SPIKE, SEASONALITY_OR_VARIANCE, opt.TREND),
    cat.MAGNITUDE: (*MAGNITUDE_CLASSES, "no_anomaly"),
    cat.IDENTIFICATION: ("no_anomaly", "one_channel_small", "one_channel_large", "two_channel", "three_channel"),
    cat.CORRELATION: opt.CORRELATION_OPTIONS,
    cat.INDICATOR: opt.INDICATOR_OPTIONS,
}  # the F1 answer classes of each category, which the generator balances


@dataclass
class Draft:
    options: list[str]  # canonical order
    answer: str
    scenes: list[Drafted]
    relation: dict | None = None  # pairs: how the two anomalies relate
    extra: dict = field(default_factory=dict)  # ground truth specific to the question (e.g. listed channels)


def direction_for(rng: np.random.Generator, kind: str, magnitude: float) -> tuple[float, int]:
    """Mostly up; down only by at most MAX_DROP percent; the two-sided kinds always count as up."""
    down = kind not in TWO_SIDED and magnitude <= MAX_DROP and rng.random() < 0.3
    return magnitude, -1 if down else 1


class Context:
    """The random source and names of one question; every builder draws from `rng` only."""

    def __init__(
        self,
        rng: np.random.Generator,
        stem: str,
        profile: Profile = DEFAULT,
        grid: tuple[np.ndarray, int] | None = None,
    ) -> None:
        """grid: (timestamps, interval) of a given series; by default a random one drawn from `rng` and `profile`."""
        self.rng, self.stem, self.profile = rng, stem, profile
        self.timestamps, self.interval = grid if grid is not None else random_grid(rng, profile)
        self.steps = len(self.timestamps)

    def name(self, k: int) -> str:
        return f"{self.stem}_{k}"

    def stamp(self, step: int) -> str:
        return format_timestamp(int(self.timestamps[step]))

    def kind(self, exclude: tuple[str, ...] = ()) -> str:
        kinds = [k for k in opt.ANOMALY_KINDS if k not in exclude]
        return kinds[int(self.rng.integers(len(kinds)))]

    def size(self, kind: str) -> tuple[float, int]:
        """(magnitude %, direction) of an anomaly that should simply be visible."""
        sizes = [m for m in VISIBLE_MAGNITUDES if kind not in TWO_SIDED or m <= MAX_DROP]
        return direction_for(self.rng, kind, float(self.rng.choice(sizes)))

    def channel_count(self, minimum: int = 1) -> int:
        profile = self.profile
        counts = [c for c in profile.channel_counts if c >= minimum]
        weights = np.array([w for c, w in zip(profile.channel_counts, profile.channel_weights) if c >= minimum])
        return int(self.rng.choice(counts, p=weights / weights.sum()))

    def affected(self, channels: int) -> list[int]:
        count = int(self.rng.integers(1, min(3, channels) + 1))
        return sorted(int(c) for c in self.rng.choice(channels, size=count, replace=False))

    def end_after(self, kind: str, onset: int, length: int) -> int | None:
        """End of an anomaly starting at `onset`; None when it runs past the series or (sometimes) never recovers."""
        end = onset + length
        if end >= self.steps or (kind in PERSISTENT and self.rng.random() < 0.2):
            return None
        return end

    def scene(
        self, k: int, channels: int, anomaly: Anomaly | None, shape: np.ndarray | None = None, family=None
    ) -> Drafted:
        return draft_series(
            self.rng, self.name(k), self.timestamps, self.interval, channels, anomaly, shape, family, self.profile
        )

    def anomalous(
        self, kind: str, onset: int, channels: list[int], size: tuple[float, int] | None = None, room: int | None = None
    ) -> tuple[Anomaly, np.ndarray]:
        """An anomaly of `kind` from `onset` with a random length that fits in `room` steps (default: to the end)."""
        length, period = window_length(self.rng, kind, self.steps, room or self.steps - onset)
        magnitude, direction = size or self.size(kind)
        anomaly = Anomaly(kind, onset, self.end_after(kind, onset, length), magnitude, direction, channels, 0, period)
        return anomaly, effect_shape(self.rng, kind, anomaly.stop(self.steps) - onset, period)

    def free_scene(self, k: int, channels: int, kind: str | None, family=None) -> Drafted:
        """A series with an anomaly of `kind` placed anywhere in it (or none when kind is None)."""
        if kind is None:
            return self.scene(k, channels, None, family=family)
        onset = int(self.rng.integers(self.steps // 10, self.steps - self.steps // 6))
        anomaly, shape = self.anomalous(kind, onset, self.affected(channels))
        return self.scene(k, channels, anomaly, shape, family)


def stamp_count(with_special: bool) -> int:
    """Timestamp options of a start or end question: 3 beside "Before the earliest timestamp" / "Not resolved",
    else 4 (and "No Anomaly" always)."""
    return 3 if with_special else 4


def start_bounds(steps: int) -> tuple[int, int, int]:
    """(first, last step, least gap) of a start question's timestamp options."""
    return steps // 10, steps - steps // 10, option_gap(steps)


def end_bounds(steps: int) -> tuple[int, int, int]:
    """(first, last step, least gap) of an end question's timestamp options."""
    return steps // 5, steps - 2, option_gap(steps)


def start_stamps(ctx: Context, with_before: bool, pin: tuple[int, int] | None = None) -> np.ndarray:
    """The timestamp options of a start question, well apart."""
    low, high, gap = start_bounds(ctx.steps)
    return spaced_steps(ctx.rng, low, high, stamp_count(with_before), gap, pin)


def start_options(ctx: Context, with_before: bool, stamps: np.ndarray) -> list[str]:
    return ([opt.BEFORE_EARLIEST] if with_before else []) + [ctx.stamp(s) for s in stamps] + [opt.NO_ANOMALY]


def end_stamps(
    ctx: Context, with_unresolved: bool, low: int | None = None, pin: tuple[int, int] | None = None
) -> np.ndarray:
    """The timestamp options of an end question, well apart, from `low` (default: `end_bounds`)."""
    first, high, gap = end_bounds(ctx.steps)
    return spaced_steps(ctx.rng, first if low is None else low, high, stamp_count(with_unresolved), gap, pin)


def end_options(ctx: Context, with_unresolved: bool, stamps: np.ndarray) -> list[str]:
    return [ctx.stamp(s) for s in stamps] + ([opt.NOT_RESOLVED] if with_unresolved else []) + [opt.NO_ANOMALY]


def categorization_options(rng: np.random.Generator, answer: str) -> list[str]:
    """No Anomaly and the five kinds, one of the wrong ones left out."""
    texts = [opt.NO_ANOMALY, *opt.ANOMALY_KINDS]
    left_out = rng.choice([t for t in texts if t != answer])
    return [t for t in texts if t != left_out]


def categorization_class(answer: str) -> str:
    """The F1 class of a categorization answer: seasonality and variance are one class."""
    return SEASONALITY_OR_VARIANCE if answer in (opt.SEASONALITY, opt.VARIANCE) else answer


def magnitude_options(first: int) -> tuple[tuple[int, ...], list[str]]:
    """(the four consecutive sizes shown from MAGNITUDES[first], the options with No Anomaly)."""
    shown = MAGNITUDES[first : first + 4]
    return shown, [f"{m:g}" for m in shown] + [opt.NO_ANOMALY]


def presence(ctx: Context, answer: str) -> Draft:
    kind = ctx.kind() if answer == opt.PRESENCE_YES else None
    scene = ctx.free_scene(0, ctx.channel_count(), kind)
    return Draft([opt.PRESENCE_YES, opt.PRESENCE_NO], answer, [scene])


def start(ctx: Context, answer_class: str) -> Draft:
    rng, steps = ctx.rng, ctx.steps
    with_before = rng.random() < 0.5
    stamps = start_stamps(ctx, with_before)
    options = start_options(ctx, with_before, stamps)
    channels = ctx.channel_count()
    if answer_class == "no_anomaly":
        return Draft(options, opt.NO_ANOMALY, [ctx.scene(0, channels, None)])
    kind = ctx.kind()
    rank = START_CLASSES.index(answer_class) - int(with_before)
    if rank >= 0:
        anomaly, shape = ctx.anomalous(kind, int(stamps[rank]), ctx.affected(channels))
        return Draft(options, ctx.stamp(int(stamps[rank])), [ctx.scene(0, channels, anomaly, shape)])
    length, period = window_length(rng, kind, steps, steps)
    before = int(rng.integers(1, max(2, length // 2)))
    end = length - before if length - before < steps else None
    magnitude, direction = ctx.size(kind)
    anomaly = Anomaly(kind, 0, end, magnitude, direction, ctx.affected(channels), before, period)
    shape = effect_shape(rng, kind, before + anomaly.stop(steps), period)
    return Draft(options, opt.BEFORE_EARLIEST, [ctx.scene(0, channels, anomaly, shape)])


def end(ctx: Context, answer_class: str) -> Draft:
    rng, steps = ctx.rng, ctx.steps
    with_unresolved = rng.random() < 0.5
    channels = ctx.channel_count()
    if answer_class == "latest" and with_unresolved:
        kind = ctx.kind(exclude=(SPIKE,))
        onset = int(rng.integers(steps // 10, steps // 2))
        length, period = window_length(rng, kind, steps, steps - onset)
        magnitude, direction = ctx.size(kind)
        anomaly = Anomaly(kind, onset, None, magnitude, direction, ctx.affected(channels), 0, period)
        shape = effect_shape(rng, kind, steps - onset, period)
        stamps = end_stamps(ctx, True, low=onset + 1)
        answer, scene = opt.NOT_RESOLVED, ctx.scene(0, channels, anomaly, shape)
    else:
        stamps = end_stamps(ctx, with_unresolved)
        if answer_class == "no_anomaly":
            answer, scene = opt.NO_ANOMALY, ctx.scene(0, channels, None)
        else:
            kind, recovery = ctx.kind(), int(stamps[END_CLASSES.index(answer_class)])
            length, period = window_length(rng, kind, steps, recovery - steps // 20)
            magnitude, direction = ctx.size(kind)
            affected = ctx.affected(channels)
            anomaly = Anomaly(kind, recovery - length, recovery, magnitude, direction, affected, 0, period)
            shape = effect_shape(rng, kind, length, period)
            answer, scene = ctx.stamp(recovery), ctx.scene(0, channels, anomaly, shape)
    return Draft(end_options(ctx, with_unresolved, stamps), answer, [scene])


def categorization(ctx: Context, answer_class: str) -> Draft:
    answer = answer_class
    if answer_class == SEASONALITY_OR_VARIANCE:
        answer = opt.SEASONALITY if ctx.rng.random() < 0.5 else opt.VARIANCE
    options = categorization_options(ctx.rng, answer)
    scene = ctx.free_scene(0, ctx.channel_count(), None if answer == opt.NO_ANOMALY else answer)
    return Draft(options, answer, [scene])


def magnitude(ctx: Context, answer_class: str) -> Draft:
    first = int(ctx.rng.integers(0, len(MAGNITUDES) - 3))
    shown, options = magnitude_options(first)
    channels = ctx.channel_count()
    if answer_class == "no_anomaly":
        return Draft(options, opt.NO_ANOMALY, [ctx.scene(0, channels, None)])
    size = float(shown[MAGNITUDE_CLASSES.index(answer_class)])
    kind = ctx.kind(exclude=TWO_SIDED if size > MAX_DROP else ())
    onset = int(ctx.rng.integers(ctx.steps // 10, ctx.steps - ctx.steps // 6))
    anomaly, shape = ctx.anomalous(kind, onset, ctx.affected(channels), direction_for(ctx.rng, kind, size))
    return Draft(options, f"{size:g}", [ctx.scene(0, channels, anomaly, shape)])


def _listed(names: list[str], picks) -> str:
    return opt.CHANNEL_JOIN.join(sorted(names[int(i)] for i in picks))


def identification_draft(
    scene: Drafted, listed: list[int], singles: list[int], pair: list[int], anomalous: list[int]
) -> Draft:
    """Options: the two `singles` alone, the `pair` together, all three `listed`, and "No anomaly among the listed
    channels" (the answer when `anomalous`, the listed channels with the anomaly, is empty)."""
    names = scene.series.channels
    options = [_listed(names, [c]) for c in singles] + [_listed(names, pair), _listed(names, listed)]
    answer = _listed(names, anomalous) if anomalous else opt.NO_ANOMALY_LISTED
    extra = {"listed_channels": [names[c] for c in listed]}
    return Draft(options + [opt.NO_ANOMALY_LISTED], answer, [scene], extra=extra)


def identification(ctx: Context, answer_class: str) -> Draft:
    """Options name three listed channels: two alone, two together, all three. Channel names are sorted, so the
    lower index of the two single options is the lexicographically smaller one (the `one_channel_small` class)."""
    rng = ctx.rng
    channels = ctx.channel_count(minimum=4)
    listed = sorted(int(c) for c in rng.choice(channels, size=3, replace=False))
    singles = sorted(int(c) for c in rng.choice(listed, size=2, replace=False))
    pair = sorted(int(c) for c in rng.choice(listed, size=2, replace=False))
    unlisted = [c for c in range(channels) if c not in listed]
    chosen = {
        "no_anomaly": unlisted[: int(rng.integers(0, 2))],
        "one_channel_small": singles[:1],
        "one_channel_large": singles[1:],
        "two_channel": pair,
        "three_channel": listed,
    }[answer_class]
    anomaly, shape = None, None
    if chosen:
        onset = int(rng.integers(ctx.steps // 10, ctx.steps - ctx.steps // 6))
        anomaly, shape = ctx.anomalous(ctx.kind(), onset, chosen)
    scene = ctx.scene(0, channels, anomaly, shape)
    return identification_draft(scene, listed, singles, pair, [] if answer_class == "no_anomaly" else chosen)
