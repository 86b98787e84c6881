"""TotoEncoder's embeddings are the official model's own transformer output, however the input is batched or padded."""

import numpy as np
import pytest
import torch

from tsqa.encoders.base import EncoderOutput
from tsqa.encoders.toto import TotoEncoder


def official_embeddings(model, target: torch.Tensor, observed: torch.Tensor):
    """The path of Toto2Model.forward up to the transformer, written out from the model's modules."""
    patch = model.config.patch_size
    scaled, loc, scale = model.scaler(target, observed)
    batch, variates, steps = target.shape
    values = scaled.asinh().reshape(batch, variates, steps // patch, patch)
    missing = (~observed).float().reshape(batch, variates, steps // patch, patch)
    patches = model.patch_proj(torch.cat([values, missing], dim=-1))  # the model's patch embedding, written out
    series_ids = torch.zeros(target.shape[:-1], dtype=torch.long)  # (batch, variates): one series per entry
    group_ids = series_ids[..., None].repeat(1, 1, patches.shape[-2])
    group_ids[observed.unflatten(-1, (-1, patch)).sum(-1) == 0] = -1
    with torch.no_grad():
        return model.transformer(patches, group_ids=group_ids), loc, scale


def test_matches_official_transformer_output(tiny_encoder, wavy_series):
    values = np.stack([wavy_series(3, 32, seed=1), wavy_series(3, 32, seed=2)])
    values[0, 1, 6:12] = np.nan  # a gap covering patch 2 and half of patch 1
    values[1, 2, :] = np.nan  # an empty channel
    observed = torch.from_numpy(~np.isnan(values))
    target = torch.from_numpy(np.nan_to_num(values)).float()
    expected, loc, scale = official_embeddings(tiny_encoder.model, target, observed)

    out = tiny_encoder.encode(values)

    assert out.embeddings.shape == (2, 3, 8, 16)
    torch.testing.assert_close(out.embeddings, expected, rtol=0, atol=1e-5)
    torch.testing.assert_close(out.loc, loc[..., 3::4], rtol=0, atol=0)
    torch.testing.assert_close(out.scale, scale[..., 3::4], rtol=0, atol=0)
    assert out.patch_mask[0, 1].tolist() == [True, True, False, True, True, True, True, True]
    assert not out.patch_mask[1, 2].any() and out.patch_mask[1, :2].all()
    assert out.left_pad == 0 and out.bucket_size == 1 and out.time_length == 32


def test_left_padding_leaves_observed_patches_unchanged(tiny_encoder, wavy_series):
    """Exact up to float rounding: the causal scaler ignores unobserved steps, group id -1 keeps padded patches out
    of every attention row of observed ones, and rotary attention depends only on relative positions (the shifted
    absolute positions change cos/sin rounding, hence a tolerance rather than equality)."""
    values = wavy_series(2, 24)
    padded = np.concatenate([np.full((2, 12), np.nan), values], axis=1)  # 3 whole patches

    plain, shifted = tiny_encoder.encode(values), tiny_encoder.encode(padded)

    assert not shifted.patch_mask[..., :3].any()
    torch.testing.assert_close(shifted.embeddings[..., 3:, :], plain.embeddings, rtol=0, atol=1e-5)
    torch.testing.assert_close(shifted.loc[..., 3:], plain.loc, rtol=0, atol=0)
    torch.testing.assert_close(shifted.scale[..., 3:], plain.scale, rtol=0, atol=0)
    torch.testing.assert_close(shifted.surprise[..., 3:], plain.surprise, rtol=1e-4, atol=1e-5)


def test_any_length_is_left_padded_to_whole_patches(tiny_encoder, wavy_series):
    values = wavy_series(1, 30)
    out = tiny_encoder.encode(values)
    assert out.left_pad == 2 and out.num_patches == 8
    spans = out.patch_spans()
    assert spans[0].tolist() == [0, 2] and spans[-1].tolist() == [26, 30]
    padded = tiny_encoder.encode(np.concatenate([np.full((1, 2), np.nan), values], axis=1))
    torch.testing.assert_close(out.embeddings, padded.embeddings, rtol=0, atol=0)


def test_batch_equals_one_series_at_a_time(tiny_encoder, wavy_series):
    batch = np.stack([wavy_series(4, 40, seed=s) for s in range(3)])
    together = tiny_encoder.encode(batch)
    for index in range(3):
        alone = tiny_encoder.encode(batch[index])
        torch.testing.assert_close(together.embeddings[index : index + 1], alone.embeddings, rtol=0, atol=1e-5)
        torch.testing.assert_close(together.surprise[index : index + 1], alone.surprise, rtol=1e-4, atol=1e-5)


def test_empty_channels_do_not_change_real_channels(tiny_encoder, wavy_series):
    values = wavy_series(2, 32)
    padded = np.concatenate([values, np.full((3, 32), np.nan)])
    plain, with_empty = tiny_encoder.encode(values), tiny_encoder.encode(padded)
    torch.testing.assert_close(with_empty.embeddings[:, :2], plain.embeddings, rtol=0, atol=1e-5)
    assert not with_empty.patch_mask[:, 2:].any()
    assert torch.isfinite(with_empty.embeddings).all() and (with_empty.surprise[:, 2:] == 0).all()


def test_channels_of_one_series_attend_to_each_other(tiny_encoder, wavy_series):
    values = wavy_series(2, 32)
    changed = values.copy()
    changed[1, 16:] += 100.0
    before, after = tiny_encoder.encode(values), tiny_encoder.encode(changed)
    assert (after.embeddings[0, 0, 4:] - before.embeddings[0, 0, 4:]).abs().max() > 1e-3  # through variate attention
    torch.testing.assert_close(after.embeddings[0, 0, :4], before.embeddings[0, 0, :4], rtol=0, atol=1e-6)  # causal


def test_encode_list_mixes_shapes_and_keeps_order(tiny_encoder, wavy_series):
    series = [wavy_series(2, 20, seed=0), wavy_series(3, 33, seed=1), wavy_series(2, 20, seed=2)]
    outputs = tiny_encoder.encode_list(series, batch_size=2)
    assert [o.embeddings.shape[1:3] for o in outputs] == [(2, 5), (3, 9), (2, 5)]
    for values, output in zip(series, outputs):
        torch.testing.assert_close(output.embeddings, tiny_encoder.encode(values).embeddings, rtol=0, atol=1e-5)


def test_frozen_and_outside_autograd(tiny_encoder, wavy_series):
    assert not tiny_encoder.model.training
    assert not any(p.requires_grad for p in tiny_encoder.model.parameters())
    with torch.enable_grad():
        out = tiny_encoder.encode(torch.tensor(wavy_series(1, 16), requires_grad=True))
    assert not out.embeddings.requires_grad
    (torch.nn.Linear(16, 2)(out.embeddings)).sum().backward()  # usable as input to a trained adapter


def test_bfloat16_runs_on_cpu_close_to_float32(tiny_checkpoint, tiny_encoder, wavy_series):
    """bf16 keeps ~3 significant digits; embeddings are RMS-normalised (entries ~1), so 0.15 absolute is loose but
    catches anything broken (a wrong cast or scale gives O(1) errors)."""
    bf16 = TotoEncoder.from_pretrained(tiny_checkpoint, dtype=torch.bfloat16)
    values = wavy_series(3, 48) + 1e6  # a level bf16 alone could not resolve; the scaler sees float32
    out, reference = bf16.encode(values), tiny_encoder.encode(values)
    assert out.embeddings.dtype == torch.bfloat16 and torch.isfinite(out.embeddings).all()
    torch.testing.assert_close(out.embeddings.float(), reference.embeddings, rtol=0, atol=0.15)
    torch.testing.assert_close(out.loc, reference.loc, rtol=1e-6, atol=0)
    assert bf16.identity != tiny_encoder.identity


def test_identity_names_weights(tiny_checkpoint, tiny_encoder, tmp_path):
    from tsqa.factories.tiny_toto import save_tiny_toto

    again = TotoEncoder.from_pretrained(tiny_checkpoint)
    other = TotoEncoder.from_pretrained(save_tiny_toto(tmp_path / "other", seed=1))
    assert again.identity == tiny_encoder.identity
    assert other.identity.split(":")[-1] != tiny_encoder.identity.split(":")[-1]
    assert (tiny_encoder.patch_size, tiny_encoder.d_model) == (4, 16)


def test_missing_checkpoint_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*missing config.json"):
        TotoEncoder.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="missing model.safetensors"):
        TotoEncoder.from_pretrained(tmp_path)


def test_dtype_by_name(tiny_checkpoint):
    assert TotoEncoder.from_pretrained(tiny_checkpoint, dtype="bfloat16").dtype == torch.bfloat16
    with pytest.raises(ValueError, match="floating torch dtype"):
        TotoEncoder.from_pretrained(tiny_checkpoint, dtype="int8")


def test_encode_list_pads_short_series_and_buckets_long_ones_by_length(tiny_checkpoint, wavy_series):
    """Left padding and extra empty channels are cut off again: each series gets what encoding it alone gives."""
    encoder = TotoEncoder.from_pretrained(tiny_checkpoint, max_context=16)
    series = [wavy_series(2, 14, seed=0), wavy_series(3, 9, seed=1), wavy_series(1, 40, seed=2),
              wavy_series(2, 40, seed=3), wavy_series(1, 41, seed=4)]
    series[1][0, :3] = np.nan
    outputs = encoder.encode_list(series)
    for values, output in zip(series, outputs):
        alone = encoder.encode(values)
        assert output.grid() == alone.grid() and output.embeddings.shape == alone.embeddings.shape
        for name in EncoderOutput.tensor_names():
            torch.testing.assert_close(getattr(output, name), getattr(alone, name), rtol=1e-5, atol=1e-4)
