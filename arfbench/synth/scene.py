"""One synthetic series: a metric family, tag-set channels, a baseline, an optional anomaly and a few gaps."""

from dataclasses import dataclass, replace

import numpy as np

from tsqa.arfbench.options import format_timestamp
from tsqa.arfbench.schema import Series
from tsqa.arfbench.synth.anomalies import Anomaly, inject, stays_in_bounds
from tsqa.arfbench.synth.channels import ENVS, caption, channel_names
from tsqa.arfbench.synth.metrics import FAMILIES, MetricFamily, make_baseline
from tsqa.arfbench.synth.profile import DEFAULT, Profile
from tsqa.arfbench.synth.texture import apply_texture

GAP_PROBABILITY = 0.3
GAP_MARGIN = 3  # steps around the anomaly's onset and end that stay observed, so its window is readable


@dataclass
class Drafted:
    """A series with its ground truth: drafted here, or a labelled real series (`synth.labelled`), which has no
    baseline, family or metric."""

    series: Series
    baseline: np.ndarray | None  # (time, channels) the same series without the anomaly; NaN where the series has gaps
    family: MetricFamily | None
    metric: str | None
    caption: str
    levels: np.ndarray  # (channels,)
    noise: np.ndarray  # (channels,) relative noise standard deviation
    anomaly: Anomaly | None


def pick_family(rng: np.random.Generator, exclude: MetricFamily | None = None) -> MetricFamily:
    choices = [f for f in FAMILIES if f is not exclude]
    return choices[int(rng.integers(len(choices)))]


def _gap_mask(rng: np.random.Generator, steps: int, channels: int, anomaly: Anomaly | None) -> np.ndarray:
    """(time, channels) True where values go missing: short interior runs away from the anomaly's edges."""
    mask = np.zeros((steps, channels), dtype=bool)
    if rng.random() >= GAP_PROBABILITY:
        return mask
    protected = _edges(steps, anomaly)
    for _ in range(int(rng.integers(1, 4))):
        length = int(rng.integers(1, max(2, steps // 60)))
        start = int(rng.integers(1, steps - length - 1))
        if protected[start : start + length].any():
            continue
        columns = slice(None) if rng.random() < 0.5 else int(rng.integers(channels))
        mask[start : start + length, columns] = True
    return mask


def _edges(steps: int, anomaly: Anomaly | None) -> np.ndarray:
    """(steps,) True at the series' ends and around the anomaly's onset and end: steps that stay observed."""
    protected = np.zeros(steps, dtype=bool)
    protected[[0, steps - 1]] = True
    if anomaly is not None:
        for edge in (anomaly.onset, anomaly.stop(steps)):
            protected[max(0, edge - GAP_MARGIN) : edge + GAP_MARGIN] = True
    return protected


def draft_series(
    rng: np.random.Generator,
    name: str,
    timestamps: np.ndarray,
    interval: int,
    channels: int,
    anomaly: Anomaly | None = None,
    shape: np.ndarray | None = None,
    family: MetricFamily | None = None,
    profile: Profile = DEFAULT,
) -> Drafted:
    family = family or pick_family(rng)
    names, keys = channel_names(rng, family.tag_keys, channels, profile)
    rise = anomaly.magnitude_pct / 100 if anomaly is not None and anomaly.direction > 0 else 0.0
    baseline = make_baseline(rng, family, timestamps, len(names), max_rise=rise)
    if anomaly is not None and anomaly.direction < 0 and not stays_in_bounds(baseline, anomaly, shape):
        anomaly = replace(anomaly, direction=1)  # a drop this deep would hit zero here; rises never do
    values = baseline.values if anomaly is None else inject(baseline, anomaly, shape)
    gaps = _gap_mask(rng, len(timestamps), len(names), anomaly)
    values, normal = np.where(gaps, np.nan, values), np.where(gaps, np.nan, baseline.values)
    if profile.texture is not None:
        values, normal = apply_texture(rng, values, normal, list(anomaly.channels) if anomaly else [],
                                       _edges(len(timestamps), anomaly), profile.texture)
    metric = str(rng.choice(family.metrics))
    env = str(rng.choice(ENVS, p=[0.85, 0.15]))
    return Drafted(
        series=Series(name, names, timestamps, values, interval),
        baseline=normal,
        family=family,
        metric=metric,
        caption=caption(family.aggregation, metric, env, keys),
        levels=baseline.levels,
        noise=baseline.noise,
        anomaly=anomaly,
    )


def anomaly_meta(drafted: Drafted) -> dict | None:
    """The ground truth a training target can be written from: kind, window, size, direction, channels."""
    a = drafted.anomaly
    if a is None:
        return None
    series = drafted.series
    onset_epoch = int(series.timestamps[a.onset]) - a.before_window * series.interval
    end_epoch = None if a.end is None else int(series.timestamps[a.end])
    return {
        "kind": a.kind,
        "onset_index": a.onset,
        "end_index": a.end,
        "onset": format_timestamp(onset_epoch),
        "end": None if end_epoch is None else format_timestamp(end_epoch),
        "onset_epoch": onset_epoch,
        "end_epoch": end_epoch,
        "before_window": a.before_window > 0,
        "resolved": a.end is not None,
        "magnitude_pct": float(a.magnitude_pct),
        "direction": "up" if a.direction > 0 else "down",
        "channels": [series.channels[c] for c in a.channels],
        "channel_levels": {series.channels[c]: round(float(drafted.levels[c]), 6) for c in a.channels},
        "period_steps": a.period,
    }


def series_meta(drafted: Drafted) -> dict:
    return {
        "name": drafted.series.name,
        "metric": drafted.metric,
        "family": drafted.family.name if drafted.family else None,
        "unit": drafted.family.unit if drafted.family else None,
        "caption": drafted.caption,
        "anomaly": anomaly_meta(drafted),
    }


def describe(drafted: Drafted) -> str:
    """One sentence of ground truth, e.g. "service:checkout shifts up by 40% at 2025-03-07 18:05:00 until ..."."""
    meta = anomaly_meta(drafted)
    if meta is None:
        return f"{drafted.series.name}: no anomaly"
    verbs = {
        "Level Shift": "shifts {d} by {m}%",
        "Transient Spike": "spikes {d} by {m}%",
        "Change in Seasonality": "takes on a new periodic pattern of {m}%",
        "Change in Variance": "becomes noisier, by up to {m}%",
        "Change in Trend": "trends {d} to {m}%",
    }
    what = verbs.get(meta["kind"], "behaves anomalously, by up to {m}%").format(d=meta["direction"], m=f"{meta['magnitude_pct']:g}")
    start = f"from before {format_timestamp(int(drafted.series.timestamps[0]))}" if meta["before_window"] else (
        f"at {meta['onset']}"
    )
    end = f"until {meta['end']}" if meta["resolved"] else "and does not recover"
    return f"{drafted.series.name}: {' and '.join(meta['channels'])} {what} ({meta['kind']}) {start} {end}"
