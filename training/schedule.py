"""Learning-rate schedules: linear warmup, then cosine, linear or constant, as a factor of the peak rate."""

import math

import torch
from torch.optim.lr_scheduler import LambdaLR


def lr_factor(step: int, schedule: str, warmup_steps: int, total_steps: int) -> float:
    """Factor for the update after `step` completed optimizer steps."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    if schedule == "linear":
        return 1.0 - progress
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule {schedule!r}")


def make_scheduler(optimizer: torch.optim.Optimizer, schedule: str, warmup_steps: int, total_steps: int) -> LambdaLR:
    return LambdaLR(optimizer, lambda step: lr_factor(step, schedule, warmup_steps, total_steps))
