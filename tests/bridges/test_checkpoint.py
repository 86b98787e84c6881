"""Checkpoint directory: files, save -> load identical logits, LoRA merge, relative base paths, bad directories."""

import json
import shutil

import pytest
import torch

from tsqa.bridges.config import CONFIG_NAME
from tsqa.bridges.hybrid import HybridModel
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.answering import AnswerEngine


def _logits(model, batch) -> torch.Tensor:
    with torch.no_grad():
        return model(**batch).logits


def test_save_load_gives_identical_logits(family, hybrid_factory, make_sample, tmp_path):
    model = hybrid_factory(family)
    with torch.no_grad():
        for parameter in model.adapter.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    batch = InputBuilder.for_model(model).prepare([make_sample(0), make_sample(1, pair=True)])
    before = _logits(model, batch)
    directory = model.save_pretrained(tmp_path / "ckpt")
    assert sorted(p.name for p in directory.iterdir()) == ["adapter.safetensors", "lora", CONFIG_NAME]
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in (directory / "lora").iterdir()}
    config = json.loads((directory / CONFIG_NAME).read_text())
    assert config["prompt"]["version"] == "tsqa-prompt-2" and config["format_version"] == 3
    assert config["added_tokens"] == ["<|ts|>", "<|ts_start|>", "<|ts_end|>"]
    assert config["adapter"]["tokens_per_channel"] == 8

    loaded = HybridModel.from_pretrained(directory)
    assert torch.equal(_logits(loaded, InputBuilder.for_model(loaded).prepare([make_sample(0), make_sample(1, pair=True)])), before)
    names = [n for n, _ in loaded.trainable_parameters()]
    assert names and all(n.startswith("adapter.") for n in names)  # LoRA loads frozen unless trainable=True

    merged = HybridModel.from_pretrained(directory, merge_lora=True)
    assert not any("lora_" in n for n, _ in merged.named_parameters())
    torch.testing.assert_close(_logits(merged, batch), before, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="merged"):
        merged.save_pretrained(tmp_path / "again")


def test_trainable_load_resumes_lora_training(hybrid_factory, tmp_path):
    directory = hybrid_factory("qwen3_vl").save_pretrained(tmp_path / "ckpt")
    loaded = HybridModel.from_pretrained(directory, trainable=True)
    names = [n for n, _ in loaded.trainable_parameters()]
    assert any("lora_A" in n for n in names) and any(n.startswith("adapter.") for n in names)


def test_relative_base_paths_resolve_inside_the_checkpoint(hybrid_factory, vlm_dirs, toto_dir, make_sample, tmp_path):
    model = hybrid_factory("idefics3", lora=False)
    directory = model.save_pretrained(tmp_path / "ckpt")
    shutil.copytree(vlm_dirs["idefics3"], directory / "vlm")
    shutil.copytree(toto_dir, directory / "encoder")
    config = json.loads((directory / CONFIG_NAME).read_text())
    config.update(vlm="vlm", encoder="encoder")
    (directory / CONFIG_NAME).write_text(json.dumps(config))
    moved = tmp_path / "moved"
    directory.rename(moved)
    loaded = HybridModel.from_pretrained(moved)
    batch = InputBuilder.for_model(model).prepare([make_sample(0)])
    assert torch.equal(_logits(loaded, batch), _logits(model, batch))


def test_bad_checkpoint_directories(hybrid_factory, tmp_path):
    with pytest.raises(FileNotFoundError, match=CONFIG_NAME):
        HybridModel.from_pretrained(tmp_path)
    directory = hybrid_factory("idefics3", lora=False).save_pretrained(tmp_path / "ckpt")
    config_path = directory / CONFIG_NAME
    good = config_path.read_text()
    config_path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        HybridModel.from_pretrained(directory)
    config_path.write_text(json.dumps({**json.loads(good), "format_version": 99}))
    with pytest.raises(ValueError, match="format_version"):
        HybridModel.from_pretrained(directory)
    config_path.write_text(good)
    (directory / "adapter.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="adapter.safetensors"):
        HybridModel.from_pretrained(directory)


def test_checkpoint_records_the_modality_it_answers_with(hybrid_factory, make_sample, tmp_path):
    model = hybrid_factory("qwen3_vl", lora=False, modality="series")
    directory = model.save_pretrained(tmp_path / "ckpt")
    assert json.loads((directory / CONFIG_NAME).read_text())["modality"] == "series"
    loaded = HybridModel.from_pretrained(directory)
    sample = make_sample(0)
    by_default = AnswerEngine(loaded).answer([sample])[0].probabilities
    assert by_default == AnswerEngine(loaded).answer([sample], modality="series")[0].probabilities
    assert by_default != AnswerEngine(loaded).answer([sample], modality="both")[0].probabilities  # the plot changes the prompt
    with pytest.raises(ValueError, match="modality must be one of"):
        HybridModel.create(None, model.config.vlm, modality="audio")
    with pytest.raises(ValueError, match="series-only model needs a time-series encoder"):
        HybridModel.create(None, model.config.vlm, modality="series")


def test_checkpoints_written_before_modality_was_recorded_load_as_both(hybrid_factory, tmp_path):
    directory = hybrid_factory("idefics3", lora=False).save_pretrained(tmp_path / "ckpt")
    config = json.loads((directory / CONFIG_NAME).read_text())
    del config["modality"]
    (directory / CONFIG_NAME).write_text(json.dumps(config))
    assert HybridModel.from_pretrained(directory).config.modality == "both"
