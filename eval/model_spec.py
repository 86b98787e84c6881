"""What `tsqa eval --model` accepts, and how an endpoint's address and key are found.

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
"""

import os
from dataclasses import dataclass
from pathlib import Path

from tsqa.factories.hub import is_hub_id

BASELINES = ("random", "frequent")
DETECTOR = "detector"
EVIDENCE_SUFFIX = "+evidence"  # results of `tsqa eval --evidence` are named NAME+evidence
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
