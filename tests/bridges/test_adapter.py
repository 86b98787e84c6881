import pytest
import torch

from tsqa.bridges.hybrid import TimeSeriesAdapter, TimeSeriesPayload
from tsqa.bridges.config import AdapterConfig, config_dict, load_config


def _config(**overrides) -> AdapterConfig:
    return AdapterConfig(**{"encoder_dim": 16, "lm_width": 24, "hidden_dim": 32, "embedding_rms": 0.02, **overrides})


def test_output_width_and_embedding_scale():
    adapter = TimeSeriesAdapter(_config())
    features = torch.randn(5, adapter.input.in_features)
    zeros = torch.zeros(5, dtype=torch.long)
    out = adapter(TimeSeriesPayload(features, torch.zeros(5, dtype=torch.bool), torch.arange(5), zeros, zeros))
    assert out.shape == (5, 24)
    rms = out.pow(2).mean(dim=-1).sqrt()
    torch.testing.assert_close(rms, torch.full((5,), 0.02), rtol=1e-3, atol=1e-6)
    markers = adapter.marker_vectors()
    assert markers.shape == (2, 24)
    torch.testing.assert_close(markers.pow(2).mean(dim=-1).sqrt(), torch.full((2,), 0.02), rtol=1e-3, atol=1e-6)


def test_empty_spans_use_the_learned_vector_and_identity_matters():
    adapter = TimeSeriesAdapter(_config())
    with torch.no_grad():
        adapter.empty.normal_()
        adapter.channel_ids.weight.normal_()
    features = torch.randn(1, adapter.input.in_features)
    other = features.clone()
    other[:, :16] = torch.randn(1, 16)  # a different pooled embedding: ignored when the span is empty
    series = torch.zeros(1, dtype=torch.long)
    empty = torch.ones(1, dtype=torch.bool)
    first, second = torch.tensor([0]), torch.tensor([1])

    def run(x, is_empty, channel, kind=torch.zeros(1, dtype=torch.long)):
        return adapter(TimeSeriesPayload(x, is_empty, channel, series, kind))

    torch.testing.assert_close(run(features, empty, first), run(other, empty, first))
    assert not torch.allclose(run(features, ~empty, first), run(other, ~empty, first))
    assert not torch.allclose(run(features, empty, first), run(features, empty, second))
    grounding = torch.ones(1, dtype=torch.long)  # the same features as a grounding token: another vector
    assert not torch.allclose(run(features, ~empty, first), run(features, ~empty, first, grounding))


def test_config_json_round_trip_and_validation():
    config = _config(tokens_per_channel=4, min_tokens_per_channel=1)
    assert load_config(AdapterConfig, config_dict(config), "adapter") == config
    with pytest.raises(ValueError, match="adapter: unknown key 'width'"):
        load_config(AdapterConfig, {**config_dict(config), "width": 3}, "adapter")
    with pytest.raises(ValueError, match=r"adapter.hidden_dim: expected int, got '8'"):
        load_config(AdapterConfig, {"hidden_dim": "8"}, "adapter")
    with pytest.raises(ValueError, match="widths unknown"):
        TimeSeriesAdapter(AdapterConfig())  # the widths come from the base models
    with pytest.raises(ValueError, match="below min_tokens_per_channel"):
        _config(tokens_per_channel=1, min_tokens_per_channel=2)
    with pytest.raises(ValueError, match="max_ts_tokens"):
        _config(max_ts_tokens=3)
