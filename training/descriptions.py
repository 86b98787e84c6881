"""Descriptive targets for adapter alignment, written from the generator's ground truth in `Sample.meta["series"]`.

Each synthetic question yields one more question about the same series: "describe the anomaly", whose answer states
everything at once (kind, direction, size, channels, window). It is multiple choice, like every prompt the model
sees: the distractors each change one fact of the truth (another kind, time, size, channel, or no anomaly at all),
so the supervised answer can only be told from them by reading the series. Questions without ground truth (real
data) yield nothing.
"""

import dataclasses
import zlib

import numpy as np

from tsqa.arfbench.options import ANOMALY_KINDS, format_timestamp
from tsqa.arfbench.schema import Sample, Series

DISTRACTORS = 3
NO_ANOMALY = "no anomaly"
_QUESTION = "Describe the anomaly in the time-series: kind, direction, size, channels and time window."
_PAIR_QUESTION = "Describe the anomalies of time-series 1 and time-series 2: kind, direction, size, channels, window."


def describe(anomaly: dict | None) -> str:
    """One series' ground truth as a sentence, e.g. "Level Shift, up 40%, on host:a, from T0 to T1"."""
    if anomaly is None:
        return NO_ANOMALY
    start = anomaly["onset"] if not anomaly["before_window"] else "before the start"
    end = anomaly["end"] if anomaly["resolved"] else "the end (not resolved)"
    return (
        f"{anomaly['kind']}, {anomaly['direction']} {anomaly['magnitude_pct']:g}%, "
        f"on {' and '.join(anomaly['channels'])}, from {start} to {end}"
    )


def _joined(descriptions: list[str]) -> str:
    if len(descriptions) == 1:
        return descriptions[0]
    return "; ".join(f"time-series {i + 1}: {text}" for i, text in enumerate(descriptions))


def _moved(anomaly: dict, series: Series, rng: np.random.Generator) -> dict:
    """The same anomaly at a clearly different time (at least a sixth of the series away)."""
    steps = len(series.timestamps)
    onset = 0 if anomaly["before_window"] else anomaly["onset_index"]
    far = [i for i in range(steps - 1) if abs(i - onset) >= steps // 6]
    new_onset = int(rng.choice(far))
    length = (anomaly["end_index"] or steps) - onset
    new_end = new_onset + max(1, length)
    resolved = new_end < steps
    return anomaly | {
        "before_window": False,
        "onset_index": new_onset,
        "onset": format_timestamp(series.timestamps[new_onset]),
        "resolved": resolved,
        "end_index": new_end if resolved else None,
        "end": format_timestamp(series.timestamps[new_end]) if resolved else None,
    }


def _fabricated(series: Series, rng: np.random.Generator) -> dict:
    """An anomaly that is not there, for series without one."""
    fake = {"kind": str(rng.choice(ANOMALY_KINDS)), "direction": str(rng.choice(["up", "down"])),
            "magnitude_pct": float(rng.choice([25, 50, 100, 200])), "before_window": False, "end_index": None,
            "onset_index": 0, "channels": [str(rng.choice(series.channels))]}
    return _moved(fake, series, rng)


def _variants(anomaly: dict | None, series: Series, rng: np.random.Generator) -> list[dict | None]:
    """Versions of `anomaly` that are each wrong in one fact."""
    if anomaly is None:
        return [_fabricated(series, rng) for _ in range(DISTRACTORS + 1)]
    kinds = [k for k in ANOMALY_KINDS if k != anomaly["kind"]]
    others = [c for c in series.channels if c not in anomaly["channels"]]
    variants = [
        None,
        anomaly | {"kind": str(rng.choice(kinds))},
        anomaly | {"direction": "down" if anomaly["direction"] == "up" else "up"},
        anomaly | {"magnitude_pct": anomaly["magnitude_pct"] * float(rng.choice([0.25, 4.0]))},
        _moved(anomaly, series, rng),
    ]
    if others:
        swapped = list(anomaly["channels"])
        swapped[int(rng.integers(len(swapped)))] = str(rng.choice(others))
        variants.append(anomaly | {"channels": swapped})
    return variants


def descriptive_sample(sample: Sample, seed: int) -> Sample | None:
    """The describe-the-anomaly question about `sample`'s series, or None without generator ground truth."""
    truths = [entry.get("anomaly") for entry in sample.meta.get("series", [])]
    if not truths or len(truths) != len(sample.series):
        return None
    rng = np.random.default_rng([seed, zlib.crc32(sample.id.encode("utf-8"))])
    answer = _joined([describe(a) for a in truths])
    candidates = []
    for index, (anomaly, series) in enumerate(zip(truths, sample.series)):
        for variant in _variants(anomaly, series, rng):
            changed = [describe(variant) if i == index else describe(a) for i, a in enumerate(truths)]
            candidates.append(_joined(changed))
    distinct = [c for c in dict.fromkeys(candidates) if c != answer]
    chosen = [distinct[i] for i in rng.permutation(len(distinct))[:DISTRACTORS]]
    options = [answer, *chosen]
    options = [options[i] for i in rng.permutation(len(options))]
    return dataclasses.replace(
        sample,
        id=f"{sample.id}/describe",
        question=_QUESTION if len(sample.series) == 1 else _PAIR_QUESTION,
        options=options,
        answer=answer,
        meta={**sample.meta, "target": "description"},
    )


def descriptive_samples(samples: list[Sample], seed: int) -> list[Sample]:
    """One descriptive question per sample that carries generator ground truth, in order."""
    described = (descriptive_sample(sample, seed) for sample in samples)
    return [d for d in described if d is not None]
