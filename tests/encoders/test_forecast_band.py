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


def test_one_pass_gives_the_encoding_and_the_band(tiny_encoder, wavy_series):
    values = wavy_series(3, 37, seed=2)
    output, band = tiny_encoder.encode_with_band(values)
    alone = tiny_encoder.encode(values)
    for name in alone.tensor_names():
        torch.testing.assert_close(getattr(output, name), getattr(alone, name), rtol=0, atol=0)
    assert output.grid() == alone.grid()
    np.testing.assert_array_equal(band.median, tiny_encoder.forecast_band(values).median)


def test_the_cache_keeps_the_band_and_the_encoding_of_its_pass(tiny_encoder, wavy_series):
    from tsqa.encoders import CachedEncoder

    passes = []
    forward = tiny_encoder._forward
    tiny_encoder._forward = lambda grid: passes.append(grid.values.shape) or forward(grid)
    try:
        cached = CachedEncoder(tiny_encoder)
        values = wavy_series(2, 40, seed=4)
        band = cached.forecast_band(values)
        again = cached.forecast_band(values.copy())
        (encoded,) = cached.encode_list([values])
    finally:
        del tiny_encoder._forward
    assert len(passes) == 1 and again is band and (cached.misses, cached.hits) == (1, 2)
    np.testing.assert_array_equal(band.high, tiny_encoder.forecast_band(values).high)
    torch.testing.assert_close(encoded.embeddings, tiny_encoder.encode(values).embeddings, rtol=0, atol=0)


def test_a_band_is_refused_by_an_encoder_without_one(tiny_encoder, wavy_series):
    import pytest

    from tsqa.encoders import CachedEncoder

    inner = CachedEncoder(tiny_encoder)
    with pytest.raises(TypeError, match="no forecast band"):
        CachedEncoder(inner).forecast_band(wavy_series(1, 8))
