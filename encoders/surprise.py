"""How far observations fall outside a predicted band, in band widths."""

import torch


def band_surprise(
    values: torch.Tensor, observed: torch.Tensor, low: torch.Tensor, high: torch.Tensor, tiny: float = 1e-12
) -> torch.Tensor:
    """Mean over observed steps of max(low - y, y - high, 0) / max(high - low, tiny); 0 where nothing is observed.

    values, observed, low, high: (..., steps) -> (...). A value inside [low, high] scores 0; one a band width above
    `high` scores 1. Unobserved steps may hold anything (NaN included): they are ignored.
    """
    outside = torch.maximum(low - values, values - high).clamp(min=0)
    distance = torch.where(observed, outside / (high - low).clamp(min=tiny), 0)
    return distance.sum(dim=-1) / observed.sum(dim=-1).clamp(min=1)
