"""The HTTP server: standard library only, one thread per connection, JSON errors in OpenAI's shape.

Routes: `GET /health` (never needs the key), `GET /v1/health`, `GET /v1/models`, `GET /v1/models/{id}` and
`POST /v1/chat/completions`. With an API key set, every /v1 route needs `Authorization: Bearer <key>`.
A body is read only by its Content-Length, and only when within the size limit; it must be standard JSON (no NaN
or Infinity). Connection threads parse and check their question, then hand it to one model worker that answers
queued questions in batches (`batcher`); a full queue is a 503 with Retry-After, never a reset connection.
Every response, errors of the HTTP protocol itself included, is a JSON body.
Without an API key, only this machine's own clients are served: `Host` must name this server, `Origin` (when a
browser sends one) must be its own, and a POST must be declared `application/json` (see `tsqa.web.origin`), so no web
page the user visits can make the browser run the model.
"""

import hmac
import json
import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from tsqa import __version__
from tsqa.serve.backend import Backend
from tsqa.serve.batcher import Batcher, BatchSettings, QueueFull
from tsqa.serve.errors import APIError, bad_request, busy, shown, too_large
from tsqa.serve.limits import Limits
from tsqa.serve.request import parse_chat_request
from tsqa.serve.responses import chat_completion, model_card, model_list
from tsqa.web.json_body import JSONBodyError, decode_json
from tsqa.web.listener import MAX_CONNECTIONS, RETRY_AFTER_S, Listener, protocol_error
from tsqa.web.origin import binds_loopback, declares_json

logger = logging.getLogger("tsqa.serve")

SOCKET_TIMEOUT_S = 60  # a client silent this long mid-request loses its connection
MODELS_PREFIX = "/v1/models/"
ROUTES = {  # path -> allowed methods
    "/health": ("GET",),
    "/v1/health": ("GET",),
    "/v1/models": ("GET",),
    "/v1/chat/completions": ("POST",),
}


class ChatServer(Listener):
    """Serves `backend` under the name `model_name`; `port=0` picks a free port (see `url`)."""

    def __init__(self, backend: Backend, model_name: str, host: str = "127.0.0.1", port: int = 0,
                 api_key: str | None = None, limits: Limits = Limits(), batching: BatchSettings = BatchSettings()):
        self.backend = backend
        self.model_name = model_name
        self.api_key = api_key or None
        self.limits = limits
        self.created = int(time.time())
        super().__init__(host, port, _Handler)
        self.batcher = Batcher(backend.answer_batch, batching)

    def busy_body(self) -> dict:
        return busy(f"the server is busy: {MAX_CONNECTIONS} connections are open; retry later", RETRY_AFTER_S).body()

    def server_close(self) -> None:
        """Stop listening, stop the model worker and end kept-alive connections, so no thread outlives the server."""
        super().server_close()
        if hasattr(self, "batcher"):
            self.batcher.close()

    @property
    def url(self) -> str:
        """The base URL clients use, e.g. `http://127.0.0.1:8000/v1`."""
        return f"{self.base}/v1"


def exposure_warning(host: str, api_key: str | None) -> str | None:
    """A warning when `host` is reachable from other machines; louder when no key protects it."""
    if binds_loopback(host):
        return None
    if api_key:
        return f"warning: listening on {host}, reachable from other machines; requests need the API key"
    return (
        f"WARNING: listening on {host} WITHOUT an API key: anyone who can reach this port can use the model. "
        "Set --api-key or $TSQA_API_KEY, or bind to 127.0.0.1."
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as OpenAI's client expects; every response has a Content-Length
    default_request_version = "HTTP/1.0"  # a request line without a version still gets a status line and headers
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle + delayed ACK held each reply 40 ms
    server_version = f"tsqa-serve/{__version__}"
    timeout = SOCKET_TIMEOUT_S
    server: ChatServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        self._unread = self._declared_length()
        path = urlsplit(self.path).path.rstrip("/") or "/"
        try:
            if self.server.api_key is None:
                self._check_local()
            elif path.startswith("/v1/"):
                self._authorize()
            payload = self._route(path)
        except APIError as error:
            self._refuse(error)
            return
        except Exception:
            logger.exception("%s %s failed", self.command, path)
            self._refuse(APIError(500, "the server failed to answer; its log has the details", "internal_error",
                                  "server_error"))
            return
        self._send(200, payload)

    def _route(self, path: str) -> dict:
        if path.startswith(MODELS_PREFIX):
            self._allow(path, ("GET",))
            model = unquote(path[len(MODELS_PREFIX) :])
            if model != self.server.model_name:
                raise APIError(404, f"model {shown(model)} not found; this server serves {self.server.model_name!r}",
                               "model_not_found")
            return model_card(model, self.server.created)
        if path not in ROUTES:
            raise APIError(404, f"no route {path}; see /v1/models and /v1/chat/completions", "not_found")
        self._allow(path, ROUTES[path])
        if path.endswith("/health"):
            return {"status": "ok", "model": self.server.model_name}
        if path == "/v1/models":
            return model_list(self.server.model_name, self.server.created)
        return self._chat_completion()

    def _chat_completion(self) -> dict:
        server = self.server
        with server.batcher.arriving() as arrival:
            question = parse_chat_request(self._read_json(), server.model_name, server.limits)
            server.backend.check(question, server.limits)
            try:
                future = arrival.submit(question)
            except QueueFull:
                raise busy(f"the server is busy: {server.batcher.settings.max_queue} requests are waiting for the "
                           "model; retry later", RETRY_AFTER_S) from None
        timeout = server.batcher.settings.timeout_s
        try:
            answer = future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()  # still queued: the model never sees it; already running: its answer is dropped
            raise busy(f"no answer within {timeout:g} s; the server is busy, retry later", RETRY_AFTER_S) from None
        except QueueFull:  # queued when the server began to shut down
            raise busy("the server is shutting down", RETRY_AFTER_S) from None
        return chat_completion(answer, server.model_name)

    def _allow(self, path: str, methods: tuple[str, ...]) -> None:
        if self.command not in methods:
            raise APIError(405, f"{self.command} is not allowed on {path}; use {', '.join(methods)}",
                           "method_not_allowed", headers={"Allow": ", ".join(methods)})

    def _check_local(self) -> None:
        """Without a key: a request from this server's clients, not one a web page made a browser send."""
        refused = self.server.origin.refusal(self.headers.get("Host"), self.headers.get("Origin"))
        if refused:
            raise APIError(403, f"{refused}; serving without an API key, this server answers only its own "
                           "clients (set --api-key to serve other names)", "forbidden_origin", "permission_error")
        if self.command == "POST" and not declares_json(self.headers.get("Content-Type")):
            raise APIError(415, "send the body as Content-Type: application/json", "unsupported_media_type")

    def _authorize(self) -> None:
        key = self.server.api_key
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise APIError(401, "missing or wrong API key; send the header 'Authorization: Bearer <key>'",
                           "invalid_api_key", "authentication_error", headers={"WWW-Authenticate": "Bearer"})

    def _declared_length(self) -> int | None:
        """Bytes of body the client declared and we have not read; None when unknown (chunked or invalid)."""
        if self.headers.get("Transfer-Encoding"):
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        return length if length >= 0 else None

    def _read_json(self) -> object:
        if self.headers.get("Transfer-Encoding") or self.headers.get("Content-Length") is None:
            raise APIError(411, "a Content-Length header is required; chunked bodies are not accepted",
                           "length_required")
        if self._unread is None:
            raise bad_request("Content-Length must be a non-negative integer", "invalid_content_length")
        limit = self.server.limits.max_request_bytes
        if self._unread > limit:
            raise too_large(f"the request body is {self._unread} bytes; the limit is {limit} bytes")
        body = self.rfile.read(self._unread)
        self._unread = self._unread - len(body)
        if self._unread:
            self._unread = None  # the client stopped early: the connection cannot be reused
            raise bad_request("the body is shorter than its Content-Length", "incomplete_body")
        try:
            return decode_json(body)
        except JSONBodyError as err:
            raise bad_request(str(err), "invalid_json") from None

    def _refuse(self, error: APIError) -> None:
        """Send the error; first read away an unread body of a bearable size, so the client sees the answer
        instead of a reset connection, else close the connection after answering."""
        if self._unread is None or self._unread > 2 * self.server.limits.max_request_bytes:
            self.close_connection = True
        else:
            self._discard(self._unread)
        self._send(error.status, error.body(), error.headers)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                self.close_connection = True
                return
            length -= len(chunk)
        self._unread = 0

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server finds itself (a bad request line, headers too large, an unknown method) as JSON too.
        The request was not understood, so its connection is not reused."""
        self.close_connection = True
        phrase, text = protocol_error(code, message)
        error = APIError(code, text, phrase.lower().replace(" ", "_"))  # the request's fault
        self._send(code, error.body(), error.headers)

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload, allow_nan=False).encode("ascii")  # \u escapes: no text can fail to encode
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

