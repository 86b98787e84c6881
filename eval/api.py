"""Answering with any OpenAI-compatible chat-completions endpoint (OpenAI, the Gemini and Anthropic compatibility
endpoints, vLLM, a served tsqa model), with the official `openai` client.

The client's own retries are off: ours (`RetryPolicy`: exponential backoff with jitter, capped, at least the server's
Retry-After) cover rate limits, server errors, timeouts, connection errors and malformed bodies, so every retry is
counted and bounded. A question still failing after them is answered with `Answer(error=...)`, which the runner
records as invalid; only errors that would hit every question (bad key, no access, unknown model) stop the run.
Plots go as PNG data URLs, downscaled so neither side exceeds a limit.
"""

import base64
import io
import random
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import openai

from tsqa.arfbench import Answer, Sample
from tsqa.eval.parsing import parse_response
from tsqa.eval.prompt import SYSTEM_PROMPT, question_text

if TYPE_CHECKING:
    from tsqa.evidence.excursions import Forecaster
    from tsqa.evidence.question import EvidenceRequest


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 6  # further attempts after the first
    base_delay: float = 1.0  # seconds before the first retry (before jitter)
    max_delay: float = 60.0  # cap on any single wait

    def __post_init__(self) -> None:
        if self.retries < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"retry settings must be >= 0, got {self}")

    def delay(self, attempt: int, rng: random.Random, server_hint: float | None = None) -> float:
        """Wait before retry number `attempt` (0-based): base x 2^attempt, jittered to 50-100%, at least the
        server's Retry-After hint, never more than `max_delay`."""
        wait = min(self.max_delay, self.base_delay * 2**attempt) * rng.uniform(0.5, 1.0)
        if server_hint is not None:
            wait = max(wait, server_hint)
        return min(wait, self.max_delay)


MAX_SIDE = 1500


def png_data_url(path: str | Path, max_side: int = MAX_SIDE) -> str:
    """`data:image/png;base64,...` of the image at `path`, resized (aspect kept) when a side exceeds `max_side`."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image not found: {path}")
    try:
        with Image.open(path) as image:
            image.load()
            width, height = image.size
            if max(width, height) > max_side:
                scale = max_side / max(width, height)
                size = (max(1, int(width * scale)), max(1, int(height * scale)))
                image = image.resize(size, Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise ValueError(f"{path}: not a readable image ({err})") from None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_RETRIED_STATUS = {408, 409, 429}
_FATAL = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)


class MalformedResponse(Exception):
    """The server answered 2xx with a body that is not a chat completion."""


def _completion_text(response: object) -> str:
    try:
        message = response.choices[0].message  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError, KeyError):
        raise MalformedResponse(f"no choices[0].message in the response: {str(response)[:200]!r}") from None
    content = getattr(message, "content", None)
    if content is not None and not isinstance(content, str):
        raise MalformedResponse(f"message content is {type(content).__name__}, not text")
    return content or ""


def _retryable(error: Exception) -> bool:
    if isinstance(error, openai.APIStatusError):
        return error.status_code in _RETRIED_STATUS or error.status_code >= 500
    malformed = (openai.APIResponseValidationError, MalformedResponse, ValueError)  # ValueError: a body not JSON
    return isinstance(error, (openai.APIConnectionError, *malformed))


def _retry_after(error: Exception) -> float | None:
    response = getattr(error, "response", None)
    try:
        return float(response.headers["retry-after"])  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _describe(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    return f"{type(error).__name__}{f' {status}' if status else ''}: {str(error)[:300]}"


class ChatCompletionsAnswerer:
    """An `Answerer` over a chat-completions endpoint; `answer` handles its samples one after the other (the runner
    parallelises with threads; the client is shared, which `openai` supports)."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy = RetryPolicy(),
        max_tokens: int | None = 2000,
        temperature: float | None = None,
        json_mode: bool = True,
        name: str | None = None,
        system: str = SYSTEM_PROMPT,
        evidence: "EvidenceRequest | None" = None,
        forecaster: "Forecaster | None" = None,
    ) -> None:
        """`evidence`: every question asked with its evidence appended (in characters), its forecast band from
        `forecaster` (a Toto) when there is one, z-scores alone without."""
        self.model = model
        self.evidence, self.forecaster = evidence, forecaster
        self.name = name or model
        self.retry = retry
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.json_mode = json_mode
        self.system = system
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    def request(self, sample: Sample) -> dict:
        """The keyword arguments of `chat.completions.create` for `sample`: images first, then the question."""
        content: list[dict] = [{"type": "image_url", "image_url": {"url": png_data_url(p)}} for p in sample.images]
        content.append({"type": "text", "text": question_text(sample.question, sample.options)})
        request: dict = {
            "model": self.model,
            "messages": [{"role": "system", "content": self.system}, {"role": "user", "content": content}],
        }
        if self.json_mode:
            request["response_format"] = {"type": "json_object"}
        if self.max_tokens is not None:
            request["max_completion_tokens"] = self.max_tokens
        if self.temperature is not None:
            request["temperature"] = self.temperature
        return request

    def _wait(self, attempt: int, error: Exception) -> None:
        with self._rng_lock:
            seconds = self.retry.delay(attempt, self._rng, _retry_after(error))
        time.sleep(seconds)

    def _answer_one(self, sample: Sample) -> Answer:
        request = self.request(sample)
        failures = []
        for attempt in range(self.retry.retries + 1):
            try:
                text = _completion_text(self.client.chat.completions.create(**request))
            except _FATAL as error:
                raise ValueError(f"{self.name}: the endpoint refused the request ({_describe(error)})") from error
            except (openai.OpenAIError, MalformedResponse, ValueError) as error:
                failures.append(_describe(error))
                if not _retryable(error) or attempt == self.retry.retries:
                    break
                self._wait(attempt, error)
                continue
            parsed = parse_response(text)
            return Answer(
                text=text, choice=parsed.answer, reasoning=parsed.reasoning, choice_is_text=parsed.answer_is_text
            )
        return Answer(text="", choice=None, error=f"{len(failures)} attempt(s) failed; last: {failures[-1]}")

    def answer(self, samples: list[Sample], evidence: "EvidenceRequest | None" = None) -> list[Answer]:
        """`evidence` overrides the answerer's own for this call; an answer carries the evidence its question was
        sent with."""
        request = evidence or self.evidence
        if request is None:
            return [self._answer_one(sample) for sample in samples]
        from tsqa.evidence.question import appended, evidence_text

        forecaster = self.forecaster if request.band else None
        texts = [evidence_text(sample, forecaster, request.budget) for sample in samples]
        return [replace(self._answer_one(appended(s, text)), evidence=text) for s, text in zip(samples, texts)]
