"""Descriptive targets written from the generator's ground truth."""

import dataclasses

from tsqa import arfbench
from tsqa.arfbench.categories import CORRELATION, PRESENCE
from tsqa.training.descriptions import DISTRACTORS, NO_ANOMALY, describe, descriptive_sample, descriptive_samples


def test_description_states_the_ground_truth():
    sample = next(s for s in arfbench.generate(12, seed=0, categories=[PRESENCE]) if s.meta["series"][0]["anomaly"])
    truth = sample.meta["series"][0]["anomaly"]
    described = descriptive_sample(sample, seed=0)
    assert described.answer == describe(truth)
    assert truth["kind"] in described.answer and truth["channels"][0] in described.answer
    assert f"{truth['magnitude_pct']:g}%" in described.answer
    assert (truth["onset"] in described.answer) != truth["before_window"]


def test_options_are_the_truth_and_distinct_distractors():
    samples = arfbench.generate(16, seed=1)
    described = descriptive_samples(samples, seed=0)
    assert len(described) == len(samples)
    for original, d in zip(samples, described):
        assert d.id == f"{original.id}/describe" and d.series is original.series
        assert d.answer in d.options and len(set(d.options)) == len(d.options) == DISTRACTORS + 1
        assert d.meta["target"] == "description"
    assert descriptive_samples(samples, seed=0) == described
    assert any(d.answer == NO_ANOMALY for d in described)


def test_pairs_describe_both_series():
    pair = arfbench.generate(2, seed=2, categories=[CORRELATION])[0]
    described = descriptive_sample(pair, seed=0)
    assert described.answer.startswith("time-series 1: ") and "; time-series 2: " in described.answer


def test_real_data_without_ground_truth_gives_nothing():
    sample = dataclasses.replace(arfbench.generate(1, seed=3)[0], meta={})
    assert descriptive_sample(sample, seed=0) is None
