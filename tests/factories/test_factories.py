"""What every factory shares: one chat-template builder, Hub resolution that builds nothing, a recipe that names a
tiny VLM's shape without importing the model classes."""

import importlib
import sys

import pytest
from jinja2 import Template

from tsqa.factories import chat_template
from tsqa.factories.hub import resolve
from tsqa.factories.smollm2 import CHATML_TEMPLATE, SMOLVLM

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Any spike?"}]},
]


def _render(template: str) -> str:
    return Template(template).render(messages=MESSAGES, add_generation_prompt=True)


def test_each_family_writes_its_own_turns_with_its_image_token():
    assert _render(chat_template.QWEN3_VL) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Any spike?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert _render(CHATML_TEMPLATE) == _render(chat_template.QWEN3_VL).replace(
        "<|vision_start|><|image_pad|><|vision_end|>", "<image>"
    )  # SmolLM2's ChatML differs from Qwen's in the image token only
    assert _render(chat_template.IDEFICS3) == (
        "System:Be brief.<end_of_utterance>\nUser:<image>Any spike?<end_of_utterance>\nAssistant:"
    )


def test_resolving_a_built_spec_builds_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TSQA_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="built on first use"):
        resolve(SMOLVLM)
    assert list(tmp_path.iterdir()) == []


def test_a_recipe_names_a_tiny_vlm_without_its_builder(monkeypatch):
    for name in ("tsqa.training.config", "tsqa.factories.tiny_vlm"):
        monkeypatch.delitem(sys.modules, name, raising=False)  # put back when the test ends
    config = importlib.import_module("tsqa.training.config")
    assert config.ModelConfig("tiny", "tiny:qwen3_vl").tiny_vlm.hidden_size == 32
    assert "tsqa.factories.tiny_vlm" not in sys.modules
