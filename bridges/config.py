"""The typed config tree and its one strict loader, used by checkpoints (`tsqa_config.json`), recipes and the bridge.

Every config is a dataclass; `load_config` builds one from plain data (JSON, TOML), naming the path of any unknown,
missing or mistyped key (`recipe tiny.model.adapter: unknown key 'hiden_dim' (did you mean 'hidden_dim'?)`), and
`config_dict` turns one back into plain data. Choices are `StrEnum`s (`Choice`), so they read and write as their
strings in JSON, TOML and the CLI; their defaults live where the choice is recorded: a checkpoint's `TSQAConfig` says
how the model scores and what it was trained to see, and answering uses that unless told otherwise. The prompt's
format (`PromptFormat`, written by `bridges.prompt`) and the tokens the bridge adds to the VLM's vocabulary are part of
what a checkpoint records.
"""

import dataclasses
import difflib
import json
import types
import typing
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path

class Choice(StrEnum):
    """A StrEnum whose bad values are errors that name the setting and its choices."""

    @classmethod
    def _missing_(cls, value: object):
        choices = ", ".join(repr(member.value) for member in cls)
        raise ValueError(f"{cls.setting()} must be one of {choices}, got {value!r}")

    @classmethod
    def setting(cls) -> str:
        """The setting's name in messages: `AnswerMode` -> `answer mode`."""
        return "".join(f" {c.lower()}" if c.isupper() else c for c in cls.__name__).strip()


class Modality(Choice):
    """What a question shows the model: the plot and time-series tokens, or one of them."""

    BOTH = "both"
    PLOT = "plot"
    SERIES = "series"


class Scoring(Choice):
    """How an option's answer tokens are scored: their mean log-probability, or their sum."""

    MEAN = "mean"
    SUM = "sum"

    def normalise(self, sums, lengths):
        """Option scores from summed answer-token log-probabilities and scored-token counts (tensors of one shape):
        the one place answering and the choice loss turn them into scores, so both rank options alike."""
        return sums / lengths if self == Scoring.MEAN else sums


class TimeLabels(Choice):
    """How temporal tokens are dated: FULL writes `YYYY-MM-DD HH:MM:SS` before every token; COMPACT the date only
    when it changes; HEADER lists the span starts once per series (channels share them) and leaves tokens bare;
    NONE writes no times."""

    FULL = "full"
    COMPACT = "compact"
    HEADER = "header"
    NONE = "none"


class AnswerMode(Choice):
    """SCORE: every option's likelihood, the best one chosen (always valid, with probabilities). GENERATE: greedy
    text, for open questions or to be parsed like an API model's reply."""

    SCORE = "score"
    GENERATE = "generate"


TS_TOKEN = "<|ts|>"  # placeholder: its embedding is replaced by one adapter output vector
TS_START = "<|ts_start|>"
TS_END = "<|ts_end|>"
MARKER_TOKENS = (TS_START, TS_END)  # their embeddings are learned adapter parameters, in this order
ADDED_TOKENS = (TS_TOKEN, *MARKER_TOKENS)


DEFAULT_SYSTEM = (
    "You are an expert in observability and incident response. Metrics are shown as plots and as time-series "
    "tokens; each token follows the start time of the span it summarises. Answer the multiple-choice question with "
    'JSON: {"answer": "<the exact text of one option>"}.'
)


@dataclass
class PromptFormat:
    """How prompts are written; `version` changes whenever the layout does (checkpoints record it)."""

    version: str = "tsqa-prompt-2"  # 2: grounding tokens after named data (`bridges.grounding`)
    system: str = DEFAULT_SYSTEM
    time_labels: TimeLabels = TimeLabels.FULL
    answer_prefix: str = '{"answer": "'  # ends the prompt: scoring and generation continue from here
    answer_suffix: str = '"}'
    max_named_hidden: int = 20  # channel names listed in the "not shown" note
    max_listed_channels: int = 64  # channels named in a plot-only prompt

    def __post_init__(self) -> None:
        self.time_labels = TimeLabels(self.time_labels)


CONFIG_NAME = "tsqa_config.json"
ADAPTER_WEIGHTS = "adapter.safetensors"
LORA_DIR = "lora"
ADAPTER_INPUTS = ("both", "toto", "features")
FORMAT_VERSION = 3  # 2: raw-value span statistics among the features; 3: grounding tokens (`bridges.grounding`)


@dataclass
class AdapterConfig:
    """Shapes of the adapter and the token budget it works under (saved inside `tsqa_config.json`).

    A recipe sets everything but the widths, which `HybridModel` takes from the base models (0 = not yet known)."""

    encoder_dim: int = 0  # the encoder's d_model
    lm_width: int = 0  # the language model's hidden size
    hidden_dim: int = 512
    tokens_per_channel: int = 8  # K temporal tokens per channel when the budget allows
    min_tokens_per_channel: int = 2  # K is never reduced below this; channels are dropped instead
    max_ts_tokens: int = 512  # total time-series tokens per question
    fourier_frequencies: int = 4
    max_channel_ids: int = 64  # learned channel-identity vectors; the shown index wraps around beyond this
    max_series: int = 2  # a question is about one series, or a pair
    grounding: bool = True  # timestamps, channel names and series labels in the text get grounding tokens
    dropout: float = 0.0
    inputs: str = "both"  # ablation of what the adapter reads: both, toto, features (`features.encoder_feature_mask`)
    embedding_rms: float = 1.0  # RMS of the LM's input embedding rows: initial value of the output gate

    def __post_init__(self) -> None:
        for name in ("encoder_dim", "lm_width"):
            if getattr(self, name) < 0:
                raise ValueError(f"AdapterConfig.{name} must be >= 0 (0: from the base model), got {getattr(self, name)}")
        for name in ("hidden_dim", "min_tokens_per_channel", "max_series"):
            if getattr(self, name) < 1:
                raise ValueError(f"AdapterConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.inputs not in ADAPTER_INPUTS:
            raise ValueError(f"AdapterConfig.inputs must be one of {', '.join(ADAPTER_INPUTS)}, got {self.inputs!r}")
        if self.tokens_per_channel < self.min_tokens_per_channel:
            raise ValueError(
                f"AdapterConfig.tokens_per_channel ({self.tokens_per_channel}) is below min_tokens_per_channel "
                f"({self.min_tokens_per_channel})"
            )
        if self.max_ts_tokens < self.min_tokens_per_channel * self.max_series:
            raise ValueError(
                f"AdapterConfig.max_ts_tokens ({self.max_ts_tokens}) cannot show one channel of each of "
                f"{self.max_series} series at {self.min_tokens_per_channel} tokens"
            )


@dataclass
class LoraSettings:
    """LoRA on the language model's attention and MLP projections (`bridges.lora`)."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05


@dataclass
class TSQAConfig:
    """Everything needed to rebuild a hybrid from its base models (by Hub id, or path)."""

    vlm: str  # Hub id or path of the VLM (a relative path is looked up in the checkpoint directory first)
    encoder: str | None  # Hub id or path of the time-series encoder; None for a plot-only model
    adapter: AdapterConfig | None  # None exactly when there is no encoder
    prompt: PromptFormat = field(default_factory=PromptFormat)
    scoring: Scoring = Scoring.MEAN
    modality: Modality = Modality.BOTH  # what the model was trained to see; answering uses it unless told otherwise
    added_tokens: list[str] = field(default_factory=lambda: list(ADDED_TOKENS))
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        self.scoring, self.modality = Scoring(self.scoring), Modality(self.modality)
        if self.modality == Modality.SERIES and self.encoder is None:
            raise ValueError("a series-only model needs a time-series encoder")
        if (self.encoder is None) != (self.adapter is None):
            raise ValueError("a TSQA config needs both an encoder and an adapter config, or neither")
        if list(self.added_tokens) != list(ADDED_TOKENS):
            raise ValueError(f"added tokens {self.added_tokens} differ from the ones this code injects {ADDED_TOKENS}")

    def save(self, directory: Path) -> None:
        (directory / CONFIG_NAME).write_text(json.dumps(config_dict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "TSQAConfig":
        path = directory / CONFIG_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{directory}: not a tsqa checkpoint (missing {CONFIG_NAME})")
        try:
            data = json.loads(path.read_text())
        except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, too deep, 4300+ digits
            raise ValueError(f"{path}: not valid JSON ({err})") from None
        if isinstance(data, dict) and data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{path}: format_version {data.get('format_version')!r}, expected {FORMAT_VERSION}: this code's "
                "adapter reads different features; retrain the checkpoint with this version"
            )
        return load_config(cls, data, str(path))


def load_config[T](cls: type[T], data: object, where: str) -> T:
    """Dataclass `cls` from plain data: unknown, missing and mistyped keys are errors that name their path."""
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
    try:
        return cls(**values)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def config_dict(config: object) -> dict:
    """The plain-data form of a config (enums as their strings), as `load_config` reads it back."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def _convert(hint: object, value: object, where: str):
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (hint,) = [option for option in options if option is not type(None)]
        origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return load_config(hint, value, where)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
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
