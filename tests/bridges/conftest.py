"""Tiny random Toto and tiny random VLMs of both families, saved once per session; hand-built samples."""

from pathlib import Path

import numpy as np
import pytest
import torch

from tsqa.arfbench import Sample, Series
from tsqa.arfbench.options import PRESENCE_NO, PRESENCE_YES
from tsqa.factories.tiny_vlm import FAMILIES, save_tiny_vlm
from tsqa.factories.tiny_toto import save_tiny_toto

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture(scope="session")
def toto_dir(tmp_path_factory) -> Path:
    return save_tiny_toto(tmp_path_factory.mktemp("toto"), seed=0)


@pytest.fixture(scope="session")
def vlm_dirs(tmp_path_factory) -> dict[str, Path]:
    return {family: save_tiny_vlm(family, tmp_path_factory.mktemp(family)) for family in FAMILIES}


@pytest.fixture(params=FAMILIES)
def family(request) -> str:
    return request.param


def _series(name: str, channels: int = 2, steps: int = 64, seed: int = 0, spike_at: int | None = None) -> Series:
    """Noisy metrics at different levels; an optional spike in channel 0."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(10, 500, size=(1, channels)) + rng.normal(size=(steps, channels)) * 5
    if spike_at is not None:
        values[spike_at : spike_at + 4, 0] += 400
    timestamps = START + 60 * np.arange(steps)
    return Series(name, [f"host:web-{c}" for c in range(channels)], timestamps, values, 60)


def _sample(
    index: int, channels: int = 2, steps: int = 64, pair: bool = False, options: list[str] | None = None
) -> Sample:
    series = [_series(f"{100 + index}_0", channels, steps, seed=index, spike_at=steps // 2)]
    if pair:
        series.append(_series(f"{200 + index}_1", channels + 1, steps + 8, seed=index + 50))
    return Sample(
        id=f"{series[0].name}#{index}",
        query_group=", ".join(s.name for s in series),
        category="Anomaly Correlation" if pair else "Anomaly Presence",
        question="Is there an anomaly in the time-series?",
        options=options or [PRESENCE_YES, PRESENCE_NO],
        answer=None,
        series=series,
    )


@pytest.fixture(scope="session")
def make_sample():
    """make_sample(index, channels=2, steps=64, pair=False, options=None) -> a Sample with a spike in channel 0."""
    return _sample


@pytest.fixture(scope="session")
def make_series():
    """make_series(name, channels=2, steps=64, seed=0, spike_at=None) -> a Series."""
    return _series


@pytest.fixture
def hybrid_factory(toto_dir, vlm_dirs):
    """hybrid_factory(family, lora=True, **create_kwargs) -> a fresh HybridModel whose LoRA is not a no-op."""
    from tsqa.bridges.hybrid import HybridModel
    from tsqa.bridges.config import LoraSettings

    def build(family: str, lora: bool = True, **kwargs):
        torch.manual_seed(0)
        model = HybridModel.create(
            toto_dir, vlm_dirs[family], lora=LoraSettings(r=2, alpha=4, dropout=0.0) if lora else None, **kwargs
        )
        with torch.no_grad():  # LoRA's B starts at zero; make it matter so save/load and merge are really tested
            for name, parameter in model.vlm.named_parameters():
                if "lora_B" in name:
                    parameter.normal_(std=0.05)
        return model

    return build
