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


class _RunsCode:
    def __reduce__(self):
        return (print, ("unpickled: this code ran",))


def _pickle_file(path) -> None:
    import pickle

    path.write_bytes(pickle.dumps({"weight": _RunsCode()}))


def test_pickled_weights_are_refused_by_name_and_never_unpickled(hybrid_factory, toto_dir, vlm_dirs, tmp_path,
                                                                 capsys):
    from tsqa.bridges.config import LoraSettings

    vlm = shutil.copytree(vlm_dirs["idefics3"], tmp_path / "vlm")
    model = HybridModel.create(toto_dir, vlm, lora=LoraSettings(r=2, alpha=4, dropout=0.0))
    directory = model.save_pretrained(tmp_path / "ckpt")
    lora = directory / "lora"
    (lora / "adapter_model.safetensors").unlink()
    _pickle_file(lora / "adapter_model.bin")
    with pytest.raises(ValueError, match=r"lora: the LoRA weights are pickle files \(adapter_model.bin\)"):
        HybridModel.from_pretrained(directory)
    for weights in vlm.glob("*.safetensors"):
        weights.unlink()
    _pickle_file(vlm / "pytorch_model.bin")
    with pytest.raises(ValueError, match=r"vlm: the VLM weights are pickle files \(pytorch_model.bin\)"):
        HybridModel.from_pretrained(directory)
    assert "this code ran" not in capsys.readouterr().out


def test_damaged_or_mismatched_weights_are_one_error_naming_the_file(hybrid_factory, tmp_path):
    from safetensors.torch import load_file, save_file

    directory = hybrid_factory("idefics3").save_pretrained(tmp_path / "ckpt")
    adapter = directory / "adapter.safetensors"
    good = adapter.read_bytes()
    adapter.write_bytes(good[: len(good) // 2])  # a copy cut short
    with pytest.raises(ValueError, match=r"adapter.safetensors: the adapter weights cannot be loaded \(.*header"):
        HybridModel.from_pretrained(directory)
    adapter.write_bytes(good)
    state = load_file(adapter)
    name = next(iter(state))
    save_file({**state, name: torch.zeros(3, 3)}, adapter)  # another adapter's shapes
    with pytest.raises(ValueError, match=r"the adapter weights cannot be loaded \(.*size mismatch"):
        HybridModel.from_pretrained(directory)
    adapter.write_bytes(good)
    lora = directory / "lora" / "adapter_model.safetensors"
    lora.write_bytes(lora.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"lora: the LoRA weights cannot be loaded"):
        HybridModel.from_pretrained(directory)


def test_the_command_line_reports_a_pickle_in_one_line(monkeypatch, capsys):
    """Whatever library meets a pickle before our checks: the user sees one line, not an UnpicklingError trace."""
    import pickle

    from tsqa.cli import main
    from tsqa.commands import report

    def unpickling(args):
        raise pickle.UnpicklingError("Weights only load failed. Unsupported operand 149")

    monkeypatch.setattr(report, "run", unpickling)
    assert main(["report", "results.csv"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "refused to load a pickle file" in error and "Unsupported operand" in error


@pytest.mark.parametrize("content", ["[" * 100_000, '{"format_version": ' + "1" * 5000 + "}", b"\xff\xfe{}"])
def test_a_config_no_parser_reads_is_one_error_naming_it(content, tmp_path):
    path = tmp_path / CONFIG_NAME
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=f"{CONFIG_NAME}: not valid JSON"):
        HybridModel.from_pretrained(tmp_path)
