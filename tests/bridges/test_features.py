import math

import numpy as np
import pytest
import torch

from tsqa.bridges.features import feature_dim, series_tokens, temporal_spans
from tsqa.encoders import EncoderOutput
from tsqa.encoders.outliers import robust_z


def _output() -> EncoderOutput:
    """2 channels, 6 patches of 4 steps, 2 left-pad steps: time_length 22. Channel 1 misses patches 0-2."""
    generator = torch.Generator().manual_seed(0)
    mask = torch.tensor([[[True] * 6, [False, False, False, True, True, True]]])
    return EncoderOutput(
        embeddings=torch.randn(1, 2, 6, 3, generator=generator),
        patch_mask=mask,
        loc=torch.tensor([[[1.0, 2, 3, 4, 5, 6], [0, 0, 0, 100, 110, 120]]]),
        scale=torch.tensor([[[1.0, 1, 2, 2, 3, 3], [1, 1, 1, 10, 10, 20]]]),
        surprise=torch.tensor([[[0.0, 0.5, 0, 2.0, 0, 1], [0, 0, 0, 0, 3.0, 0]]]),
        patch_size=4,
        bucket_size=1,
        left_pad=2,
        time_length=22,
    )


def _values() -> np.ndarray:
    """(22 steps, 2 channels): channel 0 alternates 9 and 11 (median 10, MAD 1) with a spike of 50 at step 17;
    channel 1 is missing before step 10 and constant 5 after, but for one step of 8 at step 20."""
    values = np.empty((22, 2))
    values[:, 0] = np.where(np.arange(22) % 2 == 0, 9.0, 11.0)
    values[17, 0] = 50.0
    values[:, 1] = np.nan
    values[10:, 1] = 5.0
    values[20, 1] = 8.0
    return values


def test_spans_split_the_observed_range_evenly():
    membership, steps = temporal_spans(_output(), 3)
    assert membership.int().tolist() == [[1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1]]
    assert steps.tolist() == [[0, 6], [6, 14], [14, 22]]  # patch 0 starts in the left padding: clipped to 0


def test_more_tokens_than_patches_share_patches_instead_of_going_empty():
    membership, _ = temporal_spans(_output(), 8)
    assert membership.sum(dim=1).min() >= 1


def test_features_match_a_manual_computation():
    output = _output()
    tokens = series_tokens(output, robust_z(_values()), channels=[1, 0], tokens=3, frequencies=2)
    d = 3
    assert tokens.features.shape == (2, 3, feature_dim(d, 2))
    # channel 1 (first in the list): span 0 (patches 0-1) unobserved; span 1 sees patch 3 only; span 2 patches 4-5
    assert tokens.empty.tolist() == [[True, False, False], [False, False, False]]
    emb = output.embeddings[0]
    torch.testing.assert_close(tokens.features[0, 1, :d], emb[1, 3])
    torch.testing.assert_close(tokens.features[0, 2, :d], (emb[1, 4] + emb[1, 5]) / 2)
    torch.testing.assert_close(tokens.features[1, 0, :d], (emb[0, 0] + emb[0, 1]) / 2)
    assert tokens.features[0, 0, :d].abs().sum() == 0
    position = tokens.features[1, 1, d : d + 2 * 5].reshape(2, 5)  # start then end: raw, sin x2, cos x2
    start, end = 6 / 22, 14 / 22
    expected = [[x, math.sin(math.pi * x), math.sin(2 * math.pi * x), math.cos(math.pi * x), math.cos(2 * math.pi * x)]
                for x in (start, end)]
    torch.testing.assert_close(position, torch.tensor(expected))
    surprise = tokens.features[..., d + 10 : d + 12]
    torch.testing.assert_close(surprise[1, 1], torch.tensor([math.log1p(1.0), math.log1p(2.0)]))  # patches 2, 3
    torch.testing.assert_close(surprise[0, 2], torch.tensor([math.log1p(1.5), math.log1p(3.0)]))  # patches 4, 5
    level = tokens.features[..., d + 12 : d + 18]
    assert level[0, 0].abs().sum() == 0  # nothing observed yet
    loc, scale = 100.0, 10.0  # channel 1 at patch 3, its last observed patch by the end of span 1
    final_loc, final_scale = 120.0, 20.0
    assert level[0, 1, 0].item() == pytest.approx(math.log1p(loc))
    assert level[0, 1, 1].item() == pytest.approx(math.log(scale))
    assert level[0, 1, 2].item() == pytest.approx(-math.log1p((final_loc - loc) / final_scale))
    assert level[0, 1, 3].item() == pytest.approx(math.log(scale / final_scale))
    series_loc = (math.log1p(6.0) + math.log1p(120.0)) / 2
    assert level[0, 1, 4].item() == pytest.approx(math.log1p(120.0) - series_loc, rel=1e-5)
    coverage = tokens.features[..., d + 18 : d + 20]
    assert coverage[0].tolist() == [[0.0, 1.0], [0.5, 0.0], [1.0, 0.0]]


def test_series_tokens_takes_one_series():
    output = _output()
    doubled = EncoderOutput.cat([output, output])
    with pytest.raises(ValueError, match="batch size 1"):
        series_tokens(doubled, robust_z(_values()), [0], 2, 2)
    with pytest.raises(ValueError, match="do not match the encoded series"):
        series_tokens(output, robust_z(_values()[:-1]), [0], 2, 2)


def _signed_log(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)


def test_value_features_are_robust_z_scores_of_each_span():
    tokens = series_tokens(_output(), robust_z(_values()), channels=[0, 1], tokens=3, frequencies=2)
    values = tokens.features[..., -4:]  # (channels, tokens, 4): max, min, mean z; spread
    scale = 1.4826  # channel 0: median 10, MAD 1
    # spans [0, 6) [6, 14) [14, 22): the spike (z = 40 / 1.4826) is in the last span only
    torch.testing.assert_close(values[0, 2, 0], torch.tensor(_signed_log(40 / scale)))
    torch.testing.assert_close(values[0, 0, :3], torch.tensor([_signed_log(1 / scale), _signed_log(-1 / scale), 0.0]))
    assert values[0, 2, 3] > values[0, 0, 3] > 0
    # channel 1: constant (MAD 0) -> its std is the scale; nothing observed in span 0 -> zeros
    assert values[1, 0].abs().sum() == 0
    observed = _values()[10:, 1]
    z = (8.0 - 5.0) / observed.std()
    torch.testing.assert_close(values[1, 2, 0], torch.tensor(_signed_log(z)))
    torch.testing.assert_close(values[1, 1, :3], torch.zeros(3))


def test_value_features_of_a_constant_or_empty_channel_are_finite():
    flat = np.full((22, 2), 7.0)
    flat[:, 1] = np.nan
    tokens = series_tokens(_output(), robust_z(flat), channels=[0, 1], tokens=3, frequencies=2)
    assert torch.isfinite(tokens.features).all()
    assert tokens.features[..., -4:].abs().sum() == 0
