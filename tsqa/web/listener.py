"""The listening side both servers share: a thread per connection up to a cap (beyond it, an immediate 503), a listen
queue that holds a burst, IPv6 when the address asks for it, kept-alive connections ended with the server, and one log
line (not a traceback) for a client that went away mid-answer."""

import json
import logging
import socket
import sys
import threading
from http import HTTPStatus
from http.server import ThreadingHTTPServer

from tsqa.web.origin import LocalOrigin

LISTEN_BACKLOG = 1024  # connections the kernel holds before accept (the standard library's default is 5)
MAX_CONNECTIONS = 512  # open connections, each with its own thread (and perhaps a body in memory)
RETRY_AFTER_S = 1
SHOWN_CHARACTERS = 80  # how much of http.server's message (which may repeat the request line) an error shows


def protocol_error(code: int, message: str | None) -> tuple[str, str]:
    """(the status's phrase, the text to show) for an error http.server finds itself (a bad request line, headers
    too large, an unknown method), which each server sends as JSON in its own shape."""
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "error"
    text = message or phrase
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 1] + "\u2026"
    return phrase, f"{text} (HTTP {code})"


class Listener(ThreadingHTTPServer):
    """A `ThreadingHTTPServer` on `host:port` (`port=0` picks a free one); `origin` knows the names that mean it."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG
    logger = logging.getLogger("tsqa.web")

    def __init__(self, host: str, port: int, handler: type) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host, port), handler)
        except OSError as err:  # a name that does not resolve, an address of another machine, a port in use
            raise OSError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None
        self.origin = LocalOrigin.of(host, self.server_address)

    def busy_body(self) -> dict:
        """The JSON body of the 503 a connection beyond MAX_CONNECTIONS gets (servers give it their error shape)."""
        return {"error": f"the server is busy: {MAX_CONNECTIONS} connections are open; retry later"}

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        """A thread per connection, up to MAX_CONNECTIONS; beyond, a 503 right away, without a thread."""
        with self._connections_lock:
            full = len(self._connections) >= MAX_CONNECTIONS
            if not full:
                self._connections.add(request)
        if full:
            self._answer_busy(request)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def _answer_busy(self, connection: socket.socket) -> None:
        """A whole 503 response written to a connection no handler will read."""
        data = json.dumps(self.busy_body()).encode()
        head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
                f"\r\nRetry-After: {RETRY_AFTER_S}\r\nConnection: close\r\n\r\n")
        try:
            connection.settimeout(5)
            connection.sendall(head.encode() + data)
        except OSError:  # the client is gone already
            pass

    def shutdown_request(self, request: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end kept-alive connections, so no handler thread outlives the server."""
        super().server_close()
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:  # already closed by the client
                    pass

    def handle_error(self, request: socket.socket, client_address: tuple) -> None:
        """A client that closed its connection before the answer was written (a dropped scan, a closed tab) is
        one line in the log; anything else is a bug and keeps its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            self.logger.warning("%s: the client went away before the answer was sent (%s)", client_address[0],
                                type(error).__name__)
            return
        super().handle_error(request, client_address)

    @property
    def base(self) -> str:
        """http://HOST:PORT of the listening socket (IPv6 addresses in brackets)."""
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"
