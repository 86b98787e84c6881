"""The adapter's input ablation: `toto` reads only what the encoder's weights make (and where/whether data is),
`features` only the parameter-free statistics, so changing the zeroed part changes nothing downstream."""

import pytest
import torch

from tsqa.bridges.hybrid import TimeSeriesAdapter, TimeSeriesPayload
from tsqa.bridges.config import AdapterConfig
from tsqa.bridges.features import COVERAGE_FEATURES, LEVEL_FEATURES, SURPRISE_FEATURES, VALUE_FEATURES, \
    encoder_feature_mask, feature_dim

DIM, FREQ = 8, 4
POSITION = 2 * (1 + 2 * FREQ)


def _payload(features: torch.Tensor) -> TimeSeriesPayload:
    count = features.shape[0]
    zeros = torch.zeros(count, dtype=torch.long)
    return TimeSeriesPayload(features=features, empty=torch.zeros(count, dtype=torch.bool), channel=zeros,
                             series=zeros, kind=zeros)


def test_masks_split_the_feature_vector():
    width = feature_dim(DIM, FREQ)
    both, toto, features = (encoder_feature_mask(DIM, FREQ, k) for k in ("both", "toto", "features"))
    assert both.shape == (width,) and both.all()
    assert toto[:DIM].all() and not features[:DIM].any()  # the pooled embedding
    surprise = slice(DIM + POSITION, DIM + POSITION + SURPRISE_FEATURES)
    assert toto[surprise].all() and not features[surprise].any()
    value = slice(width - VALUE_FEATURES, width)
    level = slice(surprise.stop, surprise.stop + LEVEL_FEATURES)
    assert features[value].all() and features[level].all() and not toto[value].any() and not toto[level].any()
    shared = torch.cat([torch.arange(DIM, DIM + POSITION),
                        torch.arange(level.stop, level.stop + COVERAGE_FEATURES)])
    assert toto[shared].all() and features[shared].all()


@pytest.mark.parametrize("inputs, zeroed", [("features", slice(0, DIM)), ("toto", slice(-VALUE_FEATURES, None))])
def test_zeroed_inputs_do_not_reach_the_output(inputs, zeroed):
    torch.manual_seed(0)
    adapter = TimeSeriesAdapter(AdapterConfig(encoder_dim=DIM, lm_width=16, hidden_dim=32, fourier_frequencies=FREQ,
                                    inputs=inputs)).eval()
    features = torch.randn(3, feature_dim(DIM, FREQ))
    moved = features.clone()
    moved[:, zeroed] += 100.0
    torch.testing.assert_close(adapter(_payload(moved)), adapter(_payload(features)))
    assert "kept" not in adapter.state_dict()  # checkpoints are unchanged by the switch


def test_unknown_inputs_are_refused():
    with pytest.raises(ValueError, match="AdapterConfig.inputs must be one of both, toto, features"):
        AdapterConfig(inputs="plot")
