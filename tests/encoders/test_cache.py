"""The cache encodes each distinct series once and returns exactly what the encoder returned."""

import numpy as np
import pytest
import torch

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.cache import CachedEncoder


class CountingEncoder(Encoder):
    """Delegates to a real encoder and records how many series each call encoded."""

    def __init__(self, inner: Encoder):
        self.inner = inner
        self.patch_size, self.d_model, self.identity = inner.patch_size, inner.d_model, inner.identity
        self.max_context, self.device = inner.max_context, inner.device
        self.calls: list[int] = []

    def encode(self, values) -> EncoderOutput:
        out = self.inner.encode(values)
        self.calls.append(out.batch_size)
        return out


def assert_same(a: EncoderOutput, b: EncoderOutput) -> None:
    for name in EncoderOutput.tensor_names():
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert a.grid() == b.grid()


def test_repeated_series_are_encoded_once(tiny_encoder, wavy_series):
    counting = CountingEncoder(tiny_encoder)
    cached = CachedEncoder(counting)
    shared, other = wavy_series(2, 20, seed=0), wavy_series(2, 20, seed=1)
    shared[0, 3] = np.nan

    first = cached.encode(np.stack([shared, other, shared]))
    again = cached.encode(shared)

    assert counting.calls == [2]  # one batched call, the duplicate merged, the repeat served from memory
    assert (cached.misses, cached.hits) == (2, 2)
    direct = tiny_encoder.encode(np.stack([shared, other, shared]))
    assert_same(first, direct)
    assert_same(again, direct.unbatch()[0])


def test_nan_pattern_is_part_of_the_key(tiny_encoder, wavy_series):
    cached = CachedEncoder(tiny_encoder)
    values = wavy_series(1, 16)
    gap = values.copy()
    gap[0, 5] = np.nan
    assert cached.key(values) != cached.key(gap)
    assert cached.key(values) == cached.key(values.copy())
    assert cached.key(values) != cached.key(values[:, 1:])


def test_memory_is_bounded_least_recently_used_first(tiny_encoder, wavy_series):
    counting = CountingEncoder(tiny_encoder)
    cached = CachedEncoder(counting, max_items=2)
    a, b, c = (wavy_series(1, 8, seed=s) for s in range(3))
    for values in (a, b, a, c, a, b):  # c evicts b (a was used more recently); b must be encoded again
        cached.encode(values)
    assert counting.calls == [1, 1, 1, 1]
    assert cached.misses == 4 and cached.hits == 2


def test_disk_cache_round_trips_across_instances(tiny_encoder, wavy_series, tmp_path):
    values = np.stack([wavy_series(3, 30, seed=s) for s in range(2)])
    first = CachedEncoder(tiny_encoder, cache_dir=tmp_path).encode(values)
    assert len(list(tmp_path.glob("*.safetensors"))) == 2 and not list(tmp_path.glob("*.tmp"))

    counting = CountingEncoder(tiny_encoder)
    reloaded = CachedEncoder(counting, cache_dir=tmp_path).encode(values)

    assert counting.calls == []
    assert_same(reloaded, first)


def test_unreadable_entry_is_reported_and_replaced(tiny_encoder, wavy_series, tmp_path):
    values = wavy_series(1, 12)
    cached = CachedEncoder(tiny_encoder, cache_dir=tmp_path)
    expected = cached.encode(values)
    (entry,) = tmp_path.glob("*.safetensors")
    entry.write_bytes(b"not a safetensors file")

    counting = CountingEncoder(tiny_encoder)
    with pytest.warns(RuntimeWarning, match="unreadable cache entry"):
        recovered = CachedEncoder(counting, cache_dir=tmp_path).encode(values)
    assert counting.calls == [1]
    assert_same(recovered, expected)
    assert_same(CachedEncoder(CountingEncoder(tiny_encoder), cache_dir=tmp_path).encode(values), expected)


def test_other_weights_do_not_share_entries(tiny_encoder, tiny_checkpoint, wavy_series, tmp_path):
    from tsqa.encoders.toto import TotoEncoder

    values = wavy_series(1, 12)
    CachedEncoder(tiny_encoder, cache_dir=tmp_path).encode(values)
    bf16 = CountingEncoder(TotoEncoder.from_pretrained(tiny_checkpoint, dtype=torch.bfloat16))
    CachedEncoder(bf16, cache_dir=tmp_path).encode(values)
    assert bf16.calls == [1] and len(list(tmp_path.glob("*.safetensors"))) == 2
