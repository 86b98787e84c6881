"""The one way a factory initialises random weights: reproducible from a seed, leaving the caller's RNG untouched."""

from collections.abc import Callable
from typing import TypeVar

import torch

Module = TypeVar("Module", bound=torch.nn.Module)


def seeded(build: Callable[[], Module], seed: int) -> Module:
    """`build()` run with torch's CPU generator seeded to `seed` and restored afterwards; the model in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build().eval()
