"""The cache encodes each distinct series once and returns exactly what the encoder returned."""

import os
import subprocess
import sys

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
    a, b, c = (wavy_series(1, 8, seed=s) for s in range(3))
    cached = CachedEncoder(counting, max_bytes=2 * tiny_encoder.encode(a).nbytes)  # room for two entries
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


def test_temporary_files_of_killed_writes_do_not_pile_up(tiny_encoder, wavy_series, tmp_path):
    """A write killed before its rename leaves `.KEY.safetensors.PID.HEX.tmp`: removed when the cache opens again,
    unless its process still runs (another process writing into the same directory now)."""
    CachedEncoder(tiny_encoder, cache_dir=tmp_path).encode(wavy_series(1, 12))
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    killed = tmp_path / f".{'ab' * 32}.safetensors.{child.pid}.1234abcd.tmp"
    writing = tmp_path / f".{'cd' * 32}.safetensors.{os.getpid()}.5678abcd.tmp"
    killed.write_bytes(b"half an entry")
    writing.write_bytes(b"being written")
    CachedEncoder(tiny_encoder, cache_dir=tmp_path)
    assert not killed.exists() and writing.exists()


def test_a_cache_of_other_weights_is_refused(tiny_encoder, tiny_checkpoint, wavy_series, tmp_path):
    from tsqa.encoders.toto import TotoEncoder

    values = wavy_series(1, 12)
    CachedEncoder(tiny_encoder, cache_dir=tmp_path).encode(values)
    bf16 = TotoEncoder.from_pretrained(tiny_checkpoint, dtype=torch.bfloat16)
    assert bf16.identity != tiny_encoder.identity
    with pytest.raises(ValueError, match="an encoder cache of another encoder"):
        CachedEncoder(bf16, cache_dir=tmp_path)
    CachedEncoder(bf16, cache_dir=tmp_path / "bf16").encode(values)
    assert len(list(tmp_path.glob("*.safetensors"))) == 1  # nothing of the other encoder's was written there


def test_keys_change_with_values_mask_and_encoder(tiny_encoder, tiny_checkpoint, wavy_series):
    from tsqa.encoders.toto import TotoEncoder

    values = wavy_series(2, 16)
    cached = CachedEncoder(tiny_encoder)
    changed, masked = values.copy(), values.copy()
    changed[1, 7] += 1e-9
    masked[1, 7] = np.nan
    keys = {cached.key(values), cached.key(changed), cached.key(masked)}
    other = CachedEncoder(TotoEncoder.from_pretrained(tiny_checkpoint, dtype=torch.bfloat16)).key(values)
    context = CachedEncoder(TotoEncoder.from_pretrained(tiny_checkpoint, max_context=8)).key(values)
    assert len(keys | {other, context}) == 5


def test_lists_of_mixed_shapes_encode_each_unique_series_once_in_batches(tiny_encoder, wavy_series):
    counting = CountingEncoder(tiny_encoder)
    cached = CachedEncoder(counting)
    a, b, c = wavy_series(2, 20, seed=0), wavy_series(3, 33, seed=1), wavy_series(1, 9, seed=2)
    outputs = cached.encode_list([a, b, a, c, b])
    assert counting.calls == [3]  # three unique series, one padded batch
    assert (cached.misses, cached.hits) == (3, 2)
    for values, output in zip([a, b, a, c, b], outputs):
        alone = tiny_encoder.encode(values)
        assert output.grid() == alone.grid()
        for name in EncoderOutput.tensor_names():
            torch.testing.assert_close(getattr(output, name), getattr(alone, name), rtol=1e-5, atol=1e-4)
