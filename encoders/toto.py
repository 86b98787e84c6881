"""Toto 2.0 as a frozen time-series encoder: per-patch embeddings from the official `toto2` model's own modules."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from toto2 import Toto2Model

from tsqa.encoders.base import Encoder, EncoderOutput
from tsqa.encoders.outliers import ForecastBand, band_surprise
from tsqa.encoders.inputs import Grid, as_series_batch, to_grid

BAND_KNOTS = (0.1, 0.9)  # quantile knots of the band that `surprise` measures against
# Surprise is in band widths, and a band can be 1e-6 wide: a jump of 1e28 after a flat stretch is 1e34 widths and
# more, past float32. Capped here so sums over patches stay finite; no finite float32 surprise below it changes.
SURPRISE_CAP = 1e30


class TotoEncoder(Encoder):
    """Patch embeddings of a Toto 2.0 model: the transformer output that its quantile head reads.

    All channels of one input series are variates of one multivariate series (series id 0) and attend to each other;
    batch entries are separate series. Patches without any observation get group id -1, exactly as
    `Toto2Model.forward` does, so padding and empty channels never mix with observed patches.

    `surprise` comes from the same forward pass: the quantile head at patch i-1 predicts patch i. Its 10% and 90%
    quantiles, de-scaled with the loc/scale of patch i-1 (the causal state before patch i) as `forecast` does, form a
    band; patch i's surprise is the mean over its observed steps of the distance outside that band in band widths
    (`encoders.outliers.band_surprise`), at most `SURPRISE_CAP`. It is 0 for the first patch (so for every patch of
    a one-patch series) and wherever patch i or patch i-1 holds no observation (no prediction to judge against).
    On bucketed series it judges bucket means.

    Before a channel's first observation the scaler reports loc 0 and scale 1e-6: read loc/scale with `patch_mask`.

    The model is frozen and put in eval mode (this mutates the model passed in).
    """

    def __init__(self, model: Toto2Model, name: str = "toto2", max_context: int = 4096):
        if max_context < model.config.patch_size:
            raise ValueError(f"max_context ({max_context}) must be at least the patch size ({model.config.patch_size})")
        self.model = model.eval().requires_grad_(False)
        self.name = name
        self.max_context = max_context
        self.patch_size = model.config.patch_size
        self.d_model = model.config.d_model
        parameter = next(model.parameters())
        self.dtype = parameter.dtype
        self.device = parameter.device
        # The scaler and the band see at least float32: bf16 cannot hold levels such as 1e6 to the unit.
        self.scaler_dtype = torch.promote_types(self.dtype, torch.float32)
        self.identity = f"toto2:{name}:{str(self.dtype).removeprefix('torch.')}:{weight_fingerprint(model)}"

    @classmethod
    def from_pretrained(
        cls,
        id_or_local_dir: "str | Path",
        device: "str | torch.device" = "cpu",
        dtype: "torch.dtype | str" = torch.float32,
        max_context: int = 4096,
    ) -> "TotoEncoder":
        """A Hub id such as `Datadog/Toto-2.0-22m`, or a directory written by `Toto2Model.save_pretrained`.

        dtype: a torch floating dtype or its name ("bfloat16").
        """
        dtype = _floating_dtype(dtype)
        path = Path(id_or_local_dir).expanduser()
        if path.exists() or str(id_or_local_dir).startswith((".", "/", "~")):
            if not (path / "config.json").is_file():
                raise FileNotFoundError(f"{path}: not a Toto 2.0 checkpoint directory (missing config.json)")
            if not any((path / name).is_file() for name in ("model.safetensors", "model.safetensors.index.json")):
                raise FileNotFoundError(f"{path}: not a Toto 2.0 checkpoint directory (missing model.safetensors)")
            name = str(path.resolve())
        else:
            name = str(id_or_local_dir)
        model = Toto2Model.from_pretrained(name, map_location=str(device))
        return cls(model.to(device=device, dtype=dtype), name=name, max_context=max_context)

    def encode(self, values: "np.ndarray | torch.Tensor") -> EncoderOutput:
        """values: (channels, time) or (batch, channels, time), NaN for missing; a 2-D input gets batch size 1."""
        series = as_series_batch(values)
        grid = to_grid(series, self.max_context, self.patch_size)
        with torch.no_grad():
            return self._output(self._forward(grid), grid, time_length=series.shape[-1])

    def forecast_band(self, values: "np.ndarray | torch.Tensor") -> ForecastBand:
        """values: (channels, time) of one series -> the 10-90% band and median the quantile head predicted for each
        input step one patch ahead (the band `surprise` judges against). On a bucketed series every input step gets
        the band of its bucket's mean."""
        return self.encode_with_band(values)[1]

    def encode_with_band(self, values: "np.ndarray | torch.Tensor") -> tuple[EncoderOutput, ForecastBand]:
        """values: (channels, time) of one series -> what `encode` and `forecast_band` give, from one forward pass
        (the evidence of a question and its encoding come from the same pass; `encoders.cache` keeps both)."""
        series = as_series_batch(values)
        if series.shape[0] != 1:
            raise ValueError(f"forecast_band takes one series (channels, time), got a batch of {series.shape[0]}")
        grid = to_grid(series, self.max_context, self.patch_size)
        time_length = series.shape[-1]
        with torch.no_grad():
            state = self._forward(grid)
            output = self._output(state, grid, time_length)
            if grid.values.shape[-1] == self.patch_size:  # one patch: nothing is predicted
                nothing = np.full(series.shape[1:], np.nan)
                return output, ForecastBand(low=nothing, median=nothing.copy(), high=nothing.copy(), knots=BAND_KNOTS)
            quantiles = self._next_patch_quantiles(state)  # (knots, 1, channels, patches-1, patch)
        predicted = (state.patch_mask[..., :-1, None] & state.patch_mask[..., 1:, None]).cpu().numpy()
        low, median, high = (
            self._on_input_steps(quantiles[self.model.output_head.knots.index(knot)], predicted, grid, time_length)
            for knot in (BAND_KNOTS[0], 0.5, BAND_KNOTS[1])
        )
        return output, ForecastBand(low=low, median=median, high=high, knots=BAND_KNOTS)

    def _on_input_steps(self, patches: torch.Tensor, predicted: np.ndarray, grid: Grid, time_length: int) -> np.ndarray:
        """(1, channels, patches-1, patch) predictions for patches 1.. -> (channels, time) on input steps, NaN where
        nothing was predicted."""
        values = np.where(predicted, patches.cpu().numpy(), np.nan)[0]  # (channels, patches-1, patch)
        on_grid = np.concatenate([np.full((values.shape[0], self.patch_size), np.nan), values.reshape(len(values), -1)],
                                 axis=1)  # (channels, grid steps)
        steps = grid.left_pad + (np.arange(time_length) + grid.bucket_offset) // grid.bucket_size
        return on_grid[:, steps]

    def _forward(self, grid: Grid) -> "_State":
        observed = torch.from_numpy(~np.isnan(grid.values)).to(self.device)  # (batch, channels, steps)
        wide = torch.from_numpy(np.nan_to_num(grid.values, nan=0.0)).to(self.device)  # (batch, channels, steps)
        target = wide.to(self.scaler_dtype)
        if torch.isinf(target).any():
            limit = torch.finfo(self.scaler_dtype).max
            raise ValueError(f"values: magnitudes above {limit:.3g} do not fit the encoder")
        model = self.model
        scaled, loc, scale = model.scaler(target, observed)  # each (batch, channels, steps)
        patches = _embed_patches(model, scaled.asinh().to(self.dtype), observed, self.patch_size)
        patch_mask = observed.unflatten(-1, (-1, self.patch_size)).any(dim=-1)  # (batch, channels, patches)
        group_ids = torch.where(patch_mask, 0, -1)  # series id 0 for every channel, -1 on unobserved patches
        return _State(
            embeddings=model.transformer(patches, group_ids=group_ids),  # (batch, channels, patches, d_model)
            observed=observed,
            values=wide,
            patch_mask=patch_mask,
            loc=loc[..., self.patch_size - 1 :: self.patch_size],  # (batch, channels, patches)
            scale=scale[..., self.patch_size - 1 :: self.patch_size],
        )

    def _output(self, state: "_State", grid: Grid, time_length: int) -> EncoderOutput:
        return EncoderOutput(
            embeddings=state.embeddings,
            patch_mask=state.patch_mask,
            loc=state.loc.float(),
            scale=state.scale.float(),
            surprise=self._surprise(state).float(),
            patch_size=self.patch_size,
            bucket_size=grid.bucket_size,
            left_pad=grid.left_pad,
            time_length=time_length,
            bucket_offset=grid.bucket_offset,
        )

    def _next_patch_quantiles(self, state: "_State") -> torch.Tensor:
        """(knots, batch, channels, patches-1, patch) float64: the head at patch i-1 predicting patch i, de-scaled
        with the loc/scale of patch i-1 (the causal state before patch i) and sorted, as `forecast` does."""
        head = self.model.output_head
        # only the next patch, however many the head predicts
        quantiles = head(state.embeddings[..., :-1, :], q=None)[..., : self.patch_size]
        real = quantiles.to(torch.float64).sinh() * state.scale[..., :-1, None] + state.loc[..., :-1, None]
        return real.sort(dim=0).values  # crossing quantiles reordered

    def _surprise(self, state: "_State") -> torch.Tensor:
        """(batch, channels, patches): patch i judged by the band the head predicted at patch i-1."""
        if state.embeddings.shape[-2] == 1:  # nothing to judge; the head cannot run on zero patches
            return torch.zeros(state.embeddings.shape[:-1], dtype=torch.float64, device=state.embeddings.device)
        real = self._next_patch_quantiles(state)
        low, high = (real[self.model.output_head.knots.index(knot)] for knot in BAND_KNOTS)
        steps = state.values.unflatten(-1, (-1, self.patch_size))[..., 1:, :]  # (batch, channels, patches-1, patch)
        step_observed = state.observed.unflatten(-1, (-1, self.patch_size))[..., 1:, :]
        judged = band_surprise(steps, step_observed, low, high).clamp(max=SURPRISE_CAP)
        judged = torch.where(state.patch_mask[..., 1:] & state.patch_mask[..., :-1], judged, 0)
        return torch.cat([torch.zeros_like(judged[..., :1]), judged], dim=-1)


@dataclass
class _State:
    """One forward pass on the grid: what embeddings, surprise and the band are computed from."""

    embeddings: torch.Tensor  # (batch, channels, patches, d_model)
    observed: torch.Tensor  # (batch, channels, steps) bool
    values: torch.Tensor  # (batch, channels, steps) NaN replaced by 0
    patch_mask: torch.Tensor  # (batch, channels, patches) bool
    loc: torch.Tensor  # (batch, channels, patches) scaler dtype
    scale: torch.Tensor  # (batch, channels, patches)


def _floating_dtype(dtype: "torch.dtype | str") -> torch.dtype:
    resolved = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ValueError(f"dtype: expected a floating torch dtype such as float32 or bfloat16, got {dtype!r}")
    return resolved


def weight_fingerprint(model: torch.nn.Module, samples: int = 64) -> str:
    """A short hash of every parameter's name, shape, sum and a strided sample: cheap, changes when weights do."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        flat = tensor.detach().reshape(-1)
        total = torch.sum(flat, dtype=torch.float64).item() if flat.is_floating_point() else int(flat.sum())
        digest.update(f"{name}:{tuple(tensor.shape)}:{total!r}".encode())
        digest.update(flat[:: max(1, flat.numel() // samples)].to("cpu", torch.float64).numpy().tobytes())
    return digest.hexdigest()[:16]


def _embed_patches(model, data: torch.Tensor, observed: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Toto 2.0's patch embedding through its public `patch_proj`: each patch's values beside its missing-step flags.

    data, observed: (batch, channels, steps) -> (batch, channels, patches, d_model)."""
    values = data.unflatten(-1, (-1, patch_size))  # (batch, channels, patches, patch)
    missing = (~observed).to(data.dtype).unflatten(-1, (-1, patch_size))
    return model.patch_proj(torch.cat([values, missing], dim=-1))
