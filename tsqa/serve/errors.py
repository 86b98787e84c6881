"""Errors a client can act on, with the HTTP status and the `{"error": {...}}` body OpenAI's clients understand."""

import re

_OBJECT_REPR = re.compile(r"<[^<>]*\bat 0x[0-9a-fA-F]+>")  # "<_io.BytesIO object at 0x7f...>": never shown
SHOWN_CHARACTERS = 80  # how much of a client's own value a message repeats


class APIError(Exception):
    """A request refused with `status`; `message` is shown to the client, so internals are removed from it."""

    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None):
        message = _OBJECT_REPR.sub("<object>", message)
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind
        self.headers = headers or {}  # e.g. Allow on a 405, Retry-After on a 503

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "code": self.code, "param": None}}


def bad_request(message: str, code: str = "invalid_request") -> APIError:
    return APIError(400, message, code)


def too_large(message: str) -> APIError:
    return APIError(413, message, "too_large")


def busy(message: str, retry_after_s: int) -> APIError:
    """503: the server cannot take the request now; the client should retry after `retry_after_s` seconds."""
    return APIError(503, message, "server_busy", "server_error", headers={"Retry-After": str(retry_after_s)})


def shown(value: object) -> str:
    """A client's value as a message repeats it: its repr, cut to `SHOWN_CHARACTERS`."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "\u2026"
