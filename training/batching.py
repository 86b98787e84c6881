"""Length-aware batching: each epoch a fresh seeded order, with samples of similar length batched together.

Samples are shuffled, cut into windows of `length_group` batches, sorted by length inside each window and split into
batches; then the batches themselves are shuffled. Padding shrinks while every epoch still sees a new mix.
"""

from collections.abc import Sequence

import numpy as np

from tsqa.arfbench.schema import Sample


def sample_length(sample: Sample) -> tuple[int, int]:
    """Sort key standing in for prompt length: channels (each is a block of time-series tokens), then text."""
    channels = sum(len(series.channels) for series in sample.series)
    text = len(sample.question) + sum(len(option) for option in sample.options) + len(sample.answer or "")
    return channels, text


def plan_batches(
    lengths: Sequence[tuple[int, int]], batch_size: int, seed: int, epoch: int, length_group: int
) -> list[list[int]]:
    """Sample indices of every batch of one epoch, in order; the same arguments always give the same plan."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths)).tolist()
    window = batch_size * length_group
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i], reverse=True)
        batches.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]
