"""LoRA on the language model only: the vision tower, the projector and the base weights stay frozen."""

import re

from peft import LoraConfig
from torch import nn

from tsqa.bridges.config import LoraSettings

_PROJECTIONS = r"(self_attn\.(q|k|v|o)_proj|mlp\.(gate|up|down)_proj)"


def language_model_prefix(vlm: nn.Module) -> str:
    """Module path of the decoder stack that owns the input embeddings (`model.language_model` in Qwen-VL,
    `model.text_model` in Idefics3): the one place LoRA goes."""
    embedding = vlm.get_input_embeddings()
    for name, module in vlm.named_modules():
        if getattr(module, "embed_tokens", None) is embedding and hasattr(module, "layers"):
            return name
    raise ValueError(f"{type(vlm).__name__}: no decoder module owning the input embeddings was found")


def peft_lora_config(vlm: nn.Module, settings: LoraSettings) -> LoraConfig:
    """A peft config whose regex matches the attention and MLP projections of the language model's layers."""
    target = rf"{re.escape(language_model_prefix(vlm))}\.layers\.\d+\.{_PROJECTIONS}"
    return LoraConfig(r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout, target_modules=target)
