"""Generator profiles: `default` is what the generator always wrote; `shifted` moves intervals, lengths, channel
counts and channel names away from it, and its questions are as valid (answers still the ground truth)."""

import re
from dataclasses import replace

import numpy as np
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench.synth import generate
from tsqa.arfbench.synth.profile import DEFAULT, PROFILES, REAL, SHIFTED, Profile
from tsqa.cli import main


def test_shifted_moves_every_setting_away_from_default():
    samples = generate(64, seed=3, profile=SHIFTED)
    series = [s for sample in samples for s in sample.series]
    intervals = {s.interval for s in series}
    assert intervals <= {i for i, _ in SHIFTED.intervals} and not intervals & {i for i, _ in DEFAULT.intervals}
    assert all(SHIFTED.min_steps <= len(s.timestamps) < SHIFTED.max_steps for s in series)
    assert {len(s.channels) for s in series} <= set(SHIFTED.channel_counts)
    keys = {key for s in series for channel in s.channels for key in re.findall(r"([a-z_]+):", channel)}
    assert keys <= {new for _, new in SHIFTED.key_names} and "dc" not in keys and "service" not in keys
    assert all(sample.meta["generator"]["profile"] == "shifted" for sample in samples)
    for sample in samples:
        for caption, meta in zip(sample.question.splitlines()[1:], sample.meta["series"]):
            assert meta["caption"] in caption and "{dc" not in caption


def test_shifted_questions_keep_their_answers_and_balance():
    samples = generate(80, seed=4, profile=SHIFTED)
    assert {s.category for s in samples} == set(cat.CATEGORIES)
    for sample in samples:
        assert sample.answer in sample.options
        truth = [s["anomaly"] for s in sample.meta["series"]]
        if sample.category == cat.IDENTIFICATION and truth[0]:
            listed = set(sample.meta["listed_channels"])
            assert set(truth[0]["channels"]) & listed or sample.answer.startswith("No anomaly")


def test_default_profile_is_the_default():
    assert generate(3, seed=1)[0].series[0] == generate(3, seed=1, profile=DEFAULT)[0].series[0]
    assert generate(3, seed=1)[0].series[0] != generate(3, seed=1, profile=SHIFTED)[0].series[0]
    assert PROFILES["shifted"] is SHIFTED and PROFILES["real"] is REAL and set(PROFILES) == {"default", "shifted", "real"}
    with pytest.raises(ValueError, match="some count of 4 or more"):
        Profile("p", ((60, 1.0),), 10, 20, (1, 2), (0.5, 0.5), ("a",), ("b",), ("c",))


def test_synth_profile_flag(tmp_path, capsys):
    out = tmp_path / "shifted"
    assert main(["synth", "--out", str(out), "--n", "8", "--seed", "2", "--no-images", "--profile", "shifted"]) == 0
    assert main(["validate", str(out)]) == 0
    assert "intervals: " in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse names the choices
        main(["synth", "--out", str(tmp_path / "x"), "--n", "2", "--profile", "odd"])
    assert "choose from 'default', 'real', 'shifted'" in capsys.readouterr().err


def test_real_texture_flattens_normal_channels_quantises_and_drops_points_but_keeps_answers():
    samples = generate(64, seed=5, profile=REAL)
    plain = generate(64, seed=5, profile=replace(REAL, texture=None))
    flat = quantised = missing = 0
    for sample, before in zip(samples, plain):
        assert sample.answer in sample.options and sample.category == before.category
        assert sample.meta["answer_class"] == before.meta["answer_class"]
        for series, meta in zip(sample.series, sample.meta["series"]):
            anomalous = set(meta["anomaly"]["channels"]) if meta["anomaly"] else set()
            for c, name in enumerate(series.channels):
                observed = series.values[~np.isnan(series.values[:, c]), c]
                if np.ptp(observed) == 0:
                    flat += 1
                    assert name not in anomalous and c not in anomalous  # the anomaly is never flattened away
                elif len(np.unique(observed)) < 0.2 * len(observed):
                    quantised += 1
            missing += int(np.isnan(series.values).sum())
    assert flat > 10 and quantised > 10 and missing > 100


def test_real_profile_has_the_real_questions_shape():
    """Real questions are short windows of many channels (eval/README.md); the default is long and narrow."""
    shapes = [series.values.shape for sample in generate(48, seed=6, profile=REAL) for series in sample.series]
    assert all(100 <= steps < 330 for steps, _ in shapes)
    assert {channels for _, channels in shapes} <= set(REAL.channel_counts)
    assert np.median([channels for _, channels in shapes]) >= 16
