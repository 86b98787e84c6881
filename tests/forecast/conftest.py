"""A tiny random Toto (patch 4) and metric-like series for the forecast tests: built offline, once per session."""

from pathlib import Path

import numpy as np
import pytest

START = 1_700_000_000


@pytest.fixture(scope="session")
def tiny_toto_dir(tmp_path_factory) -> Path:
    from tsqa.factories.tiny_toto import save_tiny_toto

    return save_tiny_toto(tmp_path_factory.mktemp("forecast-toto"), seed=0)


@pytest.fixture(scope="session")
def tiny_toto(tiny_toto_dir):
    from toto2 import Toto2Model

    return Toto2Model.from_pretrained(str(tiny_toto_dir))


def metric_frame(steps: int = 96, seed: int = 0):
    """A wide frame: timestamp + two channels (a daily-like wave around 100, a noisy level around 5)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return pd.DataFrame({
        "timestamp": START + 60 * t,
        "cpu:web-1": 100 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(size=steps),
        "mem:web-1": 5 + 0.1 * rng.normal(size=steps),
    })


@pytest.fixture
def metric_csv(tmp_path) -> Path:
    path = tmp_path / "metrics.csv"
    metric_frame().to_csv(path, index=False)
    return path

