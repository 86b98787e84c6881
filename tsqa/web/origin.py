"""Whether a request comes from a page of another web site, checked from the headers a browser always sends.

A server on this machine that has no other credential (`tsqa serve` without an API key) must refuse what any web page
the user visits can make the browser send: a request to http://127.0.0.1:PORT (cross-site: the browser adds that
page's `Origin`, and may send a "simple" POST of `text/plain` without asking first), or to a name of the attacker's
whose DNS answer later turns to 127.0.0.1 (DNS rebinding: the browser then believes the server is the attacker's
site and sends that name as `Host`). So: `Host` must name this server (a loopback name or address, or the address it
was bound to), `Origin`, when sent, must be that same host and port, and a body must be declared
`application/json`, which no page can send to another site without the browser asking the server first (a CORS
preflight, which these servers never grant). Clients that are not browsers (curl, OpenAI's client, `tsqa eval`)
send a right `Host`, no `Origin` and JSON, so they pass unchanged.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

WILDCARDS = ("", "0.0.0.0", "::")


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as an IP address in any spelling the system accepts ("127.1", "::ffff:127.0.0.1", "[::1]"); else None."""
    name = host.strip().removeprefix("[").removesuffix("]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if not name or ":" in name:
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(name))  # the short forms: 127.1, 0x7f.1, 2130706433
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback(host: str) -> bool:
    """True when `host` (a name or an address, in any spelling) can only be reached from this machine."""
    name = host.strip().rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


def binds_loopback(host: str) -> bool:
    """True when listening on `host` listens on loopback only: a loopback spelling, or a name (from /etc/hosts, say)
    whose every address is loopback. For the exposure warning; never for a request's `Host`, which must not be
    looked up (that is what DNS rebinding changes)."""
    if is_loopback(host):
        return True
    if _address(host) is not None or not host.strip():
        return False
    try:
        found = socket.getaddrinfo(host.strip(), None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):  # the bind will fail and say why
        return False
    return bool(found) and all(is_loopback(str(entry[4][0])) for entry in found)


def _host_and_port(text: str) -> tuple[str, int | None] | None:
    """("name", port or None) of a `Host` header's value, the name lowercased without brackets; None if malformed."""
    try:
        parts = urlsplit(f"//{text.strip()}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname.rstrip("."), port


@dataclass(frozen=True)
class LocalOrigin:
    """The names and port of one listening server, and the checks of the headers against them."""

    names: frozenset[str]  # lowercase names and addresses that mean this server, besides loopback ones
    port: int
    any_address: bool  # bound to every interface: any IP address may name it (an address cannot be rebound)

    @classmethod
    def of(cls, host: str, bound: tuple) -> "LocalOrigin":
        """For a server asked to listen on `host` and listening on `bound` (its socket's address)."""
        names = {host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower(), str(bound[0]).lower()}
        any_address = host.strip() in WILDCARDS
        if any_address:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        return cls(frozenset(names - {""}), int(bound[1]), any_address)

    def _names_this(self, hostname: str) -> bool:
        if is_loopback(hostname) or hostname in self.names:
            return True
        address = _address(hostname)
        return address is not None and (self.any_address or str(address) in self.names)

    def refusal(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with these `Host` and `Origin` headers comes from elsewhere, or None when it does not.

        A request without `Host` (HTTP/1.0) passes: browsers always send one."""
        if host is not None:
            parsed = _host_and_port(host)
            if parsed is None or not self._names_this(parsed[0]):
                return (f"Host {host[:100]!r} does not name this server: use http://127.0.0.1:{self.port} (or "
                        "localhost, or the address it listens on)")
        if origin is not None and not _same_origin(origin, host):
            return f"requests from other web pages are refused (Origin {origin[:100]!r})"
        return None


def _same_origin(origin: str, host: str | None) -> bool:
    """True when `origin` is http://HOST:PORT of the `Host` header (the page is this server's own)."""
    target = None if host is None else _host_and_port(host)
    try:
        given = urlsplit(origin.strip())
        port = given.port
    except ValueError:
        return False
    if target is None or given.scheme != "http" or not given.hostname:
        return False  # "null" (a sandboxed page or a file) and https pages elsewhere included
    return given.hostname.rstrip(".") == target[0] and (port or 80) == (target[1] or 80)


def declares_json(content_type: str | None) -> bool:
    """True when a `Content-Type` header says `application/json` (parameters such as charset allowed)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"
