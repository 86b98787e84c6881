"""A training recipe as dataclasses, built strictly from a dict: a typo in a recipe file is an error, not a default."""

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field

from tsqa.bridges.prompt import MODALITIES

STAGE_KINDS = ("align", "sft")
SCHEDULES = ("cosine", "linear", "constant")
PRECISIONS = ("auto", "bf16", "fp32")


@dataclass
class ModelConfig:
    """Which encoder and VLM to bridge. `tiny` builds tiny random weights into the output dir (offline, CPU)."""

    encoder: str  # Hub id, local dir, or "tiny"
    vlm: str  # Hub id, local dir, "tiny:<family>" ("tiny:qwen3_vl" or "tiny:idefics3"), or "smollm2:smolvlm"
    adapter: dict = field(default_factory=dict)  # the bridge's adapter config fields
    lora: dict = field(default_factory=dict)  # the bridge's LoRA config fields, used by `sft` stages
    prompt: dict = field(default_factory=dict)  # the bridge's prompt format fields (e.g. time_labels)
    gradient_checkpointing: bool = False  # non-reentrant, on the VLM
    modality: str = "both"  # what the model sees in training and held-out evaluation: both, plot or series
    tiny_vlm: dict = field(default_factory=dict)  # sizes of a "tiny:<family>" VLM (hidden_size, num_layers, vocab_size)
    tiny_encoder: dict = field(default_factory=dict)  # Toto config fields of a "tiny" encoder (e.g. d_model)


@dataclass
class StageConfig:
    """One pass of the loop. `align` trains the adapter only; `sft` LoRA on the language model and the adapter."""

    kind: str
    learning_rate: float
    batch_size: int = 4  # per process, per micro-step
    grad_accum: int = 1
    epochs: int = 1
    max_steps: int = 0  # optimizer steps; 0 means `epochs` full passes
    warmup_steps: int = 0
    schedule: str = "cosine"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    descriptive_targets: bool = False  # add generator-ground-truth descriptions to the QA data (align)
    choice_loss: float = 0.0  # weight of the option-choice loss (bridges.choice) added to the answer loss; 0: off
    shuffle_options: bool = True
    length_group: int = 8  # batches per sorted window in length-aware batching; 1 disables it
    log_every: int = 10
    eval_every: int = 0  # optimizer steps between held-out evaluations; 0: only at the end
    checkpoint_every: int = 0  # optimizer steps between checkpoints; 0: only the final one
    keep_checkpoints: int = 2  # newest step checkpoints kept on disk; 0 keeps all


@dataclass
class EvalConfig:
    """The held-out split: a separate dir when given, else a fraction of the training data, split by series."""

    holdout_fraction: float = 0.1
    max_samples: int = 200  # questions scored at each periodic evaluation (a seeded random sample of held-out)
    batch_size: int = 8


@dataclass
class Recipe:
    name: str
    model: ModelConfig
    stages: list[StageConfig]
    seed: int = 0
    precision: str = "auto"  # "auto": bf16 where the accelerator supports it, else fp32
    eval: EvalConfig = field(default_factory=EvalConfig)
    description: str = ""

    def __post_init__(self) -> None:
        validate(self)


def validate(recipe: Recipe) -> None:
    """Checks values a type check cannot: names, ranges, stage order."""
    problems = []
    if recipe.model.modality not in MODALITIES:
        problems.append(f"model.modality must be one of {MODALITIES}, got {recipe.model.modality!r}")
    if recipe.precision not in PRECISIONS:
        problems.append(f"precision must be one of {PRECISIONS}, got {recipe.precision!r}")
    if not recipe.stages:
        problems.append("stages: at least one stage is needed")
    if not 0.0 <= recipe.eval.holdout_fraction < 1.0:
        problems.append(f"eval.holdout_fraction must be in [0, 1), got {recipe.eval.holdout_fraction}")
    if recipe.eval.max_samples < 0 or recipe.eval.batch_size < 1:
        problems.append("eval.max_samples must be >= 0 and eval.batch_size >= 1")
    for i, stage in enumerate(recipe.stages):
        where = f"stages[{i}]"
        if stage.kind not in STAGE_KINDS:
            problems.append(f"{where}.kind must be one of {STAGE_KINDS}, got {stage.kind!r}")
        if stage.schedule not in SCHEDULES:
            problems.append(f"{where}.schedule must be one of {SCHEDULES}, got {stage.schedule!r}")
        if not stage.learning_rate > 0:
            problems.append(f"{where}.learning_rate must be > 0, got {stage.learning_rate}")
        if not stage.max_grad_norm > 0:
            problems.append(f"{where}.max_grad_norm must be > 0, got {stage.max_grad_norm}")
        if stage.choice_loss < 0:
            problems.append(f"{where}.choice_loss must be >= 0, got {stage.choice_loss}")
        if stage.choice_loss > 0 and recipe.model.gradient_checkpointing:
            problems.append(
                f"{where}.choice_loss needs model.gradient_checkpointing = false: options continue from the prompt's "
                "KV cache, which gradient checkpointing drops"
            )
        for name in ("batch_size", "grad_accum", "epochs", "length_group", "log_every"):
            if getattr(stage, name) < 1:
                problems.append(f"{where}.{name} must be >= 1, got {getattr(stage, name)}")
        for name in ("max_steps", "warmup_steps", "eval_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(stage, name) < 0:
                problems.append(f"{where}.{name} must be >= 0, got {getattr(stage, name)}")
    problems.extend(_bridge_field_problems(recipe.model))
    kinds = [s.kind for s in recipe.stages]
    if len(set(kinds)) != len(kinds):
        problems.append(f"stages: each kind may appear once, got {kinds}")
    if kinds == ["sft", "align"]:
        problems.append("stages: align must come before sft")
    if kinds == ["align"] and recipe.model.modality == "plot":
        problems.append("stages: a plot-only model shows no series tokens, so align (which trains only the adapter "
                        "that makes them) has nothing to train; add an sft stage")
    if problems:
        raise ValueError(f"recipe {recipe.name!r}: " + "; ".join(problems))


def _unknown(where: str, given: dict, known: set[str]) -> list[str]:
    return [
        f"{where}: unknown key {key!r} (known keys: {', '.join(sorted(known))})" for key in given if key not in known
    ]


def _bridge_field_problems(model: ModelConfig) -> list[str]:
    """The tables handed to the bridge and the tiny builders, checked against the fields they accept."""
    import inspect

    from tsqa.bridges.adapter import AdapterConfig
    from tsqa.bridges.lora import LoraSettings
    from tsqa.bridges.prompt import PromptFormat

    from_models = {"encoder_dim", "lm_width", "embedding_rms"}  # set from the base models, never by a recipe
    adapter_keys = {f.name for f in dataclasses.fields(AdapterConfig)} - from_models
    problems = _unknown("model.adapter", model.adapter, adapter_keys)
    problems += _unknown("model.lora", model.lora, {f.name for f in dataclasses.fields(LoraSettings)})
    problems += _unknown("model.prompt", model.prompt, {f.name for f in dataclasses.fields(PromptFormat)})
    if model.tiny_vlm:
        from tsqa.bridges.tiny import tiny_qwen3_vl

        sizes = set(inspect.signature(tiny_qwen3_vl).parameters) - {"corpus", "seed"}
        problems += _unknown("model.tiny_vlm", model.tiny_vlm, sizes)
    if model.tiny_encoder:
        from toto2 import Toto2ModelConfig

        toto_fields = set(inspect.signature(Toto2ModelConfig).parameters)
        problems += _unknown("model.tiny_encoder", model.tiny_encoder, toto_fields)
    return problems


def from_dict(cls: type, data: object, where: str = "recipe"):
    """Builds dataclass `cls` from plain data, rejecting unknown keys, missing keys and wrong types by their path."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a table of keys, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(fields)})"
            raise ValueError(f"{where}: unknown key {key!r}{hint}")
    values = {}
    for name, f in fields.items():
        if name in data:
            values[name] = _convert(hints[name], data[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{where}: missing required key {name!r}")
    return cls(**values)


def _convert(hint: object, value: object, where: str):
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        (item,) = typing.get_args(hint)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a table, got {type(value).__name__}")
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool) or not isinstance(value, hint):
        raise ValueError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def to_dict(recipe: Recipe) -> dict:
    return dataclasses.asdict(recipe)
