"""Series at the edges of what the encoder takes: one patch long, and spikes that overflow float32 band widths."""

import numpy as np
import pytest
import torch

from tsqa.encoders.toto import SURPRISE_CAP


@pytest.mark.parametrize("steps", [1, 2, 3, 4])  # the tiny Toto's patch is 4 steps: one patch
def test_a_one_patch_series_encodes_with_zero_surprise(tiny_encoder, steps):
    output = tiny_encoder.encode(np.arange(2 * steps, dtype=float).reshape(2, steps))
    assert output.embeddings.shape == (1, 2, 1, tiny_encoder.d_model)
    assert torch.isfinite(output.embeddings).all() and output.patch_mask.all()
    assert torch.equal(output.surprise, torch.zeros(1, 2, 1))


@pytest.mark.parametrize("big", [1e19, 1e28, 1e30, 3e38])
def test_a_huge_spike_after_a_flat_stretch_has_finite_capped_surprise(tiny_encoder, big):
    values = np.zeros((1, 64))
    values[0, 30] = big
    output = tiny_encoder.encode(values)
    surprise = output.surprise[0, 0]
    assert torch.isfinite(surprise).all() and surprise.max() == pytest.approx(SURPRISE_CAP, rel=1e-6)
    assert torch.isfinite(output.embeddings).all() and torch.isfinite(output.loc).all()
    assert torch.isfinite(output.surprise.sum())  # what the adapter's features add up stays finite


def test_the_cap_leaves_ordinary_surprise_unchanged(tiny_encoder, wavy_series):
    series = wavy_series(3, 96)
    series[1, 50] += 1e4
    output = tiny_encoder.encode(series)
    assert 0 < output.surprise.max() < 1e6 < SURPRISE_CAP
