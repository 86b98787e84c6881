"""Bad input is refused with a ValueError that says what is wrong."""

import numpy as np
import pytest
import torch


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([[1.0, np.inf, 2.0]]), "infinite value.*channel 0, step 1"),
        (np.array([[[1.0, 2.0], [3.0, -np.inf]]]), "infinite value.*batch 0, channel 1, step 1"),
        (np.zeros(8), "expected shape"),
        (np.zeros((1, 1, 1, 8)), "expected shape"),
        (np.zeros((0, 8)), "empty input"),
        (np.zeros((2, 0)), "empty input"),
        (np.zeros((0, 2, 8)), "empty input"),
        (np.array([["1", "2"]]), "expected numbers"),
        (np.array([[1.0, None]], dtype=object), "expected numbers"),
        ([[1.0, 2.0], [3.0]], "not a rectangular array"),
        (torch.zeros(1, 4, dtype=torch.complex64), "complex"),
        (np.array([[1e39, 1.0, 2.0, 3.0]]), "do not fit"),
    ],
)
def test_bad_values_are_refused(tiny_encoder, values, message):
    with pytest.raises(ValueError, match=message):
        tiny_encoder.encode(values)


def test_encode_list_names_the_bad_series(tiny_encoder):
    with pytest.raises(ValueError, match="series 1: expected shape"):
        tiny_encoder.encode_list([np.zeros((1, 8)), np.zeros(8)])


def test_integer_bool_and_tensor_inputs_are_accepted(tiny_encoder):
    as_int = tiny_encoder.encode(np.arange(8).reshape(1, 8))
    as_tensor = tiny_encoder.encode(torch.arange(8, dtype=torch.float16).reshape(1, 8))
    torch.testing.assert_close(as_int.embeddings, as_tensor.embeddings, rtol=0, atol=0)
    assert tiny_encoder.encode(np.ones((1, 8), dtype=bool)).embeddings.shape == (1, 1, 2, 16)


def test_all_missing_input_is_masked_not_an_error(tiny_encoder):
    out = tiny_encoder.encode(np.full((2, 9), np.nan))
    assert not out.patch_mask.any() and torch.isfinite(out.embeddings).all()
