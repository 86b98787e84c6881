"""A chat-completions body -> the one question it asks: text, options, images and series.

Only the last user message is read (system messages are ignored: a checkpoint brings its own system prompt).
Options come from the body's `options` field, else from a line of the text that starts with `Options:` or
`Answer Choices:` and a JSON list (the evaluator writes `Question: ...\\nOptions: ["a", "b"]`); without options
the model generates. Sizes are checked as each part is read; token counts need the model (`backend`).
"""

import json
import re
from dataclasses import dataclass, field

from PIL import Image

from tsqa.arfbench.schema import Series
from tsqa.serve.errors import APIError, bad_request, shown, too_large
from tsqa.serve.limits import MAX_CHARACTERS_PER_TOKEN, Limits
from tsqa.serve.parts import decode_image, decode_series

ROLES = ("system", "developer", "user", "assistant", "tool")
QUESTION_PREFIX = re.compile(r"^\s*Question\s*:\s*", re.IGNORECASE)
OPTIONS_LINE = re.compile(r"^[ \t]*(Options|Answer Choices)[ \t]*:[ \t]*(?=\[)", re.IGNORECASE | re.MULTILINE)
MAX_SERIES = 2  # one series, or a pair for the paired categories


@dataclass
class ChatQuestion:
    text: str
    options: list[str]  # empty: answer by generation
    images: list[Image.Image] = field(default_factory=list)  # RGB, in the order sent
    series: list[Series] = field(default_factory=list)
    max_new_tokens: int = 256
    evidence: int | None = None  # with evidence appended to the question, within this many tokens; None: without


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
            raise bad_request(f"{label}: unsupported content part {shown(kind)}; use text, image_url or time_series")
    question, options = _question_and_options("\n".join(texts).strip(), body.get("options"), limits)
    if not images and not series:
        raise bad_request("the last user message needs an image_url or a time_series part to ask about")
    evidence = _evidence(body, limits)
    if evidence is not None and not series:
        raise bad_request("evidence: needs a time_series part to compute the evidence from", "invalid_evidence")
    return ChatQuestion(question, options, images, series, _max_new_tokens(body, limits), evidence)


def _check_call(body: dict, served_model: str) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("model: required (GET /v1/models lists the served model)", "missing_model")
    if model != served_model:
        raise APIError(404, f"model {shown(model)} not found; this server serves {served_model!r}", "model_not_found")
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


def _question_and_options(text: str, extra_options: object, limits: Limits) -> tuple[str, list[str]]:
    """Options given in the body win; else they are read from an `Options: [...]` line of the text."""
    question, listed = _inline_options(text)
    if extra_options is not None:
        options = _checked_options(extra_options, "options", limits)
    elif listed is not None:
        options = _checked_options(listed, "Options", limits)
    else:
        options = []
    if not question:
        raise bad_request("the user message has no question text", "missing_question")
    if len(question) > limits.max_question_tokens * MAX_CHARACTERS_PER_TOKEN:
        raise too_large(f"the question is {len(question)} characters; the limit is {limits.max_question_tokens} "
                        "tokens")
    return question, options


def _inline_options(text: str) -> tuple[str, object]:
    """(question, the decoded list or None): the last `Options:` / `Answer Choices:` line with a JSON list, the
    text around it (less a leading `Question:`) as the question."""
    found = list(OPTIONS_LINE.finditer(text))
    if not found:
        return QUESTION_PREFIX.sub("", text, count=1).strip(), None
    line = found[-1]
    try:
        listed, end = json.JSONDecoder().raw_decode(text, line.end())
    except (ValueError, RecursionError):  # not JSON, too deep, 4300+ digit numbers
        raise bad_request(f"the text after '{line.group(1)}:' is not a JSON list of strings",
                          "invalid_options") from None
    question = "\n".join(part.strip() for part in (text[: line.start()], text[end:]) if part.strip())
    return QUESTION_PREFIX.sub("", question, count=1).strip(), listed


def _checked_options(options: object, label: str, limits: Limits) -> list[str]:
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        raise bad_request(f"{label}: expected a list of non-empty strings", "invalid_options")
    if len(options) > limits.max_options:
        raise too_large(f"{label}: {len(options)} options is more than the limit of {limits.max_options}")
    longest = max(options, key=len, default="")
    if len(longest) > limits.max_option_tokens * MAX_CHARACTERS_PER_TOKEN:
        raise too_large(f"{label}: an option of {len(longest)} characters; the limit is {limits.max_option_tokens} "
                        "tokens per option")
    if len(set(options)) != len(options):
        duplicate = next(o for o in options if options.count(o) > 1)
        raise bad_request(f"{label}: duplicate options ({shown(duplicate)} more than once)", "invalid_options")
    return options


def _evidence(body: dict, limits: Limits) -> int | None:
    """`"evidence": true` (with an optional `"evidence_budget"` in tokens): the token budget of the evidence text."""
    asked, budget = body.get("evidence", False), body.get("evidence_budget")
    if not isinstance(asked, bool):
        raise bad_request("evidence: true or false", "invalid_evidence")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
        raise bad_request("evidence_budget: a positive integer (tokens) is required", "invalid_evidence")
    if not asked:
        if budget is not None:
            raise bad_request("evidence_budget: needs \"evidence\": true", "invalid_evidence")
        return None
    if budget is not None and budget > limits.max_evidence_tokens:
        raise too_large(f"evidence_budget: {budget} tokens is more than the limit of {limits.max_evidence_tokens}")
    return min(budget or 512, limits.max_evidence_tokens)


def _max_new_tokens(body: dict, limits: Limits) -> int:
    requested = body.get("max_completion_tokens", body.get("max_tokens"))
    if requested is None:
        return limits.max_new_tokens
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 1:
        raise bad_request("max_completion_tokens / max_tokens: a positive integer is required", "invalid_max_tokens")
    return min(requested, limits.max_new_tokens)
