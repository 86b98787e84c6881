"""`tsqa_config.json`: which base models a checkpoint applies to, and how its adapter and prompts are shaped."""

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from tsqa.bridges.adapter import AdapterConfig
from tsqa.bridges.prompt import ADDED_TOKENS, MODALITIES, PromptFormat

CONFIG_NAME = "tsqa_config.json"
ADAPTER_WEIGHTS = "adapter.safetensors"
LORA_DIR = "lora"
FORMAT_VERSION = 2  # 2: adapter features gained the raw-value span statistics (`bridges.features`)
SCORINGS = ("mean", "sum")


@dataclass
class TSQAConfig:
    """Everything needed to rebuild a hybrid from its base models (by Hub id, or path)."""

    vlm: str  # Hub id or path of the VLM (a relative path is looked up in the checkpoint directory first)
    encoder: str | None  # Hub id or path of the time-series encoder; None for a plot-only model
    adapter: AdapterConfig | None  # None exactly when there is no encoder
    prompt: PromptFormat = field(default_factory=PromptFormat)
    scoring: str = "mean"  # option score: mean (default) or sum of the answer tokens' log-probabilities
    modality: str = "both"  # what the model was trained to see; answering uses it unless told otherwise
    added_tokens: list[str] = field(default_factory=lambda: list(ADDED_TOKENS))
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.scoring not in SCORINGS:
            raise ValueError(f"scoring must be one of {SCORINGS}, got {self.scoring!r}")
        if self.modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {self.modality!r}")
        if self.modality == "series" and self.encoder is None:
            raise ValueError("a series-only model needs a time-series encoder")
        if (self.encoder is None) != (self.adapter is None):
            raise ValueError("a TSQA config needs both an encoder and an adapter config, or neither")
        if list(self.added_tokens) != list(ADDED_TOKENS):
            raise ValueError(f"added tokens {self.added_tokens} differ from the ones this code injects {ADDED_TOKENS}")

    def to_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["adapter"] = None if self.adapter is None else self.adapter.to_dict()
        data["prompt"] = self.prompt.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TSQAConfig":
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"{CONFIG_NAME}: unknown field(s) {unknown}")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{CONFIG_NAME}: format_version {data.get('format_version')!r}, expected {FORMAT_VERSION}: this code's "
                "adapter reads different features; retrain the checkpoint with this version"
            )
        data = dict(data)
        data["adapter"] = None if data.get("adapter") is None else AdapterConfig.from_dict(data["adapter"])
        data["prompt"] = PromptFormat.from_dict(data.get("prompt", {}))
        return cls(**data)

    def save(self, directory: Path) -> None:
        (directory / CONFIG_NAME).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "TSQAConfig":
        path = directory / CONFIG_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{directory}: not a tsqa checkpoint (missing {CONFIG_NAME})")
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError) as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object")
        try:
            return cls.from_dict(data)
        except TypeError as err:
            raise ValueError(f"{path}: {err}") from err
