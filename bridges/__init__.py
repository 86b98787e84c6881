"""The bridge from time-series encoders into vision-language models: adapter, hybrid model, prompts, answering.

Names are imported on first use, so `import bridges` stays free of transformers and peft.
"""

import importlib

_LAZY = {
    "HybridModel": "bridges.hybrid",
    "Answer": "bridges.answering",
    "AdapterConfig": "bridges.adapter",
    "TimeSeriesAdapter": "bridges.adapter",
    "PromptFormat": "bridges.prompt",
    "LoraSettings": "bridges.lora",
    "TokenPlan": "bridges.budget",
    "TSQAConfig": "bridges.config",
    "save_tiny_vlm": "bridges.tiny",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bridges' has no attribute {name!r}")
