"""Any answerer from a `--model` spec: what `tsqa eval`, `tsqa ask` and `TSQA` all build, so a question goes
through the same answering path whichever of them asks it. `parse_model_spec` reads the spec, `make_answerer` builds
the answerer.

    random | frequent              the baselines (seeded random option; per-category most frequent class)
    detector | detector:FILE.json  the detector baseline (answers from the evidence alone; default: the bundled fit)
    openai:MODEL                   OpenAI (base URL from --base-url, else $OPENAI_BASE_URL, else OpenAI's)
    gemini:MODEL                   Google's OpenAI-compatible endpoint, key from $GEMINI_API_KEY
    anthropic:MODEL                Anthropic's OpenAI-compatible endpoint, key from $ANTHROPIC_API_KEY
    http://HOST:PORT/v1::MODEL     any OpenAI-compatible server (vLLM, `tsqa serve`), key from $OPENAI_API_KEY
                                   when set (local servers usually need none)
    DIR | ORG/NAME                 a tsqa checkpoint: a local directory, or a Hub id (downloaded, or read from the
                                   local Hugging Face cache)

`--api-key-env NAME` reads the key from $NAME instead; `--base-url` overrides any base URL.

With `evidence`, a checkpoint or an endpoint answers every question with its evidence appended (`evidence.question`),
computed with the sources it reads (a checkpoint's engine: its own Toto and tokenizer; an endpoint: the optional
`evidence_encoder` and a character budget), and its results are named NAME+evidence.

`CheckpointAnswerer` is a tsqa checkpoint in the runner's shape: the answering engine (`bridges.answering`) asked
with the run's settings, its generated replies parsed as ARFBench parses a model's text.
"""

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tsqa.arfbench import Answer, Sample
from tsqa.bridges.config import AnswerMode, Modality
from tsqa.factories.hub import is_hub_id

if TYPE_CHECKING:
    from tsqa.evidence.question import EvidenceRequest

BASELINES = ("random", "frequent")
DETECTOR = "detector"
EVIDENCE_SUFFIX = "+evidence"  # results of `tsqa eval --evidence` are named NAME+evidence
Z_ONLY_SUFFIX = "-z"  # ... and NAME+evidence-z with `--evidence-z-only`
_PROVIDERS = {  # name -> (base URL, None for the client's default; environment variable holding the key)
    "openai": (None, "OPENAI_API_KEY"),
    "gemini": ("https://generativelanguage.googleapis.com/v1beta/openai/", "GEMINI_API_KEY"),
    "anthropic": ("https://api.anthropic.com/v1/", "ANTHROPIC_API_KEY"),
}
_NO_KEY = "EMPTY"  # what a keyless local server gets: the client insists on some key


@dataclass(frozen=True)
class Endpoint:
    model: str
    base_url: str | None
    api_key: str


@dataclass(frozen=True)
class ModelSpec:
    kind: str  # "baseline", "detector", "endpoint" or "checkpoint"
    name: str  # baseline name, detector file ("" for the bundled one), model name at the endpoint, or checkpoint
    base_url: str | None = None
    key_env: str | None = None
    key_required: bool = False

    def endpoint(self, base_url: str | None = None, api_key_env: str | None = None) -> Endpoint:
        """The endpoint's address and key; flags (`base_url`, `api_key_env`) win over the spec's defaults."""
        env = api_key_env or self.key_env
        key = os.environ.get(env) if env else None
        if not key and (self.key_required or api_key_env):
            raise ValueError(f"no API key: set ${env} (or name another variable with --api-key-env)")
        return Endpoint(self.name, base_url or self.base_url, key or _NO_KEY)  # None: the client reads $OPENAI_BASE_URL


def parse_model_spec(spec: str) -> ModelSpec:
    """Parse `--model` (see the module docstring for the forms)."""
    if spec in BASELINES:
        return ModelSpec("baseline", spec)
    if spec == DETECTOR or spec.startswith(f"{DETECTOR}:"):
        path = spec.removeprefix(DETECTOR).removeprefix(":")
        if spec != DETECTOR and not Path(path).is_file():
            raise ValueError(f"--model {spec!r}: no detector file {path!r} (write one with `tsqa fit-detector`)")
        return ModelSpec("detector", path)
    if spec.startswith(("http://", "https://")):
        url, separator, model = spec.rpartition("::")
        if not separator or not url or not model:
            raise ValueError(f"--model {spec!r}: write an endpoint as URL::MODEL, e.g. http://localhost:8000/v1::qwen")
        return ModelSpec("endpoint", model, base_url=url, key_env="OPENAI_API_KEY")
    provider, separator, model = spec.partition(":")
    if separator and provider in _PROVIDERS:
        if not model:
            raise ValueError(f"--model {spec!r}: name the model after '{provider}:'")
        base_url, key_env = _PROVIDERS[provider]
        return ModelSpec("endpoint", model, base_url=base_url, key_env=key_env, key_required=True)
    if Path(spec).is_dir() or is_hub_id(spec):
        return ModelSpec("checkpoint", spec)
    raise ValueError(
        f"--model {spec!r} is not a baseline ({', '.join(BASELINES)}, {DETECTOR}[:FILE]), an endpoint "
        f"({', '.join(p + ':MODEL' for p in _PROVIDERS)}, or URL::MODEL), an existing checkpoint directory or a "
        "Hub id (org/name)"
    )


@dataclass(frozen=True)
class AnswererSettings:
    """How an answerer is built; each field applies to the kinds its comment names."""

    name: str | None = None  # all: the name results are recorded under (default: from the spec)
    device: str = "cpu"  # checkpoints, and the Toto of band evidence
    mode: AnswerMode = AnswerMode.SCORE  # checkpoints: score every option, or generate a JSON answer
    modality: Modality | None = None  # checkpoints: what the model is shown (default: what it was trained to see)
    merge_lora: bool = False  # checkpoints: LoRA folded into the base weights (faster, not saveable)
    base_url: str | None = None  # endpoints: overrides the spec's base URL and $OPENAI_BASE_URL
    api_key_env: str | None = None  # endpoints: the environment variable holding the key
    timeout: float = 120.0  # endpoints: seconds per request
    retries: int = 6  # endpoints: retries per request
    max_tokens: int = 2000  # endpoints: completion token limit
    temperature: float | None = None  # endpoints (default: the server's)
    evidence: bool = False  # checkpoints, endpoints: questions asked with their evidence (the system message says so)
    evidence_budget: int | None = None  # tokens of a checkpoint's tokenizer (default 512), else characters (2000)
    evidence_z_only: bool = False  # checkpoints, endpoints: z-scores alone, no forecast band
    evidence_encoder: str | None = None  # endpoints' band evidence, and the Toto of a band detector
    seed: int = 0  # the random baseline


def check_evidence(spec: ModelSpec, evidence: bool, budget: int | None, encoder: str | None,
                   z_only: bool = False) -> None:
    """Refuse evidence options that the answerer would ignore."""
    if budget is not None and budget < 1:
        raise ValueError(f"--evidence-budget must be >= 1, got {budget}")
    if budget is not None and not evidence:
        raise ValueError("--evidence-budget needs --evidence")
    if z_only and not evidence:
        raise ValueError("--evidence-z-only needs --evidence")
    if z_only and encoder:
        raise ValueError("--evidence-z-only: z-scores need no --evidence-encoder (it gives the band)")
    if encoder and not (evidence or spec.kind == "detector"):
        raise ValueError("--evidence-encoder needs --evidence (or a detector reading the band)")
    if evidence and spec.kind in ("baseline", "detector"):
        raise ValueError(f"--evidence: {spec.kind} answers do not read the question text (the detector computes "
                         "the evidence itself)")
    if evidence and encoder and spec.kind == "checkpoint":
        raise ValueError("--evidence-encoder: a checkpoint's evidence uses its own encoder")


def make_answerer(spec: ModelSpec, settings: AnswererSettings = AnswererSettings(), samples: list[Sample] = ()):
    """The answerer for a parsed `--model`. The endpoint's key is resolved first, so a missing key fails at once;
    `samples`: the questions the most-frequent baseline counts its classes over."""
    if spec.kind == "endpoint":
        from tsqa.eval.api import ChatCompletionsAnswerer, RetryPolicy
        from tsqa.eval.prompt import system_prompt

        endpoint = spec.endpoint(settings.base_url, settings.api_key_env)
        return ChatCompletionsAnswerer(
            endpoint.model, api_key=endpoint.api_key, base_url=endpoint.base_url, timeout=settings.timeout,
            retry=RetryPolicy(retries=settings.retries), max_tokens=settings.max_tokens,
            temperature=settings.temperature, name=_named(settings.name or endpoint.model, settings),
            system=system_prompt(evidence=settings.evidence), evidence=_evidence(settings),
            forecaster=None if settings.evidence_z_only else forecaster_from(settings.evidence_encoder,
                                                                              settings.device),
        )
    if spec.kind == "checkpoint":
        name = _named(settings.name or Path(spec.name).resolve().name, settings)
        return CheckpointAnswerer.from_pretrained(spec.name, name=name, device=settings.device,
                                                  merge_lora=settings.merge_lora, mode=settings.mode,
                                                  modality=settings.modality, evidence=_evidence(settings))
    if spec.kind == "detector":
        from tsqa.evidence.detector import BUNDLED, Detector, DetectorAnswerer

        detector = Detector.load(spec.name or BUNDLED)
        encoder = settings.evidence_encoder or detector.encoder
        forecaster = forecaster_from(encoder, settings.device) if detector.source == "band" else None
        return DetectorAnswerer(detector, forecaster, name=settings.name or "detector")
    from tsqa.eval.baselines import MostFrequentAnswerer, RandomAnswerer

    if spec.name == "random":
        return RandomAnswerer(settings.seed, name=settings.name or "random")
    if not samples:
        raise ValueError("--model frequent answers each category's most frequent answer class of a dataset: it "
                         "needs the dataset (`tsqa eval`)")
    return MostFrequentAnswerer(list(samples), name=settings.name or "most-frequent")


def forecaster_from(encoder: str | None, device: str):
    """The Toto encoder that gives the band figures, or None without one."""
    if encoder is None:
        return None
    from tsqa.encoders.toto import TotoEncoder

    return TotoEncoder.from_pretrained(encoder, device=device)


def _evidence(settings: AnswererSettings):
    """The evidence request every question of a run is asked with, or None."""
    if not settings.evidence:
        return None
    from tsqa.evidence.question import EvidenceRequest

    return EvidenceRequest(settings.evidence_budget, band=not settings.evidence_z_only)


def _named(name: str, settings: AnswererSettings) -> str:
    """Results of a run with evidence are named NAME+evidence (NAME+evidence-z with z-scores alone), beside NAME's."""
    if not settings.evidence:
        return name
    return name + EVIDENCE_SUFFIX + (Z_ONLY_SUFFIX if settings.evidence_z_only else "")


class CheckpointAnswerer:
    """Option scoring by default (always one of the options, with probabilities); generation on request, or for a
    question without options, parsed exactly as an API model's text is. `engine`: a `bridges.answering.AnswerEngine`;
    `evidence`: every question asked with its evidence appended, by the engine (a run named NAME+evidence)."""

    def __init__(
        self,
        engine,
        name: str,
        mode: AnswerMode = AnswerMode.SCORE,
        modality: Modality | None = None,
        max_new_tokens: int = 64,
        evidence: "EvidenceRequest | None" = None,
    ):
        self.engine, self.name = engine, name
        self.mode, self.modality, self.max_new_tokens = AnswerMode(mode), modality, max_new_tokens
        self.evidence = evidence

    @classmethod
    def from_pretrained(cls, directory: "str | Path", name: str | None = None, device: str = "cpu",
                        merge_lora: bool = False, **kwargs) -> "CheckpointAnswerer":
        from tsqa.bridges.answering import AnswerEngine
        from tsqa.bridges.hybrid import HybridModel

        model = HybridModel.from_pretrained(directory, device=device, merge_lora=merge_lora)
        return cls(AnswerEngine(model), name or Path(directory).resolve().name, **kwargs)

    def answer(self, samples: list[Sample], modality: Modality | None = None,
               evidence: "EvidenceRequest | None" = None) -> list[Answer]:
        """`modality` and `evidence` override the answerer's own for this call."""
        mode = AnswerMode.GENERATE if self.mode == AnswerMode.GENERATE else None  # None: open questions generate
        answers = self.engine.answer(samples, mode=mode, batch_size=len(samples) or 1,
                                     modality=modality or self.modality, max_new_tokens=self.max_new_tokens,
                                     evidence=evidence or self.evidence)
        return [answer if answer.choice is not None else _parsed(answer) for answer in answers]


def _parsed(answer: Answer) -> Answer:
    """A generated answer with its choice parsed from the text, as ARFBench parses a model's reply."""
    from tsqa.eval.parsing import parse_response

    parsed = parse_response(answer.text)
    return replace(answer, choice=parsed.answer, reasoning=parsed.reasoning, choice_is_text=parsed.answer_is_text)
