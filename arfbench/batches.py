"""Batches of questions of similar size (`Sample.size`): padding a batch to its longest prompt costs attention
quadratic in that length, so questions are grouped with others like them. The one bucketer of the project: the
answering engine, the evaluator and training's epochs all call it.

Questions are taken in order (or in an order drawn from `rng`), cut into windows of `window` batches, sorted by size
inside each window and split into batches; with `rng` the batches are then shuffled too, so every epoch sees a new
mix while padding stays small. Without `window` all questions form one window.
"""

from collections.abc import Sequence

import numpy as np


def batches_by_size(
    sizes: Sequence[tuple[int, int]], batch_size: int, window: int | None = None, rng: np.random.Generator | None = None
) -> list[list[int]]:
    """Indices of every batch, in the order they are to be run; the same arguments (and rng state) always give the
    same batches. `sizes`: `Sample.size` of each question."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = rng.permutation(len(sizes)).tolist() if rng is not None else list(range(len(sizes)))
    span = batch_size * window if window else max(len(order), 1)
    batches = []
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: sizes[i])
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches
