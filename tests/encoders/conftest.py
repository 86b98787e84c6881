"""Shared tiny random Toto checkpoints: built once per session, offline."""

from pathlib import Path

import numpy as np
import pytest

from tsqa.factories.tiny_toto import save_tiny_toto


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return save_tiny_toto(tmp_path_factory.mktemp("tiny_toto"), seed=0)


@pytest.fixture(scope="session")
def tiny_encoder(tiny_checkpoint):
    from tsqa.encoders.toto import TotoEncoder

    return TotoEncoder.from_pretrained(tiny_checkpoint)


def _wavy_series(channels: int, time: int, seed: int = 0) -> np.ndarray:
    """(channels, time) sines at different levels and scales plus noise, like metrics."""
    rng = np.random.default_rng(seed)
    steps = np.arange(time)
    level = rng.uniform(-50, 500, size=(channels, 1))
    spread = rng.uniform(0.5, 20, size=(channels, 1))
    period = rng.uniform(8, 40, size=(channels, 1))
    return level + spread * (np.sin(2 * np.pi * steps / period) + 0.3 * rng.standard_normal((channels, time)))


@pytest.fixture(scope="session")
def wavy_series():
    """Factory: wavy_series(channels, time, seed=0) -> (channels, time) float64."""
    return _wavy_series
