"""Evidence from a series: excursions, ranking and lag checked against the generator's ground truth (`Sample.meta`)
in every category, the band track, and the text within its budget."""

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench.options import TIMESTAMP_FORMAT
from tsqa.arfbench.schema import Series
from tsqa.arfbench.synth import generate_questions
from tsqa.evidence.excursions import BAND, Z, main_excursion, outside_runs, relation, series_evidence
from tsqa.evidence.text import Z_THRESHOLD, render

CORRELATED = ("simultaneous", "leading", "lagging")
SHARP = ("Level Shift", "Transient Spike")  # kinds whose onset and end are single steps


def _epoch(text: str) -> int:
    return int(datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC).timestamp())


def _clear(category: str, count: int, seed: int = 7, kinds=None, relations=None):
    """The first `count` questions of `category` whose every series holds an anomaly of at least 100% (of `kinds`,
    and for pairs of `relations`, when given)."""
    found = []
    for generated in generate_questions(60 * count, seed, categories=[category]):
        sample = generated.sample
        anomalies = [series["anomaly"] for series in sample.meta["series"]]
        if not all(anomalies) or any(a["magnitude_pct"] < 100 for a in anomalies):
            continue
        if kinds and any(a["kind"] not in kinds for a in anomalies):
            continue
        if relations and sample.meta["relation"]["relation"] not in relations:
            continue
        found.append(sample)
        if len(found) == count:
            return found
    raise AssertionError(f"fewer than {count} clear {category} questions")


def _main(sample, index: int = 0):
    evidence = series_evidence(sample.series[index])
    return evidence, main_excursion(evidence.excursions(Z, Z_THRESHOLD, evidence.steps // 100))


def test_runs_drop_short_ones_merge_close_ones_and_extend_over_weaker_steps():
    mask = np.array([0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1], dtype=bool)
    assert outside_runs(mask) == [(1, 3), (4, 7), (12, 14)]  # the lone step at 10 is dropped
    assert outside_runs(mask, merge_gap=1) == [(1, 7), (12, 14)]
    assert outside_runs(mask, merge_gap=5) == [(1, 14)]
    assert outside_runs(np.zeros(5, dtype=bool)) == []
    core = np.array([0, 0, 1, 1, 0, 0, 0, 0, 1, 1], dtype=bool)
    near = np.array([0, 1, 0, 0, 1, 0, 1, 1, 0, 0], dtype=bool)
    assert outside_runs(core, near=near) == [(1, 5), (6, 10)]
    assert outside_runs(core, near=near | np.eye(10, dtype=bool)[5]) == [(1, 10)]  # extensions that touch merge


def test_a_level_shift_is_one_excursion_with_its_levels():
    steps = 200
    values = 100 + np.random.default_rng(0).normal(0, 1, size=(steps, 2))
    values[120:160, 1] += 30  # channel 1 shifts up for 40 steps
    series = Series("s", ["host:a", "host:b"], 1_700_000_000 + 60 * np.arange(steps), values, 60)
    evidence = series_evidence(series)
    quiet, shifted = evidence.excursions(Z, Z_THRESHOLD)
    assert quiet == []
    (e,) = shifted
    assert (e.channel, e.start, e.end) == (1, 120, 160)
    assert 120 <= e.peak < 160 and e.score > 10
    assert e.before == pytest.approx(100, abs=1) and e.after == pytest.approx(100, abs=1)
    assert e.expected == pytest.approx(100, abs=1)  # the rolling median left the shift out: the normal level
    assert evidence.tracks[Z].held().argmax() == 1
    assert BAND not in evidence.tracks  # no forecaster, no band


SINGLE = [c for c in cat.CATEGORIES if c not in cat.PAIRED]


@pytest.mark.parametrize("category", SINGLE)
def test_the_most_surprising_excursion_is_on_a_true_channel_inside_the_true_window(category):
    hits = 0
    for sample in _clear(category, 10):
        truth = sample.meta["series"][0]["anomaly"]
        evidence, main = _main(sample)
        onset, end = (0 if truth["before_window"] else truth["onset_index"]), truth["end_index"] or evidence.steps
        tolerance = max(3, evidence.steps // 50)
        hits += (
            main is not None
            and sample.series[0].channels[main.channel] in truth["channels"]
            and onset - tolerance <= main.peak < end + tolerance
        )
    assert hits >= 8, f"{hits} of 10 clear {category} anomalies located"


@pytest.mark.parametrize("category", SINGLE)
def test_sharp_anomalies_are_dated_to_their_true_start_and_end(category):
    hits = 0
    for sample in _clear(category, 10, kinds=SHARP):
        truth = sample.meta["series"][0]["anomaly"]
        evidence, main = _main(sample)
        onset, end = (0 if truth["before_window"] else truth["onset_index"]), truth["end_index"] or evidence.steps
        tolerance = max(3, evidence.steps // 50)
        hits += main is not None and abs(main.start - onset) <= tolerance and abs(main.end - end) <= tolerance
    assert hits >= 7, f"{hits} of 10 sharp {category} anomalies dated"


@pytest.mark.parametrize("category", sorted(cat.PAIRED))
def test_the_lag_between_two_series_matches_the_ground_truth(category):
    hits = 0
    for sample in _clear(category, 10, kinds=SHARP, relations=CORRELATED):
        (first, a), (second, b) = _main(sample, 0), _main(sample, 1)
        if a is None or b is None:
            continue
        link = relation(first, a, second, b)
        tolerance = max(3, first.steps // 50) * sample.series[0].interval
        hits += abs(link.lag_seconds - sample.meta["relation"]["lag_seconds"]) <= tolerance
    assert hits >= 7, f"{hits} of 10 lags within tolerance"


def test_the_text_names_the_true_window_channel_and_lag():
    """The rendered text of a correlated pair: the true channels listed first, their window's start, the lag."""
    checked = 0
    for sample in _clear(cat.INDICATOR, 4, seed=3, kinds=SHARP, relations=("leading", "lagging")):
        truth = sample.meta["relation"]
        text = render([series_evidence(s) for s in sample.series])
        blocks = text.split("\nTime-series 2 (")
        for block, meta in zip(blocks, sample.meta["series"]):
            line = next(line for line in block.splitlines() if line.startswith("- "))
            name, detail = line[2:].split(": ", 1)
            assert name in meta["anomaly"]["channels"], line
            start = _epoch(re.search(r"z outside (\S+ \S+) to", detail).group(1))
            window = (meta["anomaly"]["onset_epoch"], meta["anomaly"]["end_epoch"])
            assert window[0] - 3 * sample.series[0].interval <= start < window[1], line
        lag = re.search(r"time-series 2's starts (\d+) s \([\d.]+% of the series\) (after|before)", text)
        assert lag is not None, text
        assert (lag.group(2) == "after") == (truth["relation"] == "leading")
        assert abs(int(lag.group(1)) - abs(truth["lag_seconds"])) <= 3 * sample.series[0].interval
        checked += 1
    assert checked == 4


def test_text_ranks_channels_and_keeps_to_its_budget():
    steps = 300
    rng = np.random.default_rng(1)
    values = 50 + rng.normal(0, 1, size=(steps, 6))
    for channel, size in ((4, 40), (2, 20), (5, 10)):  # three shifted channels, of decreasing size
        values[100:150, channel] += size
    names = [f"pod:{i}" for i in range(6)]
    series = Series("pods", names, 1_700_000_000 + 10 * np.arange(steps), values, 10)
    full = render([series_evidence(series)])
    listed = [line[2:].split(":", 2)[0] + ":" + line[2:].split(":", 2)[1] for line in full.splitlines()
              if line.startswith("- pod")]
    assert listed == ["pod:4", "pod:2", "pod:5"]
    assert "nothing outside in 3 channels: " in full
    short = render([series_evidence(series)], budget=len(full) - 40)
    assert len(short) <= len(full) - 40
    assert "- pod:4:" in short and "- pod:5:" not in short
    assert "more channels with excursions not listed" in short
    words = render([series_evidence(series)], budget=120, count=lambda text: len(text.split()))
    assert len(words.split()) <= 120 or "- pod" not in words  # only the fixed lines may exceed a tiny budget


def test_band_track_and_text_name_their_source(tiny_encoder):
    steps = 96
    values = 10 + np.sin(np.arange(steps) / 4)[:, None] + np.zeros((1, 2))
    values[60:64, 0] += 50  # a spike on channel 0
    series = Series("s", ["a:1", "a:2"], 1_700_000_000 + 60 * np.arange(steps), values, 60)
    evidence = series_evidence(series, tiny_encoder)
    assert set(evidence.tracks) == {Z, BAND}
    text = render([evidence])
    assert "band = distance outside Toto's" in text and "z = robust z-score" in text
    line = next(line for line in text.splitlines() if line.startswith("- a:1"))
    assert "z outside " in line and " | band " in line
