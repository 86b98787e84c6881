"""A wide series gets Toto's forecast band on the channels its z track finds most surprising only."""

import numpy as np

from tsqa.arfbench import Series
from tsqa.evidence.excursions import BAND, BAND_CHANNELS, series_evidence


def _series(values: np.ndarray) -> Series:
    steps, channels = values.shape
    return Series("wide", [f"pod:{c}" for c in range(channels)], 1_700_000_000 + 60 * np.arange(steps), values, 60)


def test_the_band_is_forecast_on_the_most_surprising_channels_only(tiny_encoder):
    rng = np.random.default_rng(0)
    steps, channels = 96, BAND_CHANNELS + 16
    values = rng.uniform(10, 100, channels) * (1 + 0.2 * np.sin(np.arange(steps) / 8))[:, None]
    values += rng.normal(size=(steps, channels))  # (time, channels)
    values[60:64, 75] += 50 * values[:, 75].std()  # a spike on a channel past the first BAND_CHANNELS
    calls = []

    class Spy:
        def forecast_band(self, judged):
            calls.append(judged.shape)
            return tiny_encoder.forecast_band(judged)

    evidence = series_evidence(_series(values), forecaster=Spy())
    assert calls == [(BAND_CHANNELS, 96)]
    judged = ~np.isnan(evidence.tracks[BAND].score).all(axis=1)
    assert judged.sum() == BAND_CHANNELS and judged[75]

    narrow = values[:, :BAND_CHANNELS]
    whole = series_evidence(_series(narrow), forecaster=tiny_encoder).tracks[BAND]
    direct = tiny_encoder.forecast_band(narrow.T)
    np.testing.assert_array_equal(whole.expected, direct.median)  # up to BAND_CHANNELS: every channel, as before
