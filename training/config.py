"""A training recipe as typed dataclasses, read by the strict loader (`bridges.config.load_config`): a typo in a
recipe file is an error, not a default."""

import dataclasses
from dataclasses import dataclass, field

from tsqa.bridges.config import AdapterConfig, Choice, LoraSettings, Modality, PromptFormat
from tsqa.factories.sizes import TinySizes


@dataclass
class ForecastWindows:
    """How windows are cut. Lengths are in steps and must be whole patches of the model trained."""

    context: int = 512  # longest window; shorter ones are left-padded (unobserved) to this length
    min_context: int = 64  # shortest window
    max_variates: int = 8  # channels drawn together from one series (they attend to each other)
    future_patches: int = 4  # at most this many trailing patches hidden from the input (`cpm_mask`) and forecast
    hide_probability: float = 0.5  # share of windows whose trailing patches are hidden; the rest: next patch only


def check_windows(windows: ForecastWindows, patch_size: int) -> list[str]:
    """Problems with `windows` for a model of `patch_size`, as recipe error messages."""
    problems = []
    for name in ("context", "min_context"):
        value = getattr(windows, name)
        if value < 2 * patch_size or value % patch_size:
            problems.append(f"forecast.{name} must be a multiple of the patch size ({patch_size}) and at least two "
                            f"patches, got {value}")
    if windows.min_context > windows.context:
        problems.append(f"forecast.min_context ({windows.min_context}) exceeds forecast.context ({windows.context})")
    if windows.max_variates < 1 or windows.future_patches < 1:
        problems.append("forecast.max_variates and forecast.future_patches must be >= 1")
    if not 0.0 <= windows.hide_probability <= 1.0:
        problems.append(f"forecast.hide_probability must be in [0, 1], got {windows.hide_probability}")
    return problems


class StageKind(Choice):
    ALIGN = "align"  # the adapter alone
    SFT = "sft"  # LoRA on the language model, and the adapter
    FORECAST = "forecast"  # Toto itself, on metric series, with its quantile head's loss (training.forecast_loop)


class Schedule(Choice):
    COSINE = "cosine"
    LINEAR = "linear"
    CONSTANT = "constant"


class Precision(Choice):
    AUTO = "auto"  # bf16 where the accelerator supports it, else fp32
    BF16 = "bf16"
    FP32 = "fp32"


DEMO_INIT = "demo"  # model.init naming the checkpoint bundled with the package


@dataclass
class ModelConfig:
    """Which encoder and VLM to bridge. `tiny` builds tiny random weights into the output dir (offline, CPU)."""

    encoder: str  # Hub id, local dir, or "tiny"
    vlm: str = ""  # Hub id, local dir, "tiny:<family>" ("tiny:qwen3_vl" or "tiny:idefics3"), "smollm2:smolvlm";
    # left out only by a recipe whose one stage is `forecast`
    adapter: AdapterConfig = field(default_factory=AdapterConfig)  # the widths come from the base models
    lora: LoraSettings = field(default_factory=LoraSettings)  # used by `sft` stages
    prompt: PromptFormat = field(default_factory=PromptFormat)
    gradient_checkpointing: bool = False  # non-reentrant, on the VLM
    encoder_cache_on_disk: bool = False  # keep encoder outputs in <out>/encoder_cache/ across stages and resumes
    modality: Modality = Modality.BOTH  # what the model sees in training and held-out evaluation
    tiny_vlm: TinySizes = field(default_factory=TinySizes)  # sizes of a "tiny:<family>" VLM
    tiny_encoder: dict = field(default_factory=dict)  # Toto2ModelConfig fields of a "tiny" encoder (e.g. d_model)
    # A trained tsqa checkpoint (Hub id, local dir, or "demo": the bundled one) to go on from: the first align/sft
    # stage starts from its encoder, VLM, adapter, LoRA and prompt, so the settings above other than modality are not
    # used. "": fresh bases.
    init: str = ""

    def __post_init__(self) -> None:
        self.modality = Modality(self.modality)


@dataclass
class StageConfig:
    """One pass of the loop. `align` trains the adapter only; `sft` LoRA on the language model and the adapter."""

    kind: StageKind
    learning_rate: float
    batch_size: int = 4  # per process, per micro-step
    grad_accum: int = 1
    epochs: int = 1
    max_steps: int = 0  # optimizer steps; 0 means `epochs` full passes
    warmup_steps: int = 0
    schedule: Schedule = Schedule.COSINE
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    descriptive_targets: bool = False  # add generator-ground-truth descriptions to the QA data (align)
    choice_loss: float = 0.0  # weight of the option-choice loss (training.objective) added to the answer loss; 0: off
    shuffle_options: bool = True
    length_group: int = 8  # batches per sorted window in length-aware batching; 1 disables it
    log_every: int = 10
    eval_every: int = 0  # optimizer steps between held-out evaluations; 0: only at the end
    checkpoint_every: int = 0  # optimizer steps between checkpoints; 0: only the final one
    keep_checkpoints: int = 2  # newest step checkpoints kept on disk; 0 keeps all
    forecast: ForecastWindows = field(default_factory=ForecastWindows)  # the windows of a `forecast` stage

    def __post_init__(self) -> None:
        self.kind, self.schedule = StageKind(self.kind), Schedule(self.schedule)


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
    precision: Precision = Precision.AUTO
    eval: EvalConfig = field(default_factory=EvalConfig)
    description: str = ""

    def __post_init__(self) -> None:
        self.precision = Precision(self.precision)
        validate(self)


def validate(recipe: Recipe) -> None:
    """Checks values a type check cannot: names, ranges, stage order."""
    problems = []
    if not recipe.stages:
        problems.append("stages: at least one stage is needed")
    if not 0.0 <= recipe.eval.holdout_fraction < 1.0:
        problems.append(f"eval.holdout_fraction must be in [0, 1), got {recipe.eval.holdout_fraction}")
    if recipe.eval.max_samples < 0 or recipe.eval.batch_size < 1:
        problems.append("eval.max_samples must be >= 0 and eval.batch_size >= 1")
    for i, stage in enumerate(recipe.stages):
        where = f"stages[{i}]"
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
    if recipe.model.adapter.encoder_dim or recipe.model.adapter.lm_width:
        problems.append("model.adapter: encoder_dim and lm_width come from the base models; leave them out")
    known_toto = {f.name for f in dataclasses.fields(_toto_config_class())}
    problems += [f"model.tiny_encoder: unknown key {k!r}" for k in recipe.model.tiny_encoder if k not in known_toto]
    kinds = [s.kind for s in recipe.stages]
    if len(set(kinds)) != len(kinds):
        problems.append(f"stages: each kind may appear once, got {kinds}")
    if kinds[:1] != [StageKind.FORECAST] and StageKind.FORECAST in kinds:
        problems.append("stages: forecast (training the encoder) must come first")
    qa_kinds = [k for k in kinds if k != StageKind.FORECAST]
    if qa_kinds == [StageKind.SFT, StageKind.ALIGN]:
        problems.append("stages: align must come before sft")
    if qa_kinds and not recipe.model.vlm and not recipe.model.init:
        problems.append("model.vlm: needed by align and sft stages (or model.init, a checkpoint to go on from)")
    for i, stage in enumerate(recipe.stages):
        if stage.kind == StageKind.FORECAST and stage.max_steps < 1:
            problems.append(f"stages[{i}].max_steps: a forecast stage needs a number of steps (it has no epochs)")
    if recipe.model.init and StageKind.FORECAST in kinds:
        problems.append("model.init: a checkpoint's encoder is already trained; drop the forecast stage")
    if qa_kinds == [StageKind.ALIGN] and recipe.model.modality == Modality.PLOT:
        problems.append("stages: a plot-only model shows no series tokens, so align (which trains only the adapter "
                        "that makes them) has nothing to train; add an sft stage")
    if problems:
        raise ValueError(f"recipe {recipe.name!r}: " + "; ".join(problems))


def _toto_config_class() -> type:
    from toto2 import Toto2ModelConfig  # imports gluonts: only when a recipe is checked

    return Toto2ModelConfig
