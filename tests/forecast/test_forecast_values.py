"""Forecasts from Toto's quantile head: shapes, ordered quantiles, what the history shows, and refusals."""

import numpy as np
import pytest

from tsqa.encoders.forecast import MAX_HORIZON, carried_forward, forecast_values
from tsqa.forecasting import forecast_series

from .conftest import START, metric_frame

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_shapes_and_quantile_order(tiny_toto):
    values = metric_frame(steps=50).drop(columns="timestamp").to_numpy().T  # (2, 50): not whole patches
    for horizon in (1, 7, 33):
        forecast = forecast_values(tiny_toto, values, horizon)
        for band in (forecast.low, forecast.median, forecast.high):
            assert band.shape == (2, horizon) and np.isfinite(band).all()
        assert (forecast.low <= forecast.median).all() and (forecast.median <= forecast.high).all()
        assert forecast.horizon == horizon


def test_forecast_sits_at_the_level_of_the_history(tiny_toto):
    """Even untrained, the head's output is de-scaled by the history's loc/scale: a series at 1e6 is forecast
    near 1e6, one at -3 near -3."""
    t = np.arange(64)
    values = np.stack([1e6 + 10 * np.sin(t), -3 + 0.01 * np.cos(t)])
    forecast = forecast_values(tiny_toto, values, 8)
    assert np.all(np.abs(forecast.median[0] - 1e6) < 1e4)
    assert np.all(np.abs(forecast.median[1] + 3) < 1.0)


def test_missing_steps_are_carried_forward_and_leading_ones_stay_missing():
    values = np.array([[np.nan, 1.0, np.nan, np.nan, 4.0, np.nan]])
    np.testing.assert_array_equal(carried_forward(values), [[np.nan, 1, 1, 1, 4, 4]])


def test_a_nan_tail_gives_the_same_forecast_as_its_carried_value(tiny_toto):
    values = metric_frame(steps=64).drop(columns="timestamp").to_numpy().T
    tail = values.copy()
    tail[:, -3:] = np.nan
    filled = values.copy()
    filled[:, -3:] = values[:, -4:-3]
    np.testing.assert_allclose(forecast_values(tiny_toto, tail, 5).median, forecast_values(tiny_toto, filled, 5).median)


@pytest.mark.parametrize("horizon", [0, -3, MAX_HORIZON + 1, 2.5, True])
def test_refuses_a_bad_horizon(tiny_toto, horizon):
    with pytest.raises(ValueError, match="horizon: expected a whole number of steps"):
        forecast_values(tiny_toto, np.ones((1, 64)), horizon)


def test_refuses_too_short_a_history(tiny_toto):
    with pytest.raises(ValueError, match=r"history: 7 steps is too short.*at least 8"):
        forecast_values(tiny_toto, np.ones((1, 7)), 4)


def test_refuses_a_channel_without_values(tiny_toto):
    values = np.ones((3, 64))
    values[1] = np.nan
    with pytest.raises(ValueError, match="channel mem: no values at all"):
        forecast_values(tiny_toto, values, 4, channels=["cpu", "mem", "disk"])


def test_series_forecast_continues_the_time_grid(tiny_toto, metric_csv):
    result = forecast_series(tiny_toto, metric_csv, 6)
    last = START + 60 * 95
    np.testing.assert_array_equal(result.timestamps, last + 60 * np.arange(1, 7))
    assert result.channels == ["cpu:web-1", "mem:web-1"] and result.name == "metrics"
    payload = result.to_json()
    assert payload["horizon"] == 6 and payload["interval"] == 60
    first = payload["channels"][0]
    assert first["channel"] == "cpu:web-1" and len(first["median"]) == len(first["low"]) == len(first["high"]) == 6
    rows = result.to_csv().splitlines()
    assert rows[0] == "timestamp,channel,median,low,high" and len(rows) == 1 + 2 * 6
    stamp, channel, median, low, high = rows[1].split(",")
    assert stamp == "2023-11-14T23:49:20Z" and channel == "cpu:web-1"
    assert float(low) <= float(median) <= float(high)
