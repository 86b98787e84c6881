"""Hub ids through a local Hugging Face cache (offline), portable references, and a checkpoint that moves."""

import json
import shutil

import huggingface_hub.constants
import pytest
import torch

from tsqa.bridges.config import CONFIG_NAME
from tsqa.factories.cache import add_to_hub_cache
from tsqa.factories.hub import anchored, is_hub_id, portable, resolve
from tsqa.bridges.hybrid import HybridModel
from tsqa.cli import main
from tsqa.bridges.inputs import InputBuilder


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """An empty Hugging Face cache in a temporary folder, in offline mode: nothing can be downloaded."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return cache


def _logits(model, sample) -> torch.Tensor:
    with torch.no_grad():
        return model(**InputBuilder.for_model(model).prepare([sample])).logits


def test_references_are_recorded_portably(tmp_path):
    checkpoint = tmp_path / "run" / "sft" / "final"
    base = tmp_path / "run" / "base" / "vlm"
    base.mkdir(parents=True)
    checkpoint.mkdir(parents=True)
    assert portable(str(base), checkpoint) == "../../base/vlm"
    assert anchored("../../base/vlm", checkpoint) == str(base.resolve())
    snapshot = tmp_path / "hub" / "models--Qwen--Qwen3-VL-2B-Instruct" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    assert portable(str(snapshot), checkpoint) == "Qwen/Qwen3-VL-2B-Instruct"
    assert portable("Qwen/Qwen3-VL-8B-Instruct", checkpoint) == "Qwen/Qwen3-VL-8B-Instruct"
    assert portable("smollm2:smolvlm", checkpoint) == "smollm2:smolvlm"
    assert is_hub_id("Datadog/Toto-2.0-22m") and not is_hub_id("a/b/c") and not is_hub_id("openai:gpt-5")


def test_a_moved_checkpoint_loads(hybrid_factory, toto_dir, vlm_dirs, make_sample, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(vlm_dirs["qwen3_vl"], run / "base" / "vlm")
    shutil.copytree(toto_dir, run / "base" / "encoder")
    monkeypatch.chdir(tmp_path)  # relative base paths are read from the working directory
    model = HybridModel.create("run/base/encoder", "run/base/vlm")
    directory = model.save_pretrained(run / "align" / "final")
    saved = json.loads((directory / CONFIG_NAME).read_text())
    assert (saved["vlm"], saved["encoder"]) == ("../../base/vlm", "../../base/encoder")
    resaved = json.loads((HybridModel.from_pretrained(directory).save_pretrained(run / "sft" / "final") / CONFIG_NAME)
                         .read_text())
    assert resaved["vlm"] == "../../base/vlm"  # re-based on the new checkpoint, not copied

    moved = tmp_path / "elsewhere" / "moved-run"
    moved.parent.mkdir()
    run.rename(moved)
    monkeypatch.chdir(moved.parent)
    loaded = HybridModel.from_pretrained(moved / "align" / "final")
    assert torch.equal(_logits(loaded, make_sample(0)), _logits(model, make_sample(0)))


def test_hub_ids_load_through_the_local_cache(hybrid_factory, toto_dir, vlm_dirs, make_sample, offline_hub, tmp_path):
    for directory, hub_id in ((vlm_dirs["qwen3_vl"], "tiny-org/tiny-vlm"), (toto_dir, "tiny-org/tiny-toto")):
        add_to_hub_cache(shutil.copytree(directory, tmp_path / hub_id), hub_id, offline_hub)
    model = HybridModel.create("tiny-org/tiny-toto", "tiny-org/tiny-vlm")
    assert (model.config.vlm, model.config.encoder) == ("tiny-org/tiny-vlm", "tiny-org/tiny-toto")
    checkpoint = model.save_pretrained(tmp_path / "checkpoint")
    assert json.loads((checkpoint / CONFIG_NAME).read_text())["vlm"] == "tiny-org/tiny-vlm"
    snapshot = add_to_hub_cache(checkpoint, "tiny-org/tsqa-checkpoint", offline_hub)
    assert snapshot.parent.parent.name == "models--tiny-org--tsqa-checkpoint"

    loaded = HybridModel.from_pretrained("tiny-org/tsqa-checkpoint")
    assert torch.equal(_logits(loaded, make_sample(1)), _logits(model, make_sample(1)))


def test_an_uncached_hub_id_offline_is_one_clear_line(offline_hub, tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match=r"huggingface-cli download nobody/nothing"):
        resolve("nobody/nothing")
    series = tmp_path / "s.csv"
    series.write_text("timestamp,cpu\n1700000000,1\n1700000060,2\n")
    assert main(["ask", "--model", "nobody/nothing", "--series", str(series), "--question", "Anomaly?"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "nobody/nothing" in error and "huggingface-cli download" in error


def test_adding_a_hub_id_again_replaces_its_snapshot(offline_hub, tmp_path):
    """A rehearsal at a second depth caches the same Hub id again: the newer folder wins."""
    for version in ("one layer", "two layers"):
        folder = tmp_path / version
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"version": version}))
        snapshot = add_to_hub_cache(folder, "tiny-org/model", offline_hub)
    assert json.loads((resolve("tiny-org/model") / "config.json").read_text()) == {"version": "two layers"}
    assert [p.name for p in snapshot.parent.iterdir()] == [snapshot.name]
