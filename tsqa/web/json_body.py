"""Request bodies as strict, standard JSON: the refusal of anything else is a client's error with its reason, never a
server failure. Refused: bytes that are not UTF-8, NaN and Infinity, numbers beyond a float, integers of more digits
than Python converts (4300), nesting deeper than the parser's recursion, and escaped lone surrogates ("\\ud800"),
which decode to a str that can never be encoded again (to a file, a log or a reply)."""

import json
import math
import re

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
SHOWN_CHARACTERS = 80  # how much of the parser's message a refusal repeats


class JSONBodyError(ValueError):
    """The body is not standard JSON; the message says why and is safe to show the client."""


def decode_json(data: bytes) -> object:
    """The JSON value of `data`, or `JSONBodyError` saying what is wrong with it."""
    try:
        text = data.decode("utf-8")
        decoded = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        if _SURROGATE_ESCAPE.search(text):  # escapes decode one by one; only a proper pair makes a character
            json.dumps(decoded, ensure_ascii=False).encode("utf-8")
        return decoded
    except UnicodeError:
        raise JSONBodyError("the body is not valid JSON (it must be UTF-8 text, without lone surrogates such as "
                            "\\ud800)") from None
    except RecursionError:
        raise JSONBodyError("the body is not valid JSON: it is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError, NaN/Infinity, integers of 4300+ digits
        message = str(err)
        if len(message) > SHOWN_CHARACTERS:
            message = message[: SHOWN_CHARACTERS - 1] + "\u2026"
        raise JSONBodyError(f"the body is not valid JSON ({message})") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not standard JSON; send null for a missing value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is beyond the range of a float")
    return value
