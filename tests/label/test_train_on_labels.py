"""Labelled incidents all the way through: questions from the labels, `tsqa train --data` on them with a tiny random
hybrid, and `tsqa eval --data` of the checkpoint it writes (slow: a minute or two on a 2-core CPU)."""

import json

import pytest

from tsqa.cli import main
from tsqa.eval.results import read_results

RECIPE = {
    "name": "labels-tiny",
    "precision": "fp32",
    "model": {
        "encoder": "tiny",
        "vlm": "tiny:qwen3_vl",
        "modality": "series",
        "adapter": {"hidden_dim": 16, "tokens_per_channel": 2, "max_ts_tokens": 8},
        "lora": {"r": 4, "alpha": 8, "dropout": 0.0},
        "prompt": {"time_labels": "none"},
        "tiny_vlm": {"hidden_size": 32, "vocab_size": 1024},
    },
    "eval": {"holdout_fraction": 0.2, "max_samples": 2, "batch_size": 2},
    "stages": [
        {"kind": "align", "learning_rate": 1e-2, "batch_size": 2, "max_steps": 2, "descriptive_targets": True},
        {"kind": "sft", "learning_rate": 1e-2, "batch_size": 2, "max_steps": 2},
    ],
}


@pytest.mark.slow
def test_train_and_eval_on_questions_from_labels(labelled, tmp_path, capsys):
    data = tmp_path / "questions"
    assert main(["label", "questions", str(labelled), "--out", str(data), "--no-images"]) == 0
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    run = tmp_path / "run"
    assert main(["train", "--recipe", str(recipe), "--data", str(data), "--out", str(run)]) == 0
    results = tmp_path / "results.csv"
    argv = ["eval", "--model", str(run / "sft" / "final"), "--data", str(data), "--out", str(results),
            "--limit", "4", "--no-progress"]
    assert main(argv) == 0
    rows = read_results(results)
    assert len(rows) == 4 and all(r.model_answer in json.loads(r.options) for r in rows)
