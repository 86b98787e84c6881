"""Toto's own objective: the pinball (quantile) loss of its quantile head on the patches that follow, in the space the
head predicts in (asinh of the value standardised by the causal loc/scale of the patch that predicts it, as
`Toto2Model.forecast` de-scales). Observed target steps only; averaged per variate, then over variates, so a
channel with many observations weighs no more than one with few."""

import torch
from toto2 import Toto2Model

# A patch predicts only once this many steps were seen before its end: until then the causal scale is about 1e-6
# (`Toto2Model.forecast` backfills such early patches the same way, `scaler_fallback_min_obs`), and the targets it
# standardises would be asinh(value / 1e-6), a loss no forecaster can lower.
MIN_ANCHOR_OBSERVATIONS = 8


def pinball(quantiles: torch.Tensor, target: torch.Tensor, knots: torch.Tensor) -> torch.Tensor:
    """quantiles (knots, ...) and target (...) -> (knots, ...) pinball losses."""
    error = target.unsqueeze(0) - quantiles
    levels = knots.view(-1, *([1] * target.dim()))
    return torch.maximum(levels * error, (levels - 1) * error)


class ForecastObjective(torch.nn.Module):
    """`forecast_loss` as a module, so accelerate can wrap it (DDP) like the QA stages' objective."""

    def __init__(self, model: Toto2Model):
        super().__init__()
        self.model = model

    def forward(self, target: torch.Tensor, target_mask: torch.Tensor, cpm_mask: torch.Tensor,
                series_ids: torch.Tensor) -> torch.Tensor:
        return forecast_loss(self.model, target, target_mask, cpm_mask, series_ids)


def forecast_loss(model: Toto2Model, target: torch.Tensor, target_mask: torch.Tensor, cpm_mask: torch.Tensor,
                  series_ids: torch.Tensor) -> torch.Tensor:
    """The mean per-variate pinball loss of one batch (`training.forecast_windows.window_batch`'s tensors).

    Output at patch i predicts patches i+1 .. i+n (n = num_output_patches); each is judged where its steps were
    observed (`target_mask`), whether or not they were hidden from the input (`cpm_mask`), once the predicting patch
    has `MIN_ANCHOR_OBSERVATIONS` shown steps behind it. A batch with no judged
    step has loss 0 (still connected to the graph, so every process runs the same backward)."""
    patch, outputs_per_patch = model.config.patch_size, model.config.num_output_patches
    output = model(target, target_mask, cpm_mask, series_ids)
    quantiles = output.quantiles.unflatten(-1, (outputs_per_patch, patch))  # (knots, batch, var, patches, n, patch)
    loc = output.loc[..., patch - 1 :: patch].detach()  # (batch, var, patches): the state after each patch
    scale = output.scale[..., patch - 1 :: patch].detach()
    steps = target.unflatten(-1, (-1, patch))  # (batch, var, patches, patch)
    judged = target_mask.unflatten(-1, (-1, patch))
    seen = (target_mask & cpm_mask).cumsum(dim=-1)[..., patch - 1 :: patch]  # (batch, var, patches)
    anchored = seen >= MIN_ANCHOR_OBSERVATIONS
    knots = torch.tensor(model.output_head.knots, dtype=quantiles.dtype, device=quantiles.device)
    total = torch.zeros(target.shape[:2], dtype=torch.float64, device=target.device)  # (batch, var)
    count = torch.zeros_like(total)
    patches = steps.shape[-2]
    for ahead in range(1, min(outputs_per_patch, patches - 1) + 1):
        anchor_loc, anchor_scale = loc[..., :-ahead, None], scale[..., :-ahead, None]
        scaled = ((steps[..., ahead:, :] - anchor_loc) / anchor_scale).asinh().to(quantiles.dtype)
        losses = pinball(quantiles[..., :-ahead, ahead - 1, :], scaled, knots).mean(dim=0)  # (batch, var, p-a, patch)
        mask = judged[..., ahead:, :] & anchored[..., :-ahead, None]
        total = total + torch.where(mask, losses, 0).sum(dim=(-2, -1)).double()
        count = count + mask.sum(dim=(-2, -1))
    has = count > 0
    if not has.any():
        return quantiles.sum() * 0.0
    return (total[has] / count[has]).mean().to(quantiles.dtype)
