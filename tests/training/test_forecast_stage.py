"""The `forecast` stage trains Toto itself: its loss falls on a learnable series, masked steps carry no loss, a
resumed run is exact, and what it saves loads through toto2's loader and `TotoEncoder` alike."""

from pathlib import Path

import numpy as np
import pytest
import torch
from accelerate import Accelerator
from toto2 import Toto2Model

from tsqa.factories.tiny_toto import random_toto, tiny_toto_config
from tsqa.training.config import ForecastWindows, StageConfig
from tsqa.training.forecast_loop import ForecastRun
from tsqa.training.forecast_loss import forecast_loss
from tsqa.training.forecast_windows import window_batch

pytestmark = pytest.mark.usefixtures("one_torch_thread")
WINDOWS = ForecastWindows(context=64, min_context=16, max_variates=3, future_patches=3, hide_probability=0.5)


def _learnable(count: int = 6, steps: int = 200, seed: int = 0) -> list[np.ndarray]:
    """Sines of period 8 at random levels and amplitudes: the next patch follows from the last ones."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return [rng.uniform(-100, 100, (3, 1)) + rng.uniform(1, 20, (3, 1)) * np.sin(2 * np.pi * t / 8 + rng.uniform(0, 6))
            for _ in range(count)]


def _stage(**fields) -> StageConfig:
    settings = dict(kind="forecast", learning_rate=3e-3, batch_size=8, max_steps=30, warmup_steps=0,
                    schedule="constant", log_every=5, forecast=WINDOWS)
    return StageConfig(**{**settings, **fields})


def _run(model, stage_dir: Path, resume: bool = False, **fields):
    run = ForecastRun(model, _stage(**fields), _learnable(), stage_dir, Accelerator(cpu=True), seed=0,
                      held_out=_learnable(2, seed=1), eval_windows=8)
    return run.run(resume=resume)


def test_loss_falls_within_a_few_steps(tmp_path):
    result = _run(random_toto(tiny_toto_config(), seed=0), tmp_path / "forecast", max_steps=20, learning_rate=1e-2)
    first, last = np.mean(result.losses[:3]), np.mean(result.losses[-3:])
    assert last < 0.85 * first, (first, last)


def test_masked_steps_carry_no_loss():
    model = random_toto(tiny_toto_config(), seed=0)
    batch = window_batch(_learnable(), 4, WINDOWS, 4, (0, 0))
    changed = dict(batch, target=torch.where(batch["target_mask"], batch["target"], torch.randn_like(batch["target"])
                                             * 1e3))
    assert (~batch["target_mask"]).any()
    base = forecast_loss(model, **batch)
    torch.testing.assert_close(forecast_loss(model, **changed), base, rtol=0, atol=0)
    nothing = dict(batch, target_mask=torch.zeros_like(batch["target_mask"]))
    loss = forecast_loss(model, **nothing)
    loss.backward()
    assert loss.item() == 0.0
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


def test_hidden_patches_are_judged_but_not_shown():
    """With `cpm_mask` hiding the last patches, their values still count in the loss, yet the forecast of them
    cannot depend on them: changing a hidden step changes the loss only through the target."""
    model = random_toto(tiny_toto_config(), seed=0)
    batch = window_batch(_learnable(), 2, ForecastWindows(64, 64, 3, 2, hide_probability=1.0), 4, (5, 0))
    hidden = ~batch["cpm_mask"]
    assert hidden[..., -4:].all() and not hidden[..., :-8].any()
    with torch.no_grad():
        quantiles = model(**batch).quantiles
        moved = dict(batch, target=torch.where(hidden, batch["target"] + 50, batch["target"]))
        torch.testing.assert_close(model(**moved).quantiles, quantiles)
        assert forecast_loss(model, **moved) != forecast_loss(model, **batch)


def test_resume_is_exact(tmp_path, interrupted):
    straight = _run(random_toto(tiny_toto_config(), seed=0), tmp_path / "straight" / "forecast", max_steps=9,
                    checkpoint_every=3, keep_checkpoints=0)
    copy = interrupted(tmp_path / "straight", "forecast")
    fresh = random_toto(tiny_toto_config(), seed=7)  # other weights: resume must restore them
    resumed = _run(fresh, copy / "forecast", resume=True, max_steps=9, checkpoint_every=3, keep_checkpoints=0)
    assert resumed.losses == straight.losses[3:]
    a = (tmp_path / "straight" / "forecast" / "final" / "model.safetensors").read_bytes()
    assert a == (copy / "forecast" / "final" / "model.safetensors").read_bytes()


def test_saved_toto_round_trips_through_toto2_and_the_encoder(tmp_path):
    from tsqa.encoders.toto import TotoEncoder

    trained = _run(random_toto(tiny_toto_config(), seed=0), tmp_path / "forecast", max_steps=3).final_dir
    reloaded = Toto2Model.from_pretrained(str(trained))
    encoder = TotoEncoder.from_pretrained(trained)
    values = _learnable(1, steps=40)[0]
    inputs = {"target": torch.tensor(values, dtype=torch.float32)[None],
              "target_mask": torch.ones(1, 3, 40, dtype=torch.bool),
              "series_ids": torch.zeros(1, 3, dtype=torch.long)}
    torch.testing.assert_close(reloaded.forecast(inputs, 8), encoder.model.forecast(inputs, 8), rtol=0, atol=0)
    before = TotoEncoder(random_toto(tiny_toto_config(), seed=0)).encode(values).embeddings
    after = encoder.encode(values).embeddings
    assert not torch.allclose(before, after)  # trained weights, not the initial ones
    assert TotoEncoder(reloaded).encode(values).embeddings.equal(after)


def test_windows_are_a_function_of_the_seed():
    a, b = (window_batch(_learnable(), 4, WINDOWS, 4, (1, 2, 0, 0)) for _ in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = window_batch(_learnable(), 4, WINDOWS, 4, (1, 3, 0, 0))
    assert not torch.equal(a["target"], c["target"])
    assert a["target"].shape == (4, 3, 64) and a["series_ids"].shape == (4, 3)


def test_recipes_check_the_forecast_stage():
    from tsqa.training.recipes import load_recipe

    with pytest.raises(ValueError, match="forecast .training the encoder. must come first"):
        load_recipe("tiny", ["stages.1.kind=forecast", "stages.1.max_steps=2"])
    with pytest.raises(ValueError, match="a forecast stage needs a number of steps"):
        load_recipe("tiny", ["stages.0.kind=forecast", "stages.0.max_steps=0"])


FORECAST_ONLY = """
name = "toto-test"
[model]
encoder = "tiny"
tiny_encoder = { d_model = 16 }
[eval]
holdout_fraction = 0.25
[[stages]]
kind = "forecast"
learning_rate = 3e-3
batch_size = 4
max_steps = 4
log_every = 2
forecast = { context = 32, min_context = 16, max_variates = 2 }
"""


def test_train_command_runs_a_forecast_only_recipe_on_metric_files(tmp_path, capsys):
    import json

    import pandas as pd

    from tsqa.cli import main

    recipe = tmp_path / "toto.toml"
    recipe.write_text(FORECAST_ONLY)
    files = tmp_path / "metrics"
    files.mkdir()
    for i, values in enumerate(_learnable(4, steps=80)):
        frame = pd.DataFrame(values.T, columns=["a", "b", "c"])
        frame.insert(0, "timestamp", 1_700_000_000 + 60 * np.arange(80))
        frame.to_csv(files / f"m{i}.csv", index=False)
    out = tmp_path / "run"
    assert main(["train", "--recipe", str(recipe), "--series", str(files), "--out", str(out)]) == 0
    assert f"final checkpoint: {out / 'forecast' / 'final'}" in capsys.readouterr().out
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records] == ["train", "train", "eval"]
    assert json.loads((out / "data.json").read_text())["series"]["held_out"]["series"] == 1
    assert Toto2Model.from_pretrained(str(out / "forecast" / "final")).config.d_model == 16
    assert main(["train", "--recipe", "tiny", "--series", str(files), "--out", str(tmp_path / "other")]) == 1
    assert "--series: recipe 'tiny' has no forecast stage" in capsys.readouterr().err
