"""Turning a model's free text into an answer, in ARFBench's four steps, so our numbers compare with the paper's.

1. a JSON object from the first `{` to the last `}` (a closing brace is added when none exists): its `answer` key;
2. else the text after `Answer:` up to the end of that line;
3. else the text before the first `.`;
4. else the whole (stripped) text.
"""

import json
from dataclasses import dataclass

_ANSWER_PREFIX = "Answer:"


@dataclass(frozen=True)
class ParsedResponse:
    """The answer as ARFBench writes it in `model_answer`, and whether it can count as correct.

    A JSON answer that is not a string (a number such as `25`, a list, ...) is kept as its JSON value in `value`, as
    the reference keeps it: it is never equal to an option's text, so it never counts as correct (`answer_is_text`
    is False). `answer` is its Python `str()`, what the reference's results file shows.
    """

    answer: str | None
    reasoning: str | None
    answer_is_text: bool = True
    value: object = None  # the answer as parsed: the JSON value for step 1, else the same text as `answer`


def _from_json(text: str) -> ParsedResponse:
    decoded = json.loads(text[text.find("{") : text.rfind("}") + 1])
    answer, reasoning = decoded.get("answer"), decoded.get("reasoning")
    return ParsedResponse(
        answer=None if answer is None else str(answer),
        reasoning=None if reasoning is None else str(reasoning),
        answer_is_text=answer is None or isinstance(answer, str),
        value=answer,
    )


def _split(answer: str, rest: str) -> ParsedResponse:
    """An empty answer stays "" (as in the reference): it is written as an empty cell and counts as invalid."""
    return ParsedResponse(answer=answer.strip(), reasoning=rest.strip() or None, value=answer.strip())


def parse_response(text: str | None) -> ParsedResponse:
    """Answer and reasoning from a model's raw output; no answer for empty output."""
    if not isinstance(text, str) or not text.strip():
        return ParsedResponse(None, None)
    text = text.strip()
    if "{" in text:
        if "}" not in text:
            text += "}"  # the reference keeps this brace for the later steps too
        try:
            return _from_json(text)
        except (ValueError, RecursionError):  # not JSON, nested too deep, a number of 4300+ digits: go on
            pass
    if _ANSWER_PREFIX in text:
        after = text[text.find(_ANSWER_PREFIX) + len(_ANSWER_PREFIX) :]
        line, _, rest = after.partition("\n")
        return _split(line, rest)
    if "." in text:
        head, _, rest = text.partition(".")
        return _split(head, rest)
    return ParsedResponse(text, None, value=text)


def parse_answer(text: str | None) -> object:
    """The answer ARFBench would extract from `text` (see the module docstring), or None when there is none.

    Exact, as the reference: a JSON answer keeps its JSON type (`{"answer": 25}` gives the number 25, never "25"),
    so only a string answer can equal an option."""
    return parse_response(text).value
