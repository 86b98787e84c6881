import numpy as np

from tsqa.arfbench import channel_rank
from tsqa.arfbench.channel_rank import channel_scores, top_channels


def _wide(channels: int = 200, steps: int = 1024, seed: int = 0) -> np.ndarray:
    """(steps, channels): daily-like cycles at different phases and levels with noise, nothing anomalous."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)[:, None]
    phase = rng.uniform(0, 2 * np.pi, channels)
    return 100 + rng.uniform(0, 50, channels) + 10 * np.sin(2 * np.pi * t / 288 + phase) + rng.normal(0, 1, (steps, channels))


def test_the_anomalous_channels_rank_first():
    values = _wide()
    values[700:, 11] += 8  # level shift
    values[400:404, 57] += 15  # transient spike
    values[600:800, 120] += 10 * np.sin(2 * np.pi * np.arange(200) / 24)  # a faster cycle on top
    values[500:700, 163] += np.random.default_rng(1).normal(0, 6, 200)  # a burst of variance
    values[:, 190] = np.linspace(0, 500, 1024)  # a steady ramp: not an anomaly
    assert set(top_channels(values, 4).tolist()) == {11, 57, 120, 163}
    scores = channel_scores(values)
    assert scores.dtype == np.float32 and scores.shape == (200,)
    assert scores[190] < np.sort(scores)[-5]


def test_missing_values_and_empty_channels():
    values = _wide(channels=6, steps=256)
    values[::3, 1] = np.nan  # a third missing
    values[:, 2] = np.nan  # never observed
    values[:, 3] = 7.0  # constant
    values[100:104, 4] += 30  # a spike, half of it missing
    values[::2, 4] = np.nan
    scores = channel_scores(values)
    assert np.isfinite(scores).all() and scores[2] == 0 and scores[3] == 0
    assert int(np.argmax(scores)) == 4
    assert channel_scores(values[:1]).tolist() == [0] * 6  # one step: nothing is held for two steps


def test_chunks_give_the_same_scores(monkeypatch):
    values = _wide(channels=50, steps=300)
    whole = channel_scores(values)
    monkeypatch.setattr(channel_rank, "CHUNK_CELLS", 300 * 7)  # 7 channels at a time
    assert np.array_equal(channel_scores(values), whole)
