"""The real hybrid (tiny random Toto + tiny random Qwen3-VL) through `tsqa train`: align then sft, checkpoints,
exact resume, held-out evaluation, and a final checkpoint that `HybridModel.from_pretrained` loads."""

import json
import shutil

import pytest
import torch
from accelerate import Accelerator
from safetensors.torch import load_file

from tsqa import DEMO_MODEL, arfbench
from tsqa.arfbench.categories import CATEGORIZATION, CORRELATION, PRESENCE
from tsqa.bridges.hybrid import HybridModel
from tsqa.bridges.prompt import answer_text
from tsqa.training.collator import Collator
from tsqa.bridges.config import load_config
from tsqa.training.config import Recipe, StageConfig
from tsqa.training.log import read_log
from tsqa.training.loop import StageRun
from tsqa.training.pipeline import stage_model
from tsqa.cli import main
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.inputs import InputBuilder

RECIPE = {
    "name": "test-tiny",
    "precision": "fp32",
    "model": {
        "encoder": "tiny",
        "vlm": "tiny:qwen3_vl",
        "adapter": {"hidden_dim": 16, "tokens_per_channel": 2, "max_ts_tokens": 8},
        "lora": {"r": 4, "alpha": 8, "dropout": 0.1},
        "prompt": {"time_labels": "none"},
        "tiny_vlm": {"hidden_size": 32, "vocab_size": 1024},
    },
    "eval": {"holdout_fraction": 0.2, "max_samples": 4, "batch_size": 4},
    "stages": [
        {"kind": "align", "learning_rate": 1e-2, "batch_size": 2, "max_steps": 2, "descriptive_targets": True,
         "log_every": 1},
        {"kind": "sft", "learning_rate": 3e-2, "batch_size": 2, "max_steps": 6, "log_every": 1,
         "checkpoint_every": 3},
    ],
}


def _losses(log_path, stage):
    return [r["loss"] for r in read_log(log_path) if r["stage"] == stage and r["kind"] == "train"]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """One uninterrupted `tsqa train` run on 10 synthetic questions (8 train, 2 held out)."""
    root = tmp_path_factory.mktemp("straight")
    recipe_path = root / "recipe.json"
    recipe_path.write_text(json.dumps(RECIPE))
    out = root / "run"
    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(out)]) == 0
    return recipe_path, out


def test_run_writes_stages_logs_and_evaluations(straight_run):
    _, out = straight_run
    records = read_log(out / "log.jsonl")
    assert [(r["stage"], r["step"]) for r in records if r["kind"] == "train"] == (
        [("align", 1), ("align", 2)] + [("sft", s) for s in range(1, 7)]
    )
    train = [r for r in records if r["kind"] == "train"]
    assert all(r["tokens_per_s"] > 0 and r["tokens"] > 0 and r["lr"] > 0 for r in train)
    evals = [r for r in records if r["kind"] == "eval"]
    assert [(r["stage"], r["step"], r["questions"]) for r in evals] == [("align", 2, 2), ("sft", 6, 2)]
    assert all(0.0 <= r["accuracy"] <= 100.0 and r["f1"] is not None for r in evals)
    assert sorted(p.name for p in (out / "sft").iterdir()) == ["checkpoint-3", "final"]


def test_final_checkpoint_loads_with_from_pretrained(straight_run):
    _, out = straight_run
    final = out / "sft" / "final"
    model = HybridModel.from_pretrained(final)
    assert model.peft is not None and model.adapter is not None
    saved = load_file(str(final / "adapter.safetensors"))
    assert all(torch.equal(saved[k], v) for k, v in model.adapter.state_dict().items())
    held_out = arfbench.generate(3, seed=5, categories=[PRESENCE])
    answers = AnswerEngine(model).answer(held_out, mode="score")
    assert [a.choice in s.options for a, s in zip(answers, held_out)] == [True] * 3
    assert model.config.modality == "both"


def test_the_recipe_modality_is_recorded_in_the_checkpoint(straight_run, tmp_path):
    model = _tiny_model(straight_run[1], modality="series")
    assert model.config.modality == "series"
    reloaded = HybridModel.from_pretrained(model.save_pretrained(tmp_path / "ckpt"))
    assert reloaded.config.modality == "series"


def test_interrupted_run_resumes_to_identical_losses(straight_run, tmp_path):
    recipe_path, out = straight_run
    killed = tmp_path / "run"
    shutil.copytree(out, killed)
    # A kill during sft step 5: checkpoint-3 exists, final does not, the log ends with a half-written line.
    shutil.rmtree(killed / "sft" / "final")
    lines = (killed / "log.jsonl").read_text().splitlines()
    cut = next(i for i, line in enumerate(lines) if '"stage": "sft"' in line and '"step": 5' in line)
    (killed / "log.jsonl").write_text("\n".join(lines[:cut]) + '\n{"stage": "sft", "kind": "tr')

    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(killed), "--resume"]) == 0

    assert _losses(killed / "log.jsonl", "sft") == _losses(out / "log.jsonl", "sft")
    assert _losses(killed / "log.jsonl", "align") == _losses(out / "log.jsonl", "align")
    for name in ("adapter.safetensors", "lora/adapter_model.safetensors"):
        a, b = load_file(str(out / "sft" / "final" / name)), load_file(str(killed / "sft" / "final" / name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name


def test_rerun_without_resume_is_refused(straight_run, capsys):
    recipe_path, out = straight_run
    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(out)]) == 1
    assert "already holds a training run" in capsys.readouterr().err


def _tiny_model(out, **model_overrides) -> HybridModel:
    recipe = load_config(Recipe, {**RECIPE, "model": {**RECIPE["model"], **model_overrides}}, "recipe")
    bases = (str(out / "base" / "encoder"), str(out / "base" / "vlm"))
    torch.manual_seed(0)
    return stage_model(recipe.model, recipe.stages[1], bases, None, torch.device("cpu"), torch.float32)


def test_sft_changes_only_adapter_and_lora_and_lowers_loss(straight_run, tmp_path):
    """Four questions seen again and again: the loss must fall; every base weight stays bit-identical."""
    _, out = straight_run
    stage = StageConfig(kind="sft", learning_rate=3e-2, batch_size=4, max_steps=8, log_every=1)
    model = _tiny_model(out)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    toto_before = {k: v.clone() for k, v in model.encoder.model.state_dict().items()}
    samples = arfbench.generate(4, seed=1, categories=[PRESENCE, CATEGORIZATION])

    result = StageRun(model, stage, samples, tmp_path / "sft", Accelerator(cpu=True), seed=0).run()

    # A random tiny LM has small, frozen output weights, so its loss cannot fall far: a steady fall is the signal.
    assert sum(result.losses[-2:]) / 2 < sum(result.losses[:2]) / 2 - 0.2, result.losses
    after = model.state_dict()
    trained = {k for k in before if k.startswith("adapter.") or "lora_" in k}
    for key in before.keys() - trained:
        assert torch.equal(before[key], after[key]), f"base weight {key} changed"
    assert all(torch.equal(v, model.encoder.model.state_dict()[k]) for k, v in toto_before.items())
    changed = {k for k in trained if not torch.equal(before[k], after[k])}
    assert {k.split(".")[0] for k in changed} == {"adapter", "vlm"}
    assert any("lora_A" in k for k in changed) and any("lora_B" in k for k in changed)


def test_collator_supervises_exactly_the_answer(straight_run):
    _, out = straight_run
    model = _tiny_model(out)
    samples = arfbench.generate(3, seed=4, categories=[PRESENCE, CORRELATION])
    batch = Collator(InputBuilder.for_model(model), seed=0)(samples, epoch=0)
    tokenizer = model.processor.tokenizer
    for row, sample in enumerate(samples):
        supervised = batch["labels"][row] != -100
        assert torch.equal(batch["labels"][row][supervised], batch["input_ids"][row][supervised])
        text = tokenizer.decode(batch["labels"][row][supervised])
        assert text == answer_text(sample.answer, model.config.prompt) + tokenizer.eos_token
        answer = batch["input_ids"][row][int(supervised.nonzero().min()) :]  # the answer's tokens, to the end
        unsupervised = answer[~supervised[int(supervised.nonzero().min()) :]]
        assert (unsupervised == model.placeholder_id).all()  # only its grounding tokens, which are input
        assert len(unsupervised) == (sample.category == CORRELATION and "time-series " in sample.answer)
    special = torch.tensor([model.placeholder_id, model.vlm.config.image_token_id])
    image_or_series = torch.isin(batch["input_ids"], special)
    assert image_or_series.any() and (batch["labels"][image_or_series] == -100).all()
    series_only = Collator(InputBuilder.for_model(model), seed=0, modality="series")(samples, epoch=0)
    assert not (series_only["input_ids"] == model.vlm.config.image_token_id).any()
    assert (series_only["input_ids"] == model.placeholder_id).any()


def test_gradient_checkpointing_gives_the_same_gradients(straight_run):
    _, out = straight_run
    samples = arfbench.generate(2, seed=6, categories=[PRESENCE])
    gradients = []
    for checkpointing in (False, True):
        model = _tiny_model(out, gradient_checkpointing=checkpointing, lora={"r": 4, "alpha": 8, "dropout": 0.0})
        assert model.vlm.is_activation_checkpointing == checkpointing
        model.train()
        model(**Collator(InputBuilder.for_model(model), seed=0)(samples, epoch=0)).loss.backward()
        gradients.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert gradients[0].keys() == gradients[1].keys() and any("lora_A" in k for k in gradients[0])
    for name, grad in gradients[0].items():
        torch.testing.assert_close(gradients[1][name], grad, rtol=1e-4, atol=1e-6)


def test_choice_loss_stage_learns_to_choose(straight_run, tmp_path):
    """Four questions seen again and again under the choice objective: the logged choice loss falls, and answering
    gives the right options more probability than before."""
    _, out = straight_run
    stage = StageConfig(kind="sft", learning_rate=3e-2, batch_size=4, max_steps=14, log_every=1, choice_loss=1.0)
    model = _tiny_model(out, lora={"r": 4, "alpha": 8, "dropout": 0.0})
    samples = arfbench.generate(4, seed=1, categories=[CATEGORIZATION])

    def right_probability() -> float:
        answers = AnswerEngine(model).answer(samples, modality="both")
        return sum(a.probabilities[s.answer] for a, s in zip(answers, samples)) / len(samples)

    before = right_probability()
    StageRun(model, stage, samples, tmp_path / "sft", Accelerator(cpu=True), seed=0).run()
    choice = [r["choice_loss"] for r in read_log(tmp_path / "log.jsonl") if r["kind"] == "train"]
    assert len(choice) == 14
    # The fixture's random LM is flat (initialised at 0.02), so the choice moves slowly: a steady fall is the signal.
    assert sum(choice[-2:]) / 2 < sum(choice[:2]) / 2 - 0.07, choice
    assert right_probability() > before + 0.01


def test_choice_loss_refuses_gradient_checkpointing():
    recipe = {**RECIPE, "model": {**RECIPE["model"], "gradient_checkpointing": True}}
    recipe["stages"] = [{**RECIPE["stages"][1], "choice_loss": 0.5}]
    with pytest.raises(ValueError, match="choice_loss needs model.gradient_checkpointing = false"):
        load_config(Recipe, recipe, "recipe")
    with pytest.raises(ValueError, match=r"choice_loss must be >= 0"):
        load_config(Recipe, {**RECIPE, "stages": [{**RECIPE["stages"][1], "choice_loss": -1.0}]}, "recipe")


def test_plot_only_run_skips_align_and_trains_lora(tmp_path, capsys):
    """align trains only the adapter, which a plot-only model never uses: the stage is skipped, sft trains LoRA."""
    recipe = json.loads(json.dumps(RECIPE))
    recipe["eval"]["max_samples"] = 0
    recipe["stages"][1] |= {"max_steps": 2, "checkpoint_every": 0}
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe))
    out = tmp_path / "run"
    argv = ["train", "--recipe", str(path), "--set", "model.modality=plot", "--synthetic", "6", "--out", str(out)]
    assert main(argv) == 0
    assert "[align] skipped: a plot-only model" in capsys.readouterr().err
    assert not (out / "align").exists()
    assert [(r["stage"], r["step"]) for r in read_log(out / "log.jsonl") if r["kind"] == "train"] == [
        ("sft", 1), ("sft", 2)
    ]
    assert HybridModel.from_pretrained(out / "sft" / "final").config.modality == "plot"
    lora = load_file(str(out / "sft" / "final" / "lora" / "adapter_model.safetensors"))
    assert any(name.endswith("lora_B.weight") and tensor.abs().sum() > 0 for name, tensor in lora.items())


def test_plot_only_recipe_of_align_alone_is_refused():
    recipe = json.loads(json.dumps(RECIPE))
    recipe["model"]["modality"] = "plot"
    recipe["stages"] = recipe["stages"][:1]
    with pytest.raises(ValueError, match="plot-only model shows no series tokens"):
        load_config(Recipe, recipe, "recipe")


def _evaluations(path):
    return sorted((r["stage"], r["step"], r["questions"], r["accuracy"], r["f1"], r["accuracy_by_category"])
                  for r in read_log(path) if r["kind"] == "eval")


def test_a_final_checkpoint_whose_evaluation_was_not_logged_is_evaluated_on_resume(straight_run, tmp_path):
    recipe_path, out = straight_run
    killed = tmp_path / "run"
    shutil.copytree(out, killed)
    lines = (killed / "log.jsonl").read_text().splitlines()
    (killed / "log.jsonl").write_text("\n".join(l for l in lines if '"stage": "align", "kind": "eval"' not in l) + "\n")

    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(killed), "--resume"]) == 0
    assert _evaluations(killed / "log.jsonl") == _evaluations(out / "log.jsonl")


@pytest.mark.slow
def test_a_kill_between_writing_final_and_evaluating_it_is_evaluated_on_resume(straight_run, tmp_path):
    recipe_path, out = straight_run
    killed = tmp_path / "run"
    shutil.copytree(out, killed)
    # killed -9 after align/final/ was renamed into place, before its held-out evaluation was logged
    shutil.rmtree(killed / "sft")
    lines = (killed / "log.jsonl").read_text().splitlines()
    align_eval = next(i for i, line in enumerate(lines) if '"stage": "align", "kind": "eval"' in line)
    (killed / "log.jsonl").write_text("\n".join(lines[:align_eval]) + "\n")

    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(killed), "--resume"]) == 0

    assert _evaluations(killed / "log.jsonl") == _evaluations(out / "log.jsonl")
    assert [r["stage"] for r in read_log(killed / "log.jsonl") if r["kind"] == "eval"] == ["align", "sft"]
    assert _losses(killed / "log.jsonl", "sft") == _losses(out / "log.jsonl", "sft")
    # resuming a finished run logs nothing more
    before = (killed / "log.jsonl").read_text()
    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--out", str(killed), "--resume"]) == 0
    assert (killed / "log.jsonl").read_text() == before


def test_init_goes_on_from_the_checkpoints_own_lora(straight_run):
    """An sft stage that starts from a trained checkpoint keeps training its LoRA instead of adding a fresh one."""
    _, out = straight_run
    recipe = load_config(Recipe, RECIPE, "recipe")
    final = out / "sft" / "final"
    model = stage_model(recipe.model, recipe.stages[1], None, final, torch.device("cpu"), torch.float32)
    saved = load_file(str(final / "lora" / "adapter_model.safetensors"))
    lora = {k: p for k, p in model.named_parameters() if "lora_" in k}
    assert len(lora) == len(saved) > 0 and all(p.requires_grad for p in lora.values())
    assert sorted(torch.cat([p.detach().flatten() for p in lora.values()]).tolist()) == sorted(
        torch.cat([t.flatten() for t in saved.values()]).tolist())
    aligning = stage_model(recipe.model, recipe.stages[0], None, final, torch.device("cpu"), torch.float32)
    assert not any(p.requires_grad for k, p in aligning.named_parameters() if "lora_" in k)
    assert all(p.requires_grad for p in aligning.adapter.parameters())


def test_train_with_init_builds_no_bases_and_moves_the_checkpoint(straight_run, tmp_path, capsys):
    recipe_path, out = straight_run
    final = out / "sft" / "final"
    run = tmp_path / "more"
    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--seed", "3", "--init", str(final),
                 "--out", str(run)]) == 0
    assert "going on from" in capsys.readouterr().err
    assert not (run / "base").exists()
    assert json.loads((run / "recipe.json").read_text())["model"]["init"] == str(final)
    before, after = (load_file(str(d / "lora" / "adapter_model.safetensors")) for d in (final, run / "sft" / "final"))
    assert before.keys() == after.keys() and any(not torch.equal(before[k], after[k]) for k in before)
    reloaded = HybridModel.from_pretrained(run / "sft" / "final")
    assert reloaded.config.prompt == HybridModel.from_pretrained(final).config.prompt


def test_init_refuses_another_modality_and_a_forecast_stage(straight_run, tmp_path, capsys):
    recipe_path, out = straight_run
    final = str(out / "sft" / "final")
    assert main(["train", "--recipe", str(recipe_path), "--synthetic", "10", "--init", final,
                 "--set", "model.modality=series", "--out", str(tmp_path / "a")]) == 1
    assert "was trained on 'both', the recipe shows 'series'" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # refused before the output directory is claimed
    forecast = {"kind": "forecast", "learning_rate": 1e-3, "max_steps": 2}
    with pytest.raises(ValueError, match="drop the forecast stage"):
        load_config(Recipe, {**RECIPE, "model": {**RECIPE["model"], "init": final},
                             "stages": [forecast, *RECIPE["stages"]]}, "recipe")


@pytest.mark.filterwarnings("error:Unable to fetch remote file", "error:Could not find a config file")
def test_the_finetune_recipe_goes_on_from_the_bundled_demo(tmp_path, capsys):
    """Saving the demo's LoRA again must find its base VLM locally (the bundle names it "vlm"), never on the Hub."""
    run = tmp_path / "demo-more"
    assert main(["train", "--recipe", "tiny-finetune", "--synthetic", "12", "--set", "stages.0.max_steps=2",
                 "--set", "stages.0.batch_size=4", "--set", "eval.max_samples=2", "--out", str(run)]) == 0
    assert f"going on from {DEMO_MODEL}" in capsys.readouterr().err
    before, after = (load_file(str(d / "lora" / "adapter_model.safetensors")) for d in (DEMO_MODEL, run / "sft" / "final"))
    assert before.keys() == after.keys() and any(not torch.equal(before[k], after[k]) for k in before)
    moved = HybridModel.from_pretrained(run / "sft" / "final")
    assert moved.config.adapter == HybridModel.from_pretrained(DEMO_MODEL).config.adapter
