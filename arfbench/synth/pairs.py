"""Tier 3: two series of different metrics on one time grid, whose anomalies are simultaneous, lead, lag, are
unrelated, or are missing from one or both."""

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.synth.anomalies import Anomaly, effect_shape, window_length
from tsqa.arfbench.synth.questions import Context, Draft
from tsqa.arfbench.synth.scene import pick_family

SIMULTANEOUS, LEADING, LAGGING, UNCORRELATED = "simultaneous", "leading", "lagging", "uncorrelated"
ONLY_FIRST, ONLY_SECOND, NEITHER = "only_1", "only_2", "neither"
CORRELATED_RELATIONS = (SIMULTANEOUS, LEADING, LAGGING)
RELATION_OF_CORRELATION = {
    opt.NOT_CORRELATED: UNCORRELATED,
    opt.ONLY_FIRST: ONLY_FIRST,
    opt.ONLY_SECOND: ONLY_SECOND,
    opt.NEITHER: NEITHER,
}
RELATION_OF_INDICATOR = {
    opt.LEADING: LEADING,
    opt.LAGGING: LAGGING,
    opt.SIMULTANEOUS: SIMULTANEOUS,
    opt.INDICATOR_UNCORRELATED: UNCORRELATED,
}
ANSWER_OF_RELATION = {  # category -> relation of the two anomalies -> the correct option
    cat.CORRELATION: {
        **{relation: opt.CORRELATED for relation in CORRELATED_RELATIONS},
        **{relation: answer for answer, relation in RELATION_OF_CORRELATION.items()},
    },
    cat.INDICATOR: {
        **{relation: answer for answer, relation in RELATION_OF_INDICATOR.items()},
        **{relation: opt.INDICATOR_NO_ANOMALY for relation in (ONLY_FIRST, ONLY_SECOND, NEITHER)},
    },
}
PAIR_OPTIONS = {cat.CORRELATION: opt.CORRELATION_OPTIONS, cat.INDICATOR: opt.INDICATOR_OPTIONS}


def pair_question(category: str, relation: str, scenes: list, extra: dict) -> Draft:
    """The correlation or indicator question about two series whose anomalies relate by `relation`."""
    answer = ANSWER_OF_RELATION[category][relation]
    return Draft(list(PAIR_OPTIONS[category]), answer, scenes, relation={"relation": relation, **extra})


def _correlated(ctx: Context, relation: str) -> tuple[list, dict]:
    """The same effect shape in both series, the second shifted by the lag (series 1 leads when lag > 0)."""
    rng, steps = ctx.rng, ctx.steps
    lag = 0 if relation == SIMULTANEOUS else int(rng.integers(max(2, steps // 40), max(3, steps // 12) + 1))
    lag = -lag if relation == LAGGING else lag
    first = int(rng.integers(steps // 10, steps // 2))
    onsets = (first, first + lag) if lag >= 0 else (first - lag, first)
    kind = ctx.kind()
    length, period = window_length(rng, kind, steps, steps - max(onsets) - 1)
    shape = effect_shape(rng, kind, length, period)
    anomalies = []
    for onset in onsets:
        count = ctx.channel_count()
        magnitude, direction = ctx.size(kind)
        affected = ctx.affected(count)
        anomalies.append((count, Anomaly(kind, onset, onset + length, magnitude, direction, affected, 0, period)))
    return [(count, a, shape) for count, a in anomalies], {"lag_steps": lag, "lag_seconds": lag * ctx.interval}


def _unrelated(ctx: Context) -> list:
    """Different kinds in windows far apart: one in the first 45% of the series, the other after 60%."""
    rng, steps = ctx.rng, ctx.steps
    early_kind = ctx.kind()
    kinds = (early_kind, ctx.kind(exclude=(early_kind,)))
    windows = ((steps // 10, int(0.3 * steps), int(0.45 * steps)), (int(0.6 * steps), int(0.8 * steps), steps - 1))
    placed = []
    for kind, (low, high, limit) in zip(kinds, windows):
        onset = int(rng.integers(low, high))
        length, period = window_length(rng, kind, steps, limit - onset)
        magnitude, direction = ctx.size(kind)
        count = ctx.channel_count()
        anomaly = Anomaly(kind, onset, onset + length, magnitude, direction, ctx.affected(count), 0, period)
        placed.append((count, anomaly, effect_shape(rng, kind, length, period)))
    return placed[::-1] if rng.random() < 0.5 else placed


def _single(ctx: Context, present: bool) -> tuple:
    count = ctx.channel_count()
    if not present:
        return count, None, None
    onset = int(ctx.rng.integers(ctx.steps // 10, ctx.steps - ctx.steps // 6))
    anomaly, shape = ctx.anomalous(ctx.kind(), onset, ctx.affected(count))
    return count, anomaly, shape


def pair_draft(ctx: Context, relation: str, category: str) -> Draft:
    extra: dict = {"lag_steps": 0, "lag_seconds": 0}
    if relation in CORRELATED_RELATIONS:
        placed, extra = _correlated(ctx, relation)
    elif relation == UNCORRELATED:
        placed = _unrelated(ctx)
    else:
        placed = [_single(ctx, relation == ONLY_FIRST), _single(ctx, relation == ONLY_SECOND)]
    first_family = pick_family(ctx.rng)
    families = (first_family, pick_family(ctx.rng, exclude=first_family))
    scenes = [
        ctx.scene(k, count, anomaly, shape, family)
        for k, ((count, anomaly, shape), family) in enumerate(zip(placed, families))
    ]
    return pair_question(category, relation, scenes, extra)


def correlation(ctx: Context, answer: str) -> Draft:
    relation = RELATION_OF_CORRELATION.get(answer) or str(ctx.rng.choice(CORRELATED_RELATIONS))
    return pair_draft(ctx, relation, cat.CORRELATION)


def indicator(ctx: Context, answer: str) -> Draft:
    relation = RELATION_OF_INDICATOR.get(answer) or str(ctx.rng.choice((ONLY_FIRST, ONLY_SECOND, NEITHER)))
    return pair_draft(ctx, relation, cat.INDICATOR)
