"""The listening side both servers share: a thread per connection, a listen queue that holds a burst, IPv6 when the
address asks for it, and one log line (not a traceback) for a client that went away mid-answer."""

import logging
import socket
import sys
from http.server import ThreadingHTTPServer

from tsqa.web.origin import LocalOrigin

LISTEN_BACKLOG = 1024  # connections the kernel holds before accept (the standard library's default is 5)


class Listener(ThreadingHTTPServer):
    """A `ThreadingHTTPServer` on `host:port` (`port=0` picks a free one); `origin` knows the names that mean it."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG
    logger = logging.getLogger("tsqa.web")

    def __init__(self, host: str, port: int, handler: type) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host, port), handler)
        except OSError as err:  # a name that does not resolve, an address of another machine, a port in use
            raise OSError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None
        self.origin = LocalOrigin.of(host, self.server_address)

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
