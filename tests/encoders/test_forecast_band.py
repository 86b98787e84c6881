"""Toto's forecast band: what its quantile head predicts one patch ahead, for each input step."""

import numpy as np
import torch


def test_forecast_band_is_what_toto_forecasts_one_patch_ahead(tiny_encoder, wavy_series):
    values = wavy_series(2, 40, seed=5)
    band = tiny_encoder.forecast_band(values)
    model, patch = tiny_encoder.model, tiny_encoder.patch_size
    assert band.low.shape == band.high.shape == values.shape
    assert np.isnan(band.median[:, :patch]).all()  # the first patch has no forecast
    for i in range(1, values.shape[1] // patch):
        context = torch.from_numpy(values[None, :, : i * patch]).float()
        inputs = {"target": context, "target_mask": torch.ones_like(context, dtype=torch.bool),
                  "series_ids": torch.zeros(1, 2, dtype=torch.long)}
        forecast = model.forecast(inputs, horizon=patch)[:, 0]  # (knots, channels, horizon)
        for knot, mine in ((0.1, band.low), (0.5, band.median), (0.9, band.high)):
            expected = forecast[model.output_head.knots.index(knot)].double().numpy()
            np.testing.assert_allclose(mine[:, i * patch : (i + 1) * patch], expected, rtol=1e-4, atol=1e-4)
    distance = band.distance(values)
    inside = (values >= band.low) & (values <= band.high)
    assert (distance[inside] == 0).all()
    above = values > band.high
    np.testing.assert_allclose(distance[above], ((values - band.high) / (band.high - band.low))[above])
