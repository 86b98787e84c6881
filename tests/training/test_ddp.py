"""Two CPU processes (DDP over gloo, launched by torchrun): training, per-process RNG checkpoints, exact resume."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tsqa.training.log import read_log

RECIPE = {
    "name": "ddp-tiny",
    "precision": "fp32",
    "model": {
        "encoder": "tiny",
        "vlm": "tiny:qwen3_vl",
        "adapter": {"hidden_dim": 16, "tokens_per_channel": 2, "max_ts_tokens": 8},
        "lora": {"r": 2, "alpha": 4, "dropout": 0.1},
        "prompt": {"time_labels": "none"},
    },
    "eval": {"max_samples": 2},
    "stages": [{"kind": "sft", "learning_rate": 1e-2, "batch_size": 2, "max_steps": 4, "log_every": 1,
                "checkpoint_every": 2}],
}


def _torchrun(recipe: Path, out: Path, *extra: str) -> None:
    command = [str(Path(sys.executable).with_name("torchrun")), "--nproc_per_node", "2", "-m", "tsqa", "train",
               "--recipe", str(recipe), "--synthetic", "12", "--out", str(out), *extra]
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_two_processes_train_and_resume_exactly(tmp_path):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    _torchrun(recipe, tmp_path / "straight")
    trainer = tmp_path / "straight" / "sft" / "checkpoint-2" / "trainer"
    assert (trainer / "rng-0.safetensors").is_file() and (trainer / "rng-1.safetensors").is_file()

    killed = tmp_path / "killed"
    shutil.copytree(tmp_path / "straight", killed)
    shutil.rmtree(killed / "sft" / "final")
    lines = (killed / "log.jsonl").read_text().splitlines()
    (killed / "log.jsonl").write_text("\n".join(lines[:3]) + "\n")
    _torchrun(recipe, killed, "--resume")

    def losses(run: Path) -> list[float]:
        return [r["loss"] for r in read_log(run / "log.jsonl") if r["kind"] == "train"]

    assert len(losses(killed)) == 4 and losses(killed) == losses(tmp_path / "straight")
