"""A chat-completions body -> the one question it asks: text, options, images and series.

Only the last user message is read (system messages are ignored: a checkpoint brings its own system prompt).
Options come from the body's `options` field, else from text in the evaluator's format
`Question: ...\\nOptions: ["a", "b"]`; without options the model generates.
"""

import json
from dataclasses import dataclass, field

from PIL import Image

from tsqa.arfbench.schema import Series
from tsqa.serve.errors import APIError, bad_request, too_large
from tsqa.serve.limits import Limits
from tsqa.serve.parts import decode_image, decode_series

ROLES = ("system", "developer", "user", "assistant", "tool")
QUESTION_PREFIX = "Question: "
OPTIONS_SEPARATOR = "\nOptions: "
MAX_SERIES = 2  # one series, or a pair for the paired categories


@dataclass
class ChatQuestion:
    text: str
    options: list[str]  # empty: answer by generation
    images: list[Image.Image] = field(default_factory=list)  # RGB, in the order sent
    series: list[Series] = field(default_factory=list)
    max_new_tokens: int = 256


def parse_chat_request(body: object, served_model: str, limits: Limits) -> ChatQuestion:
    """The question in a `/v1/chat/completions` body, or an `APIError` saying what is wrong with it."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    _check_call(body, served_model)
    content = _last_user_content(body.get("messages"))
    texts, images, series = [], [], []
    for index, part in enumerate(content if isinstance(content, list) else [{"type": "text", "text": content}]):
        label = f"messages[-1].content[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise bad_request(f"{label}: text must be a string")
            texts.append(part["text"])
        elif kind == "image_url":
            if len(images) == limits.max_images:
                raise too_large(f"more than {limits.max_images} images in one request")
            images.append(decode_image(part.get("image_url"), label, limits))
        elif kind == "time_series":
            if len(series) == MAX_SERIES:
                raise bad_request(f"{label}: at most {MAX_SERIES} time series per question", "too_many_series")
            series.append(decode_series(part.get("time_series"), label, f"series_{len(series) + 1}", limits))
        else:
            raise bad_request(f"{label}: unsupported content part {kind!r}; use text, image_url or time_series")
    question, options = _question_and_options("\n".join(texts).strip(), body.get("options"))
    if not images and not series:
        raise bad_request("the last user message needs an image_url or a time_series part to ask about")
    return ChatQuestion(question, options, images, series, _max_new_tokens(body, limits))


def _check_call(body: dict, served_model: str) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("model: required (GET /v1/models lists the served model)", "missing_model")
    if model != served_model:
        raise APIError(404, f"model {model!r} not found; this server serves {served_model!r}", "model_not_found")
    if body.get("stream"):
        raise bad_request("streaming is not supported; send stream: false", "streaming_unsupported")
    if body.get("n", 1) != 1:
        raise bad_request("n: only one choice per request is supported", "unsupported_n")


def _last_user_content(messages: object) -> "str | list":
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages: a non-empty list is required")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise bad_request(f"messages[{index}]: an object with a role among {', '.join(ROLES)} is required")
    users = [m for m in messages if m["role"] == "user"]
    if not users:
        raise bad_request("messages: no user message")
    content = users[-1].get("content")
    if not isinstance(content, (str, list)):
        raise bad_request("messages[-1].content: a string or a list of content parts is required")
    return content


def _question_and_options(text: str, extra_options: object) -> tuple[str, list[str]]:
    """Options given in the body win; else they are read from evaluator-style text."""
    head, separator, tail = text.rpartition(OPTIONS_SEPARATOR)
    formatted = bool(separator) and head.startswith(QUESTION_PREFIX)
    question = head[len(QUESTION_PREFIX) :].strip() if formatted else text
    if extra_options is not None:
        options = _checked_options(extra_options, "options")
    elif formatted:
        try:
            listed = json.loads(tail)
        except json.JSONDecodeError:
            raise bad_request("the text after 'Options: ' is not a JSON list of strings", "invalid_options") from None
        options = _checked_options(listed, "Options")
    else:
        options = []
    if not question:
        raise bad_request("the user message has no question text", "missing_question")
    return question, options


def _checked_options(options: object, label: str) -> list[str]:
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        raise bad_request(f"{label}: expected a list of non-empty strings", "invalid_options")
    if len(set(options)) != len(options):
        raise bad_request(f"{label}: duplicate options in {options}", "invalid_options")
    return options


def _max_new_tokens(body: dict, limits: Limits) -> int:
    requested = body.get("max_completion_tokens", body.get("max_tokens"))
    if requested is None:
        return limits.max_new_tokens
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 1:
        raise bad_request("max_completion_tokens / max_tokens: a positive integer is required", "invalid_max_tokens")
    return min(requested, limits.max_new_tokens)
