"""What the adapter sees of one series: per channel, K temporal tokens pooled from the encoder's patches.

The K spans split the series' observed patch range (the union over channels) into equal parts, so every channel's
k-th token covers the same time span and the prompt can name that span's start time once per token. All features are
computed without parameters; the learned parts (the empty-span vector, the MLP) live in the adapter (`bridges.hybrid`).
Besides the encoder's view, each token carries robust statistics of the raw values in its span: they say "this span
holds an outlier" in the same units for every series, whatever the encoder learned.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from tsqa.encoders import EncoderOutput

SURPRISE_FEATURES = 2  # log1p of mean and max surprise over the span
LEVEL_FEATURES = 6  # see `_level_features`
COVERAGE_FEATURES = 2  # observed fraction of the span's patches, empty flag
VALUE_FEATURES = 4  # see `_value_features`
TIME_WINDOW_FRACTION = 48  # a timestamp's window reaches 1/48 of the series to each side


def feature_dim(encoder_dim: int, frequencies: int) -> int:
    """Width of one token's feature vector: pooled embedding ++ span position ++ surprise ++ level ++ coverage ++
    raw-value statistics."""
    return (
        encoder_dim + _position_dim(frequencies) + SURPRISE_FEATURES + LEVEL_FEATURES + COVERAGE_FEATURES
        + VALUE_FEATURES
    )


def encoder_feature_mask(encoder_dim: int, frequencies: int, inputs: str) -> torch.Tensor:
    """(feature_dim,) 1 where a token feature is kept for the adapter's `inputs` ablation, 0 where it is zeroed.

    both: everything. toto: what the encoder's weights produce (pooled embedding, surprise) plus where and whether the
    span was observed (position, coverage). features: the parameter-free rest (position, level, coverage, raw-value
    statistics), so the encoder's weights cannot matter."""
    sizes = {"embedding": encoder_dim, "position": _position_dim(frequencies), "surprise": SURPRISE_FEATURES,
             "level": LEVEL_FEATURES, "coverage": COVERAGE_FEATURES, "value": VALUE_FEATURES}
    kept = {"both": set(sizes), "toto": {"embedding", "position", "surprise", "coverage"},
            "features": {"position", "level", "coverage", "value"}}[inputs]
    return torch.cat([torch.full((size,), float(name in kept)) for name, size in sizes.items()])


@dataclass
class SeriesTokens:
    """Adapter inputs for the shown channels of one series, in prompt order."""

    features: torch.Tensor  # (channels, tokens, feature_dim) float32; pooled part is 0 where `empty`
    empty: torch.Tensor  # (channels, tokens) bool: the channel has no observation in the span
    span_steps: np.ndarray  # (tokens, 2) int64: [start, end) input steps of each token's span, shared by channels


def temporal_spans(output: EncoderOutput, tokens: int) -> tuple[torch.Tensor, np.ndarray]:
    """Split the observed patch range into `tokens` equal spans of whole patches.

    Returns membership (tokens, patches) bool and span_steps (tokens, 2). With fewer observed patches than tokens,
    neighbouring spans share a patch rather than being empty.
    """
    if tokens < 1:
        raise ValueError(f"tokens per channel must be at least 1, got {tokens}")
    observed = output.patch_mask[0].any(dim=0).nonzero().flatten().tolist()  # patch indices seen by any channel
    first, last = (observed[0], observed[-1]) if observed else (0, output.num_patches - 1)
    width = last - first + 1
    starts = [first + k * width // tokens for k in range(tokens)]
    ends = [max(start + 1, first + (k + 1) * width // tokens) for k, start in enumerate(starts)]
    patch = torch.arange(output.num_patches)
    membership = (patch[None] >= torch.tensor(starts)[:, None]) & (patch[None] < torch.tensor(ends)[:, None])
    patch_spans = output.patch_spans()  # (patches, 2)
    span_steps = np.stack([patch_spans[starts, 0], patch_spans[np.array(ends) - 1, 1]], axis=1)
    return membership, span_steps


def channel_max_surprise(output: EncoderOutput) -> np.ndarray:
    """(channels,) the largest surprise over each channel's observed patches (0 for an empty channel)."""
    surprise = torch.where(output.patch_mask[0], output.surprise[0], 0)
    return surprise.max(dim=-1).values.float().cpu().numpy()


def series_tokens(
    output: EncoderOutput, z: np.ndarray, channels: list[int], tokens: int, frequencies: int
) -> SeriesTokens:
    """Features of `tokens` temporal tokens for each channel in `channels` of a batch-1 encoder output.

    z: (steps, all channels) robust z-scores (`robust_z`) of the raw series the encoder saw, NaN where missing;
    computed once per series by the caller, since every token and grounding of the series reads them."""
    membership, span_steps = temporal_spans(output, tokens)
    return span_tokens(output, z, channels, membership, span_steps, frequencies)


def span_tokens(
    output: EncoderOutput,
    z: np.ndarray,
    channels: list[int],
    membership: torch.Tensor,
    span_steps: np.ndarray,
    frequencies: int,
) -> SeriesTokens:
    """Features of one token per span for each channel in `channels`: membership (spans, patches) bool says which
    patches a span pools, span_steps (spans, 2) its [start, end) input steps."""
    if output.batch_size != 1:
        raise ValueError(f"series_tokens takes one series (batch size 1), got batch size {output.batch_size}")
    if z.ndim != 2 or z.shape[0] != output.time_length:
        raise ValueError(f"values of shape {z.shape} do not match the encoded series ({output.time_length} steps)")
    membership = membership.to(output.embeddings.device)
    index = torch.tensor(channels, dtype=torch.long, device=output.embeddings.device)
    mask = output.patch_mask[0, index]  # (channels, patches)
    weights = membership[None] & mask[:, None, :]  # (channels, tokens, patches)
    count = weights.sum(dim=-1)  # (channels, tokens)
    empty = count == 0
    embeddings = output.embeddings[0, index].float()  # (channels, patches, d)
    pooled = torch.einsum("ckp,cpd->ckd", weights.float(), embeddings) / count.clamp(min=1)[..., None]

    surprise = output.surprise[0, index].float()[:, None, :]  # (channels, 1, patches)
    mean_surprise = (weights * surprise).sum(dim=-1) / count.clamp(min=1)
    max_surprise = torch.where(weights, surprise, 0).amax(dim=-1)

    relative = torch.from_numpy(span_steps / max(output.time_length, 1)).float()  # (tokens, 2) in [0, 1]
    position = _fourier(relative, frequencies).to(pooled.device)  # (tokens, position_dim)
    coverage = count.float() / membership.sum(dim=-1).clamp(min=1).float()[None]  # (channels, tokens)

    features = torch.cat(
        [
            pooled,
            position[None].expand(len(channels), -1, -1),
            torch.stack([mean_surprise.log1p(), max_surprise.log1p()], dim=-1),
            _level_features(output, index, membership),
            torch.stack([coverage, empty.float()], dim=-1),
            _value_features(z[:, channels], span_steps).to(pooled.device),
        ],
        dim=-1,
    )  # (channels, tokens, feature_dim)
    return SeriesTokens(features=features.cpu(), empty=empty.cpu(), span_steps=span_steps)


def _position_dim(frequencies: int) -> int:
    return 2 * (1 + 2 * frequencies)


def _fourier(relative: torch.Tensor, frequencies: int) -> torch.Tensor:
    """(tokens, 2) relative start/end -> (tokens, position_dim): raw values, then sin/cos at 2^f * pi."""
    scales = (2.0 ** torch.arange(frequencies)) * math.pi  # (frequencies,)
    angles = relative[..., None] * scales  # (tokens, 2, frequencies)
    parts = torch.cat([relative[..., None], angles.sin(), angles.cos()], dim=-1)  # (tokens, 2, 1 + 2F)
    return parts.flatten(start_dim=1)


def _signed_log(x: torch.Tensor) -> torch.Tensor:
    return x.sign() * x.abs().log1p()


def _level_features(output: EncoderOutput, index: torch.Tensor, membership: torch.Tensor) -> torch.Tensor:
    """(channels, tokens, 6): the level at each span's end against the channel's and the series' level.

    The encoder's loc/scale are causal (mean and std of everything up to a patch), so each token reads them at the
    last observed patch up to its span's end: signed-log loc, log scale; the same relative to the channel's final
    loc/scale; and the channel's final level relative to the mean over all channels of the series. Zeros where the
    channel has no observation yet.
    """
    mask = output.patch_mask[0]  # (all channels, patches)
    patch = torch.arange(output.num_patches, device=mask.device)
    last_seen = torch.where(mask, patch, -1).cummax(dim=-1).values  # (all channels, patches): last observed so far
    loc = output.loc[0].float()
    scale = output.scale[0].float().clamp(min=1e-6)

    final = last_seen[:, -1]  # (all channels,)
    final_loc = loc.gather(1, final.clamp(min=0)[:, None])[:, 0]
    final_scale = scale.gather(1, final.clamp(min=0)[:, None])[:, 0]
    has_data = final >= 0
    series_log_loc = _signed_log(final_loc)[has_data].mean() if has_data.any() else loc.new_zeros(())
    series_log_scale = final_scale.log()[has_data].mean() if has_data.any() else loc.new_zeros(())

    span_end = membership.float().argmax(dim=-1) + membership.sum(dim=-1) - 1  # (tokens,) last patch of each span
    seen = last_seen[index][:, span_end.to(mask.device)]  # (channels, tokens)
    valid = seen >= 0
    token_loc = loc[index].gather(1, seen.clamp(min=0))
    token_scale = scale[index].gather(1, seen.clamp(min=0))
    channel_loc, channel_scale = final_loc[index][:, None], final_scale[index][:, None]
    features = torch.stack(
        [
            _signed_log(token_loc),
            token_scale.log(),
            _signed_log((token_loc - channel_loc) / channel_scale),
            (token_scale / channel_scale).log(),
            (_signed_log(channel_loc) - series_log_loc).expand_as(token_loc),
            (channel_scale.log() - series_log_scale).expand_as(token_loc),
        ],
        dim=-1,
    )
    return torch.where(valid[..., None], features, 0)


def _value_features(z: np.ndarray, span_steps: np.ndarray) -> torch.Tensor:
    """(channels, tokens, 4) from the robust z-scores (steps, channels) of the raw values in each span against the
    whole channel, signed-log compressed: max, min and mean z, and the span's spread over the channel's. Zeros for a
    span without values."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN spans: handled below
        stats = []
        for start, end in span_steps:
            span = z[start:end]  # (span steps, channels)
            stats.append([np.nanmax(span, 0), np.nanmin(span, 0), np.nanmean(span, 0), np.nanstd(span, 0)])
    features = np.array(stats).transpose(2, 0, 1)  # (channels, tokens, 4)
    features = np.nan_to_num(features, nan=0.0, posinf=1e12, neginf=-1e12)  # inf only from inf input values
    features[..., :3] = np.sign(features[..., :3]) * np.log1p(np.abs(features[..., :3]))
    features[..., 3] = np.log1p(features[..., 3])
    return torch.from_numpy(features).float()


def time_window_tokens(
    output: EncoderOutput, z: np.ndarray, timestamps: np.ndarray, epoch: int, frequencies: int
) -> tuple[SeriesTokens, int]:
    """One token per channel for the window around the instant `epoch` (what grounds a timestamp), and the channel
    that changes most there.

    The window spans 1/24 of the series centred on the instant (timestamp options sit at least 1/15 apart), so it
    resolves time far finer than the series tokens. Its raw-value features say how the series changes at the
    instant: the mean z after minus before, the largest |z| after and before, and the spread after over before.
    """
    steps = len(timestamps)
    step = int(np.clip(np.searchsorted(timestamps, epoch), 0, steps - 1))
    half = max(2, steps // TIME_WINDOW_FRACTION)
    low, high = max(0, step - half), min(steps, step + half)
    spans = output.patch_spans()  # (patches, 2)
    membership = torch.from_numpy((spans[:, 1] > low) & (spans[:, 0] < high))[None]  # (1, patches)
    channels = list(range(z.shape[1]))
    tokens = span_tokens(output, z, channels, membership, np.array([[low, high]]), frequencies)
    change = _change_features(z, step, half)  # (channels, 4)
    features = tokens.features.clone()
    features[:, 0, -VALUE_FEATURES:] = change
    channel = int(torch.argmax(change[:, 0].abs()))
    return SeriesTokens(features=features, empty=tokens.empty, span_steps=tokens.span_steps), channel


def _change_features(z: np.ndarray, step: int, half: int) -> torch.Tensor:
    """(channels, 4) signed-log: mean z in [step, step + half) minus in [step - half, step), max |z| after, max |z|
    before, and log of the spread after over the spread before. Zeros where a side has no values."""
    mean_after, max_after, std_after = _side_stats(z[step : step + half])
    mean_before, max_before, std_before = _side_stats(z[max(0, step - half) : step])
    with np.errstate(all="ignore"):
        stats = np.stack(
            [
                mean_after - mean_before,
                max_after,
                max_before,
                np.log((std_after + 1e-3) / (std_before + 1e-3)),
            ],
            axis=-1,
        )  # (channels, 4)
    stats = np.nan_to_num(stats, nan=0.0, posinf=1e12, neginf=-1e12)
    stats[:, :3] = np.sign(stats[:, :3]) * np.log1p(np.abs(stats[:, :3]))
    return torch.from_numpy(stats).float()


def _side_stats(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per channel mean, max |z| and spread of one side of an instant; NaN for a side with no steps (an instant at
    the series' first step) or no values."""
    if len(z) == 0:
        nothing = np.full(z.shape[1], np.nan)
        return nothing, nothing, nothing
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channels: NaN, zeroed by the caller
        return np.nanmean(z, 0), np.nanmax(np.abs(z), 0), np.nanstd(z, 0)
