"""A held-out split that never shares a series with the training split.

Questions about the same series (and pairs that join two series) are kept on one side, so a held-out score measures
questions about series the model has not been trained on.
"""

import numpy as np

from tsqa.arfbench.schema import Sample


def _groups(samples: list[Sample]) -> list[list[int]]:
    """Indices of samples connected through shared series names (union-find), in order of first appearance."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for sample in samples:
        names = [series.name for series in sample.series] or [sample.query_group]
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    groups: dict[str, list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(root(sample.series[0].name if sample.series else sample.query_group), []).append(index)
    return list(groups.values())


def holdout_split(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(train, held_out): whole series groups drawn at random until `fraction` of the questions are held out."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"held-out fraction must be in [0, 1), got {fraction}")
    groups = _groups(samples)
    order = np.random.default_rng(seed).permutation(len(groups))
    target = round(fraction * len(samples))
    held: set[int] = set()
    for g in order:
        if len(held) >= target:
            break
        held.update(groups[g])
    train = [s for i, s in enumerate(samples) if i not in held]
    held_out = [s for i, s in enumerate(samples) if i in held]
    if fraction > 0 and (not train or not held_out):
        raise ValueError(f"cannot hold out {fraction:.0%} of {len(samples)} questions in {len(groups)} series groups")
    return train, held_out


def evaluation_subset(held_out: list[Sample], count: int, seed: int) -> list[Sample]:
    """`count` held-out questions drawn at random (in their original order), not the first `count`: a dataset sorted
    by category would otherwise be scored on one category."""
    if len(held_out) <= count:
        return list(held_out)
    chosen = np.sort(np.random.default_rng(seed).choice(len(held_out), size=count, replace=False))
    return [held_out[i] for i in chosen]
