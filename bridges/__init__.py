"""The bridge from time-series encoders into vision-language models: adapter, hybrid model, prompts, answering.

Names are imported on first use, so `import tsqa.bridges` stays free of transformers and peft.
"""

import importlib

_LAZY = {
    "HybridModel": "tsqa.bridges.hybrid",
    "HybridOutput": "tsqa.bridges.hybrid",
    "AnswerMode": "tsqa.bridges.choices",
    "AdapterConfig": "tsqa.bridges.adapter",
    "TimeSeriesAdapter": "tsqa.bridges.adapter",
    "TimeSeriesPayload": "tsqa.bridges.adapter",
    "PromptFormat": "tsqa.bridges.prompt",
    "Modality": "tsqa.bridges.choices",
    "TimeLabels": "tsqa.bridges.choices",
    "LoraSettings": "tsqa.bridges.lora",
    "TokenPlan": "tsqa.bridges.budget",
    "TSQAConfig": "tsqa.bridges.config",
    "Scoring": "tsqa.bridges.choices",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tsqa.bridges' has no attribute {name!r}")
