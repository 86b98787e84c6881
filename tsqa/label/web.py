"""The small web server both labelling pages run on: standard library only, one thread per connection, JSON errors.

Every request, the page itself included, must carry the session's random token (query parameter `token` or header
`X-TSQA-Token`), compared in constant time: 401 without it, 403 with a wrong one. Before the token, `Host` must name
this server and `Origin`, when sent, be its own (`tsqa.web.origin`), and a body must be declared JSON. The pages and
their scripts are files shipped in this package, served from a fixed list; nothing else on disk is reachable through a
URL. Every answer, the errors of the HTTP protocol itself included, is JSON (`{"error": why}`) except the pages.
"""

import hmac
import json
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from importlib import resources
from urllib.parse import parse_qs, unquote, urlsplit

from tsqa import __version__
from tsqa.arfbench.layout import check_name
from tsqa.web.json_body import JSONBodyError, decode_json
from tsqa.web.listener import Listener, protocol_error
from tsqa.web.origin import binds_loopback, declares_json

logger = logging.getLogger("tsqa.label")

TOKEN_HEADER = "X-TSQA-Token"
MAX_BODY_BYTES = 1 << 20
SOCKET_TIMEOUT_S = 60
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is in the page's URL: never send it elsewhere
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


class HTTPError(Exception):
    """A refused request; `message` goes to the page as `{"error": message}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass
class Request:
    method: str
    parts: list[str]  # the path's segments, each percent-decoded: "/api/series/a%20b" -> ["api", "series", "a b"]
    query: dict[str, str]
    body: bytes = b""

    def json(self) -> object:
        try:
            return decode_json(self.body or b"null")
        except JSONBodyError as err:
            raise HTTPError(400, str(err)) from None

    def number(self, key: str, default: float | None = None) -> float | None:
        text = self.query.get(key)
        if text is None or text == "":
            return default
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise HTTPError(400, f"query parameter {key!r} must be a finite number, got {text!r}")
        return number


@dataclass
class Reply:
    body: bytes
    content_type: str = "application/json"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """`payload` as JSON; non-ASCII as \\u escapes, so no text (a lone surrogate included) can fail to encode."""
    return Reply(json.dumps(payload, allow_nan=False).encode("ascii"), status=status, headers=headers or {})


def plain_name(text: str, what: str = "name") -> str:
    """`text` if it is a plain name (see `arfbench.layout.check_name`), else a 400 saying why."""
    try:
        return check_name(text)
    except ValueError as err:
        raise HTTPError(400, f"{what}: {err}") from None


def allow(request: Request, method: str) -> None:
    if request.method != method:
        raise HTTPError(405, f"{request.method} is not allowed here; use {method}", {"Allow": method})


def page_reply(request: Request, page: str, token: str) -> Reply | None:
    """The page (`/`) or one of its files (`/static/NAME`); None for other paths."""
    if not request.parts or (request.parts[0] == "static" and len(request.parts) == 2):
        allow(request, "GET")
        return static_reply(request.parts[1] if request.parts else page, token)
    return None


def static_reply(name: str, token: str) -> Reply:
    """A file of `tsqa/label/static/` by its exact name; pages get the token written into them."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in STATIC_TYPES or "/" in name or "\\" in name or name.startswith("."):
        raise HTTPError(404, f"no page {name!r}")
    source = resources.files("tsqa.label") / "static" / name
    if not source.is_file():
        raise HTTPError(404, f"no page {name!r}")
    data = source.read_bytes()
    if suffix == ".html":
        data = data.replace(b"__TOKEN__", token.encode("ascii"))
    return Reply(data, STATIC_TYPES[suffix])


def exposure_warning(host: str) -> str | None:
    """A warning when `host` can be reached from other machines (only the token then keeps them out)."""
    if binds_loopback(host):
        return None
    return f"warning: listening on {host}, reachable from other machines; anyone with the URL (and its token) can edit"


class PageServer(Listener):
    """Serves `app(request) -> Reply` behind the token check; `port=0` picks a free port (see `url`)."""

    def __init__(self, app: Callable[[Request], Reply], host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None) -> None:
        self.app = app
        self.token = token or secrets.token_urlsafe(24)
        super().__init__(host, port, _Handler)

    @property
    def url(self) -> str:
        """The page's address, token included: what the user opens."""
        return f"{self.base}/?token={self.token}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # a request line without a version still gets a status line and headers
    server_version = f"tsqa-label/{__version__}"
    timeout = SOCKET_TIMEOUT_S
    server: PageServer

    def log_message(self, format: str, *args) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        try:
            request = self._request()
            self._authorize(request)
            reply = self.server.app(request)
        except HTTPError as error:
            reply = json_reply({"error": error.message}, error.status, error.headers)
        except Exception:
            logger.exception("%s %s failed", self.command, urlsplit(self.path).path)
            reply = json_reply({"error": "the server failed to answer; its log has the details"}, 500)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server finds itself (a bad request line, headers too large, an unknown method) as JSON too.
        The request was not understood, so its connection is not reused."""
        self.close_connection = True
        self._send(json_reply({"error": protocol_error(code, message)[1]}, code))

    def _request(self) -> Request:
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        parts = [unquote(part) for part in url.path.split("/") if part]
        request = Request(self.command, parts, query)
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HTTPError(411, "a Content-Length header is required; chunked bodies are not accepted")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                size = -1
            if size < 0:
                self.close_connection = True
                raise HTTPError(400, "Content-Length must be a non-negative integer")
            if size > MAX_BODY_BYTES:
                self.close_connection = True
                raise HTTPError(413, f"the body is {size} bytes; the limit is {MAX_BODY_BYTES}")
            request.body = self.rfile.read(size)
            if len(request.body) != size:
                self.close_connection = True
                raise HTTPError(400, "the body is shorter than its Content-Length")
        return request

    def _authorize(self, request: Request) -> None:
        """From this server's own page (Host, Origin), a body declared JSON, then the token."""
        refused = self.server.origin.refusal(self.headers.get("Host"), self.headers.get("Origin"))
        if refused:
            raise HTTPError(403, refused)
        if request.body and not declares_json(self.headers.get("Content-Type")):
            raise HTTPError(415, "a body must be sent as Content-Type: application/json")
        given = request.query.get("token") or self.headers.get(TOKEN_HEADER)
        if not given:
            raise HTTPError(401, f"missing token: open the URL the command printed, or send the {TOKEN_HEADER} header")
        if not hmac.compare_digest(given.encode("utf-8"), self.server.token.encode("utf-8")):
            raise HTTPError(403, "wrong token: open the URL the command printed (the token changes at each start)")

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in {**SECURITY_HEADERS, **reply.headers}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
