"""Wiring of the `forecast` stage into a recipe run: which series it trains on, the base Toto it starts from."""

import hashlib
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from toto2 import Toto2Model

from tsqa.arfbench.schema import Sample
from tsqa.training.config import StageConfig, check_windows
from tsqa.training.forecast_loop import ForecastRun


def question_series(samples: list[Sample]) -> list[np.ndarray]:
    """The distinct series of `samples` (by name), each (channels, time)."""
    seen: dict[str, np.ndarray] = {}
    for sample in samples:
        for series in sample.series:
            seen.setdefault(series.name, series.values.T)
    return list(seen.values())


def series_fingerprint(series: list[np.ndarray]) -> dict:
    """Count and hash of the series, recorded in data.json so a resumed run trains on the same ones."""
    digest = hashlib.sha256()
    for values in series:
        digest.update(str(values.shape).encode())
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return {"series": len(series), "sha256": digest.hexdigest()}


def run_forecast_stage(encoder: str, stage: StageConfig, series: tuple[list[np.ndarray], list[np.ndarray]],
                       stage_dir: Path, accelerator: Accelerator, seed: int, resume: bool,
                       device: torch.device) -> Path:
    """Trains the Toto at `encoder` (a folder or Hub id) in float32; returns `stage_dir/final`."""
    from tsqa.encoders.toto import TotoEncoder

    model: Toto2Model = TotoEncoder.from_pretrained(encoder, device=device).model
    problems = check_windows(stage.forecast, model.config.patch_size)
    if problems:
        raise ValueError(f"stage forecast: {'; '.join(problems)}")
    train, held_out = series
    return ForecastRun(model, stage, train, stage_dir, accelerator, seed, held_out).run(resume=resume).final_dir
