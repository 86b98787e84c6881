"""Surprise: distance outside the band the model predicted one patch earlier, in band widths."""

import numpy as np
import pytest
import torch

from tsqa.encoders.outliers import band_surprise


def test_zero_inside_the_band_and_growing_outside():
    low, high = torch.tensor([[0.0] * 4]), torch.tensor([[2.0] * 4])
    observed = torch.ones(1, 4, dtype=torch.bool)
    inside = band_surprise(torch.tensor([[0.0, 0.5, 1.9, 2.0]]), observed, low, high)
    assert inside.tolist() == [0.0]
    scores = [band_surprise(torch.full((1, 4), y), observed, low, high).item() for y in (2.0, 3.0, 4.0, 6.0, -2.0)]
    assert scores == [0.0, 0.5, 1.0, 2.0, 1.0]  # one band width (2) past either edge scores 1


def test_mean_over_observed_steps_only():
    values = torch.tensor([[4.0, float("nan"), 1.0, 8.0]])  # 1 and 3 band widths above, one inside, one missing
    observed = torch.tensor([[True, False, True, True]])
    score = band_surprise(values, observed, torch.zeros(1, 4), torch.full((1, 4), 2.0))
    assert score.item() == pytest.approx((1.0 + 0.0 + 3.0) / 3)
    assert band_surprise(values, torch.zeros_like(observed), torch.zeros(1, 4), torch.ones(1, 4)).item() == 0.0


def test_band_of_zero_width_gives_large_finite_scores():
    score = band_surprise(torch.tensor([[1.0]]), torch.tensor([[True]]), torch.zeros(1, 1), torch.zeros(1, 1))
    assert torch.isfinite(score).all() and score.item() > 1e6


def test_patch_i_is_judged_by_the_forecast_made_at_patch_i_minus_1(tiny_encoder, wavy_series):
    """The official `forecast` from the first i patches predicts patch i; its 10-90% band must give surprise[i]."""
    values = wavy_series(2, 40, seed=3)
    out = tiny_encoder.encode(values)
    model, patch = tiny_encoder.model, tiny_encoder.patch_size
    assert (out.surprise[..., 0] == 0).all()
    for i in range(1, out.num_patches):
        context = torch.from_numpy(values[None, :, : i * patch]).float()
        inputs = {
            "target": context,
            "target_mask": torch.ones_like(context, dtype=torch.bool),
            "series_ids": torch.zeros(1, 2, dtype=torch.long),
        }
        band = model.forecast(inputs, horizon=patch)  # (knots, batch, channels, horizon), sorted, de-scaled
        low, high = band[model.output_head.knots.index(0.1)], band[model.output_head.knots.index(0.9)]
        truth = torch.from_numpy(values[None, :, i * patch : (i + 1) * patch])
        expected = band_surprise(truth, torch.ones_like(truth, dtype=torch.bool), low.double(), high.double())
        torch.testing.assert_close(out.surprise[..., i], expected.float(), rtol=1e-4, atol=1e-4)


def test_no_prediction_no_surprise(tiny_encoder, wavy_series):
    values = wavy_series(1, 32)
    values[0, 8:12] = np.nan  # patch 2 empty: patch 3 has no prediction from an observed patch
    out = tiny_encoder.encode(values)
    assert out.surprise[0, 0, [0, 2, 3]].tolist() == [0.0, 0.0, 0.0]
    assert (out.surprise[0, 0, 4:] > 0).any()


def test_a_spike_is_the_most_surprising_patch(tiny_encoder, wavy_series):
    values = wavy_series(2, 64, seed=4)
    values[1, 42] += 1000 * values[1].std()  # inside patch 10
    surprise = tiny_encoder.encode(values).surprise[0]  # (channels, patches)
    assert surprise[1].argmax().item() == 10
    assert surprise[1, 10] > 10 * surprise[1, :10].max()
