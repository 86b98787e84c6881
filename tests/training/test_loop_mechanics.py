"""The stage loop on a tiny stand-in model: it learns, touches only trainable weights, and resumes exactly."""


import pytest
import torch
from accelerate import Accelerator

from tsqa.training.config import StageConfig
from tsqa.training.log import read_log
from tsqa.training.loop import StageRun


def _stage(**overrides) -> StageConfig:
    fields = dict(kind="sft", learning_rate=3e-2, batch_size=4, grad_accum=2, epochs=3, log_every=1,
                  checkpoint_every=3, keep_checkpoints=0, warmup_steps=2)
    fields.update(overrides)
    return StageConfig(**fields)


def _train(model, samples, stage_dir, resume=False, evaluate=None, **overrides):
    run = StageRun(model, _stage(**overrides), samples, stage_dir, Accelerator(cpu=True), seed=7, evaluate=evaluate,
                   builder=model)  # the stand-in builds its own inputs
    return run.run(resume=resume)


def _train_losses(log_path) -> list[float]:
    return [r["loss"] for r in read_log(log_path) if r["kind"] == "train"]


def test_short_run_lowers_loss(toy_model, toy_samples, tmp_path):
    model = toy_model()
    samples = toy_samples(48, seed=1)
    result = _train(model, samples, tmp_path / "sft", epochs=6, learning_rate=0.1)
    assert result.steps == 6 * 48 // 8
    first, last = result.losses[:3], result.losses[-3:]
    assert sum(last) / 3 < 0.5 * sum(first) / 3, result.losses
    assert (result.final_dir / "trained.safetensors").is_file()


def test_only_trainable_weights_change(toy_model, toy_samples, tmp_path):
    model = toy_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _train(model, toy_samples(16, seed=2), tmp_path / "sft", epochs=1)
    after = model.state_dict()
    frozen = [k for k in before if k.startswith(("base.", "mixer."))]
    trained = [k for k in before if k not in frozen]
    assert frozen and trained
    for key in frozen:
        assert torch.equal(before[key], after[key]), f"frozen weight {key} changed"
    for key in trained:
        assert not torch.equal(before[key], after[key]), f"trainable weight {key} did not change"


def test_interrupted_run_resumes_to_identical_losses(toy_model, toy_samples, tmp_path, interrupted):
    samples = toy_samples(24, seed=3)
    straight = _train(toy_model(), samples, tmp_path / "straight" / "sft")
    # Simulate a kill after step 4: keep only the first checkpoint (step 3) and the log lines a killed run had.
    copy = interrupted(tmp_path / "straight", "sft")
    log = copy / "log.jsonl"
    log.write_text("".join(line + "\n" for line in log.read_text().splitlines()[:4]) + '{"stage": "sft", "ki')

    fresh = toy_model()  # the same base weights; trainable weights and the RNG moved away, for resume to restore
    with torch.no_grad():
        for parameter in fresh.parameters():
            if parameter.requires_grad:
                parameter.add_(1.0)
    torch.manual_seed(1234)
    resumed = _train(fresh, samples, copy / "sft", resume=True)

    assert resumed.losses == straight.losses[3:]
    assert _train_losses(log) == _train_losses(tmp_path / "straight" / "log.jsonl")
    assert [r["step"] for r in read_log(log)] == list(range(1, 10))
    final_a = (tmp_path / "straight" / "sft" / "final" / "trained.safetensors").read_bytes()
    final_b = (copy / "sft" / "final" / "trained.safetensors").read_bytes()
    assert final_a == final_b


def test_existing_checkpoints_need_resume(toy_model, toy_samples, tmp_path):
    samples = toy_samples(16, seed=4)
    _train(toy_model(), samples, tmp_path / "sft", epochs=2)
    with pytest.raises(ValueError, match="already holds checkpoints"):
        _train(toy_model(), samples, tmp_path / "sft", epochs=2)


def test_evaluation_does_not_change_training(toy_model, toy_samples, tmp_path):
    samples = toy_samples(16, seed=5)

    def evaluate(model):
        torch.rand(100)  # draws from the RNG that dropout uses
        return {"accuracy": 50.0}

    plain = _train(toy_model(), samples, tmp_path / "a" / "sft")
    evaluated = _train(toy_model(), samples, tmp_path / "b" / "sft", evaluate=evaluate, eval_every=2)
    assert plain.losses == evaluated.losses
    evals = [r for r in read_log(tmp_path / "b" / "log.jsonl") if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [2, 4, 6] and evals[0]["accuracy"] == 50.0


def test_too_few_samples_is_a_clear_error(toy_model, toy_samples, tmp_path):
    with pytest.raises(ValueError, match="no full optimizer step"):
        _train(toy_model(), toy_samples(3, seed=6), tmp_path / "sft")
