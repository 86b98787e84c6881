"""Errors a client can act on, with the HTTP status and the `{"error": {...}}` body OpenAI's clients understand."""


class APIError(Exception):
    """A request refused with `status`; `message` is shown to the client, so it must not leak internals."""

    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind
        self.headers = headers or {}  # e.g. Allow on a 405

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "code": self.code, "param": None}}


def bad_request(message: str, code: str = "invalid_request") -> APIError:
    return APIError(400, message, code)


def too_large(message: str) -> APIError:
    return APIError(413, message, "too_large")
