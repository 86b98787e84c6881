"""A server without an API key answers only this machine's own clients (issue 24): what a web page can make a browser
send (another site's Origin, a rebound DNS name as Host, a text/plain "simple" POST) is refused before the model runs;
curl-like clients and keyed servers behind other names are unaffected. Real sockets on 127.0.0.1."""

import json
import logging
import socket
import threading
import time

import pytest

from tsqa.arfbench import Answer
from tsqa.serve.limits import Limits
from tsqa.serve.server import ChatServer
from tsqa.web.origin import LocalOrigin, declares_json, is_loopback


class _CountingBackend:
    """Answers the first option and counts the questions the model was given."""

    def __init__(self):
        self.asked = 0

    def check(self, question, limits):
        pass

    def answer_batch(self, questions):
        self.asked += len(questions)
        return [Answer(text=q.options[0], choice=q.options[0]) for q in questions]


@pytest.fixture
def served():
    """start(api_key=None) -> (server, backend), stopped at the end."""
    running = []

    def start(api_key=None):
        backend = _CountingBackend()
        server = ChatServer(backend, "m", "127.0.0.1", 0, api_key, Limits())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return server, backend

    yield start
    for server in running:
        server.shutdown()
        server.server_close()


def _body() -> bytes:
    content = [{"type": "time_series", "time_series": {"values": [1.0, 2.0, 3.0]}}, {"type": "text", "text": "Up?"}]
    body = {"model": "m", "messages": [{"role": "user", "content": content}], "options": ["a", "b"]}
    return json.dumps(body).encode()


def _raw(server, head: str, body: bytes = b"") -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of one request written byte for byte (so Host can be anything, or absent)."""
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(head.encode("latin-1") + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                           + body)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head_bytes, _, payload = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(payload)


def _post(server, host: str | None, origin: str | None = None, content_type: str | None = "application/json",
          authorization: str | None = None) -> tuple[int, dict]:
    head = "POST /v1/chat/completions HTTP/1.1\r\n"
    for name, value in (("Host", host), ("Origin", origin), ("Content-Type", content_type),
                        ("Authorization", authorization)):
        if value is not None:
            head += f"{name}: {value}\r\n"
    status, _, payload = _raw(server, head, _body())
    return status, payload


def test_cross_site_and_rebinding_requests_never_reach_the_model(served):
    server, backend = served()
    port = server.server_address[1]
    refused = [
        (f"attacker.example:{port}", None, "application/json", 403, "does not name this server"),  # DNS rebinding
        (f"127.0.0.1.attacker.example:{port}", None, "application/json", 403, "does not name this server"),
        (f"localhost.attacker.example:{port}", None, "application/json", 403, "does not name this server"),
        (f"127.0.0.1@attacker.example:{port}", None, "application/json", 403, "does not name this server"),
        (f"127.0.0.1:{port}", "http://attacker.example", "application/json", 403, "other web pages"),  # cross-site
        (f"127.0.0.1:{port}", "null", "application/json", 403, "other web pages"),  # a sandboxed frame
        (f"127.0.0.1:{port}", f"https://127.0.0.1:{port}", "application/json", 403, "other web pages"),
        (f"127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}", "application/json", 403, "other web pages"),
        (f"127.0.0.1:{port}", None, "text/plain", 415, "application/json"),  # a "simple" POST, no preflight
        (f"127.0.0.1:{port}", None, "application/x-www-form-urlencoded", 415, "application/json"),
        (f"127.0.0.1:{port}", None, None, 415, "application/json"),
        ("attacker.example", "http://attacker.example", "text/plain", 403, "does not name this server"),  # all three
    ]
    for host, origin, content_type, status, message in refused:
        got, payload = _post(server, host, origin, content_type)
        assert got == status and message in payload["error"]["message"], (host, origin, content_type, payload)
        assert payload["error"]["code"] in ("forbidden_origin", "unsupported_media_type")
    assert backend.asked == 0
    status, _, payload = _raw(server, f"GET /v1/models HTTP/1.1\r\nHost: evil.example:{port}\r\n")
    assert status == 403  # reading is refused too: a rebound page learns nothing
    assert backend.asked == 0


def test_this_machines_clients_are_served_in_every_spelling(served):
    server, backend = served()
    port = server.server_address[1]
    accepted = [
        (f"127.0.0.1:{port}", None, "application/json"),
        (f"localhost:{port}", None, "application/json; charset=utf-8"),
        (f"LOCALHOST:{port}", None, "Application/JSON"),
        ("127.0.0.1", None, "application/json"),  # no port
        (f"127.1:{port}", None, "application/json"),
        (f"[::1]:{port}", None, "application/json"),
        (f"127.0.0.1:{port}", f"http://127.0.0.1:{port}", "application/json"),  # the same origin
        (f"localhost:{port}", f"http://localhost:{port}", "application/json"),
        (None, None, "application/json"),  # HTTP/1.0 without Host: not a browser
    ]
    for host, origin, content_type in accepted:
        status, payload = _post(server, host, origin, content_type)
        assert status == 200 and json.loads(payload["choices"][0]["message"]["content"])["answer"] == "a", host
    assert backend.asked == len(accepted)


def test_with_a_key_other_names_are_served_and_the_key_is_what_guards(served):
    server, backend = served(api_key="k-123")
    status, payload = _post(server, "api.example.com", "http://app.example.com", "text/plain",
                            authorization="Bearer k-123")
    assert status == 200 and backend.asked == 1  # behind a proxy, from the user's own page: the key decides
    status, payload = _post(server, "api.example.com", None, "application/json")
    assert status == 401 and backend.asked == 1


def test_the_names_of_a_server(monkeypatch):
    local = LocalOrigin.of("127.0.0.1", ("127.0.0.1", 8000))
    assert local.refusal("127.0.0.1:8000", None) is None and local.refusal("localhost", None) is None
    assert local.refusal("10.0.0.5:8000", None) and local.refusal("example.com", None)
    assert local.refusal("127.0.0.1:notaport", None) and local.refusal("", None)
    named = LocalOrigin.of("127.1", ("127.0.0.1", 8000))
    assert named.refusal("127.1:8000", None) is None
    lan = LocalOrigin.of("192.168.1.5", ("192.168.1.5", 8000))
    assert lan.refusal("192.168.1.5:8000", None) is None and lan.refusal("192.168.1.6:8000", None)
    monkeypatch.setattr(socket, "gethostname", lambda: "box")
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "box.lan")
    everywhere = LocalOrigin.of("0.0.0.0", ("0.0.0.0", 8000))
    for host in ("10.1.2.3:8000", "box:8000", "BOX.lan", "[fe80::1]:8000"):  # addresses cannot be rebound
        assert everywhere.refusal(host, None) is None, host
    assert everywhere.refusal("attacker.example:8000", None)
    assert everywhere.refusal("10.1.2.3:8000", "http://attacker.example") and everywhere.refusal(
        "10.1.2.3:8000", "http://10.1.2.3:8000") is None
    assert declares_json("application/json;charset=UTF-8") and not declares_json("text/json") and not declares_json(
        None)
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("0x7f000001") and not is_loopback("0.0.0.0")


def test_each_dropped_connection_is_one_log_line(served, caplog, capsys):
    """Clients that send part of a request and reset the connection (a scan): one line each, never a traceback."""
    server, _ = served()
    host, port = server.server_address[:2]
    with caplog.at_level(logging.WARNING, logger="tsqa.web"):
        for _ in range(20):
            connection = socket.create_connection((host, port), timeout=30)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\nContent-Length: "
                               + b"%d\r\n\r\n" % (1 << 20) + b"x" * 1000)
            connection.close()  # a reset, with the body unsent and the answer unread
        for _ in range(200):  # the server's threads log as they find out, within moments
            if len([r for r in caplog.records if "went away" in r.getMessage()]) >= 20:
                break
            time.sleep(0.05)
        status, _, _ = _raw(server, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n")
    assert status == 200
    assert len([r for r in caplog.records if "went away" in r.getMessage()]) == 20
    assert "Traceback" not in capsys.readouterr().err
