"""Long series are aggregated into end-aligned buckets, never cut; patch spans map back to input steps."""

import numpy as np
import pytest
import torch

from tsqa.encoders.inputs import bucket_means, to_grid
from tsqa.encoders.toto import TotoEncoder


def test_short_series_are_unchanged():
    values = np.arange(12.0).reshape(1, 1, 12)
    assert bucket_means(values, 12)[0] is values
    grid = to_grid(values, max_context=16, patch_size=8)
    assert grid.left_pad == 4 and grid.bucket_size == 1
    np.testing.assert_array_equal(grid.values[..., 4:], values)
    assert np.isnan(grid.values[..., :4]).all()


def test_buckets_align_to_the_end_and_skip_missing_values():
    values = np.arange(10.0).reshape(1, 1, 10)
    values[0, 0, 8] = np.nan
    means, size, offset = bucket_means(values, max_context=4)  # 3 steps a bucket, the first one short by 2
    assert (size, offset) == (3, 2)
    np.testing.assert_array_equal(means[0, 0], [0.0, 2.0, 5.0, 8.0])  # [0], [1 2 3], [4 5 6], [7 nan 9]
    empty = np.full((1, 1, 10), np.nan)
    assert np.isnan(bucket_means(empty, 4)[0]).all()


def test_context_must_hold_a_patch():
    with pytest.raises(ValueError, match="max_context"):
        to_grid(np.zeros((1, 1, 8)), max_context=2, patch_size=4)


def test_long_series_are_bucketed_not_cut(tiny_encoder, wavy_series):
    short_context = TotoEncoder(tiny_encoder.model, name="tiny", max_context=16)
    values = wavy_series(2, 50)
    out = short_context.encode(values)
    assert (out.bucket_size, out.bucket_offset, out.left_pad, out.time_length) == (4, 2, 3, 50)
    spans = out.patch_spans()
    assert spans[0, 0] == 0 and spans[-1].tolist() == [34, 50]  # the newest 16 steps: the last patch of 4 buckets
    assert (spans[1:, 0] == spans[:-1, 1]).all()  # contiguous: nothing dropped
    means, _, _ = bucket_means(values[None], 16)
    assert means[0, :, -1] == pytest.approx(values[:, -4:].mean(axis=1))
    same = tiny_encoder.encode(means)  # the full-context encoder on the bucket means
    torch.testing.assert_close(out.embeddings, same.embeddings, rtol=0, atol=0)


def test_default_context_buckets_an_hour_of_seconds(tiny_encoder):
    values = np.sin(np.arange(10_000) / 50.0)[None]
    out = tiny_encoder.encode(values)
    assert out.bucket_size == 3 and out.num_patches * out.patch_size <= 4096 + out.patch_size
    assert out.patch_spans()[-1, 1] == 10_000
