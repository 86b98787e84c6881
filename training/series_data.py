"""Metric series for a `forecast` stage, read from user files: the values alone, (channels, time) each."""

from pathlib import Path

import numpy as np

from tsqa.arfbench.exports import load_series

SUFFIXES = (".csv", ".parquet", ".json")  # the exports `load_series` reads


def load_metric_series(sources: list[str]) -> list[np.ndarray]:
    """Every metric file named, or inside a named folder (sorted), as (channels, time) float64."""
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"--series: {source}: no such file or folder")
    if not files:
        raise ValueError(f"--series: no .csv, .parquet or .json files in {', '.join(sources)}")
    return [load_series(f).values.T for f in files]


def split_series(series: list[np.ndarray], fraction: float, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(train, held_out): whole series held out at random, at least one on each side when there are two or more."""
    order = np.random.default_rng(seed).permutation(len(series))
    count = min(len(series) - 1, max(1 if fraction > 0 else 0, round(fraction * len(series))))
    held = set(order[:count].tolist())
    return ([s for i, s in enumerate(series) if i not in held], [s for i, s in enumerate(series) if i in held])
