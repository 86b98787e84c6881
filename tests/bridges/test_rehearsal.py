"""The 2B recipe rehearsed at its published widths (one language-model layer: a full-depth step takes most of an hour
on a 2-core CPU), loaded by Hub id from an offline cache: it answers by scoring and by generation, and runs one step
of each stage; the answer loss computes logits for the answer only."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REHEARSAL = Path(__file__).parents[2] / "benchmarks" / "rehearsal.py"


# Run in its own process: the rehearsal's bf16 accelerator state would otherwise stay behind for later tests, and
# accelerate can reset it only through a private method.
REHEARSE = """
import importlib.util, json, os, sys
import huggingface_hub.constants, torch
spec = importlib.util.spec_from_file_location("rehearsal", sys.argv[1])
rehearsal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rehearsal)
# huggingface_hub read its settings when first imported: point it at the rehearsal's cache, offline
huggingface_hub.constants.HF_HUB_CACHE = os.environ["HF_HUB_CACHE"]
huggingface_hub.constants.HF_HUB_OFFLINE = True
report = rehearsal.rehearse("toto22m-qwen3vl2b", torch.device("cpu"), text_layers=1, throughput=False)
print(json.dumps(report))
"""


@pytest.mark.slow
def test_the_2b_recipe_answers_and_trains_at_its_published_shapes():
    done = subprocess.run([sys.executable, "-c", REHEARSE, str(REHEARSAL)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    tokens = report["prompt_tokens"]
    assert tokens["image"] == 36 * 60 // 4 and tokens["time_series"] > 0 and tokens["text"] > 0
    phases = report["phases"]
    assert phases["score"]["answer"] and phases["generate"]["answer"]
    assert math.isfinite(phases["align_step"]["loss"]) and math.isfinite(phases["sft_step"]["loss"])
    window, every = report["answer_loss"]["answer_window"], report["answer_loss"]["every_position"]
    assert window["loss"] == pytest.approx(every["loss"], rel=2e-2)  # bf16 autocast: the same loss, to rounding
    assert window["growth_gib"] < every["growth_gib"]
    assert report["parameters"]["trainable_count"] > 0
