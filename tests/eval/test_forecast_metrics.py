"""Forecast metrics on hand-computed cases."""

import numpy as np
import pytest

from tsqa.eval.forecast_metrics import geometric_mean, mase, scaled_quantile_loss, seasonal_scale

LEVELS = np.array([0.1, 0.5, 0.9])


def test_seasonal_scale_and_mase():
    history = np.array([0.0, 1, 0, 1, 0, 1])
    assert seasonal_scale(history, 2) != seasonal_scale(history, 2)  # period 2 repeats exactly: no scale (NaN)
    assert seasonal_scale(history, 1) == 1.0
    assert seasonal_scale(np.array([1.0, 2.0]), 24) == 1.0  # too short for the season: lag 1
    assert mase(np.array([1.0, 3.0]), np.array([2.0, 2.0]), scale=0.5) == 2.0


def test_a_point_forecast_scores_its_mase_and_a_band_can_do_better():
    actual, scale = np.array([1.0, 3.0]), 0.5
    point = np.full((3, 2), 2.0)
    assert scaled_quantile_loss(actual, point, LEVELS, scale) == pytest.approx(mase(actual, point[1], scale))
    band = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # 10% at 1, 90% at 3: both actuals on an edge
    assert scaled_quantile_loss(actual, band, LEVELS, scale) < scaled_quantile_loss(actual, point, LEVELS, scale)


def test_geometric_mean_skips_nan_and_floors_zero():
    assert geometric_mean([1.0, 4.0, float("nan")]) == pytest.approx(2.0)
    assert geometric_mean([0.0, 1000.0], floor=1e-3) == pytest.approx(1.0)
    assert np.isnan(geometric_mean([]))
