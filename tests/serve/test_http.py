"""Raw HTTP against the server: what the `openai` client never sends (missing key, bad framing, bad JSON, wrong
methods), error bodies in OpenAI's shape, connections kept or closed as they should be, and serving after each."""

import http.client
import json
import logging
import threading

import pytest

from tsqa.eval.prompt import question_text
from tsqa.serve.limits import Limits
from tsqa.serve.server import ChatServer


@pytest.fixture(scope="module")
def good_body(checkpoint, make_series_part) -> bytes:
    content = [make_series_part(), {"type": "text", "text": question_text("Is there an anomaly?", ["Yes", "No"])}]
    return json.dumps({"model": checkpoint.name, "messages": [{"role": "user", "content": content}]}).encode()


def _connect(server: ChatServer) -> http.client.HTTPConnection:
    host, port = server.server_address[:2]
    return http.client.HTTPConnection(host, port, timeout=30)


def _request(connection, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response, json.loads(response.read())


def _auth(api_key: str) -> dict:
    return {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}


def _assert_answers(connection, api_key: str, body: bytes) -> None:
    response, payload = _request(connection, "POST", "/v1/chat/completions", body, _auth(api_key))
    assert response.status == 200, payload
    assert json.loads(payload["choices"][0]["message"]["content"])["answer"] in ("Yes", "No")


def test_health_needs_no_key_but_v1_routes_do(keyed_server, api_key, checkpoint, good_body):
    connection = _connect(keyed_server)
    response, payload = _request(connection, "GET", "/health")
    assert response.status == 200 and payload == {"status": "ok", "model": checkpoint.name}
    for method, path, body in [("GET", "/v1/health", None), ("GET", "/v1/models", None),
                               ("POST", "/v1/chat/completions", good_body)]:
        response, payload = _request(connection, method, path, body)
        assert response.status == 401 and response.getheader("WWW-Authenticate") == "Bearer"
        assert payload["error"]["code"] == "invalid_api_key" and payload["error"]["type"] == "authentication_error"
        response, payload = _request(connection, method, path, body, {"Authorization": "Basic dXNlcjpwdw=="})
        assert response.status == 401
    response, payload = _request(connection, "GET", "/v1/health", headers=_auth(api_key))
    assert response.status == 200
    _assert_answers(connection, api_key, good_body)  # the refused bodies were read: the connection is still usable


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("GET", "/v1/chat/completions", 405, "GET is not allowed on /v1/chat/completions; use POST"),
        ("DELETE", "/v1/models", 405, "use GET"),
        ("GET", "/v1/completions", 404, "no route /v1/completions"),
        ("GET", "/admin", 404, "no route /admin"),
        ("GET", "/v1/models/other-model", 404, "model 'other-model' not found"),
    ],
)
def test_unknown_routes_and_methods(keyed_server, api_key, good_body, method, path, status, message):
    connection = _connect(keyed_server)
    response, payload = _request(connection, method, path, headers=_auth(api_key))
    assert response.status == status and message in payload["error"]["message"]
    if status == 405:
        assert response.getheader("Allow") in ("POST", "GET")
    _assert_answers(connection, api_key, good_body)


def test_a_too_long_content_length_is_413_without_reading_the_body(keyed_server, api_key, good_body):
    connection = _connect(keyed_server)
    connection.putrequest("POST", "/v1/chat/completions")
    for name, value in {**_auth(api_key), "Content-Length": "50000000"}.items():
        connection.putheader(name, value)
    connection.endheaders()  # no body follows: the server must answer from the header alone
    response = connection.getresponse()
    payload = json.loads(response.read())
    assert response.status == 413 and response.getheader("Connection") == "close"
    assert payload["error"] == {"message": "the request body is 50000000 bytes; the limit is 200000 bytes",
                                "type": "invalid_request_error", "code": "too_large", "param": None}
    _assert_answers(_connect(keyed_server), api_key, good_body)


def test_chunked_or_unframed_bodies_are_411(keyed_server, api_key, good_body):
    connection = _connect(keyed_server)
    connection.request("POST", "/v1/chat/completions", body=iter([good_body]),
                       headers={**_auth(api_key), "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    message = json.loads(response.read())["error"]["message"]
    assert response.status == 411 and "Content-Length header is required" in message
    assert response.getheader("Connection") == "close"
    connection = _connect(keyed_server)
    connection.putrequest("POST", "/v1/chat/completions")
    connection.putheader("Authorization", f"Bearer {api_key}")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 411
    _assert_answers(_connect(keyed_server), api_key, good_body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b'["a list"]', "must be a JSON object"),
        (b'{"model": "x"', "not valid JSON"),
    ],
)
def test_malformed_json_is_400_and_the_connection_stays_usable(keyed_server, api_key, good_body, body, message):
    connection = _connect(keyed_server)
    response, payload = _request(connection, "POST", "/v1/chat/completions", body, _auth(api_key))
    assert response.status == 400 and message in payload["error"]["message"]
    _assert_answers(connection, api_key, good_body)


class _FailingBackend:
    def check(self, question, limits):
        pass

    def answer_batch(self, questions):
        raise RuntimeError("secret internal detail")


def test_a_model_failure_is_a_generic_500_logged_with_its_traceback(checkpoint, good_body, caplog):
    server = ChatServer(_FailingBackend(), checkpoint.name, "127.0.0.1", 0, None, Limits())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = _connect(server)
        with caplog.at_level(logging.ERROR, logger="tsqa.serve"):
            response, payload = _request(connection, "POST", "/v1/chat/completions", good_body,
                                         {"Content-Type": "application/json"})
        assert response.status == 500 and payload["error"]["type"] == "server_error"
        assert "secret" not in payload["error"]["message"]
        assert any("secret internal detail" in (record.exc_text or "") for record in caplog.records)
        response, payload = _request(connection, "GET", "/v1/models")  # no key set: open
        assert response.status == 200 and payload["data"][0]["id"] == checkpoint.name
    finally:
        server.shutdown()
        server.server_close()


def test_closing_the_server_ends_kept_alive_connections(checkpoint):
    server = ChatServer(_FailingBackend(), checkpoint.name, "127.0.0.1", 0, None, Limits())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = _connect(server)
    response, _ = _request(connection, "GET", "/health")
    assert response.status == 200 and not response.will_close
    server.shutdown()
    server.server_close()
    connection.sock.settimeout(5)
    assert connection.sock.recv(1) == b""  # the server's end is closed: its handler thread has returned
