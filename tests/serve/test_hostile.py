"""Hostile and careless requests against a real server on a loopback port (issue 19): each gets a 4xx JSON error in
OpenAI's shape, or a correct answer where answering is right; never a 500, a reset or non-standard JSON."""

import base64
import http.client
import json
import math
import socket

import numpy as np
import pytest

from tsqa.serve.limits import Limits

START = 1_700_000_000
OPTIONS = ["Yes", "No"]


def _strict(text: str) -> object:
    """JSON as a standard parser reads it: NaN and Infinity are errors."""

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(limits=Limits(max_series_cells=200_000, max_question_tokens=256, max_options=8))


def _send(server, data: bytes, method: str = "POST", path: str = "/v1/chat/completions") -> tuple[int, object, dict]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=120)
    connection.request(method, path, data, {"Content-Type": "application/json"})
    response = connection.getresponse()
    text = response.read().decode("utf-8")
    connection.close()
    return response.status, _strict(text), dict(response.getheaders())


def _ask(server, *parts, **fields) -> tuple[int, dict]:
    body = {"model": server.model_name, "messages": [{"role": "user", "content": list(parts)}], **fields}
    status, payload, _ = _send(server, json.dumps(body).encode())
    return status, payload


def _series(**fields) -> dict:
    return {"type": "time_series", "time_series": fields}


def _text(value: str) -> dict:
    return {"type": "text", "text": value}


def _refused(status: int, payload: dict, expected: int, message: str) -> None:
    assert status == expected, payload
    error = payload["error"]
    assert set(error) == {"message", "type", "code", "param"} and message in error["message"], error
    assert " at 0x" not in error["message"]


def _answered(status: int, payload: dict) -> dict:
    assert status == 200, payload
    probabilities = payload["tsqa"]["probabilities"]
    assert set(probabilities) == set(OPTIONS) and all(math.isfinite(p) for p in probabilities.values())
    assert sum(probabilities.values()) == pytest.approx(1.0)
    answer = json.loads(payload["choices"][0]["message"]["content"])["answer"]
    assert answer == max(probabilities, key=probabilities.get)
    return probabilities


def _spike(big: float, steps: int = 32) -> list[float]:
    values = [0.0] * steps
    values[steps // 2] = big
    return values


@pytest.mark.parametrize("rows", [1, 2, 3, 4])
def test_a_series_of_one_to_four_points_is_answered(server, rows):
    _answered(*_ask(server, _series(values=[float(v) for v in range(rows)]), _text("Anomaly?"), options=OPTIONS))


@pytest.mark.parametrize("big", [1e28, 1e30, -1e30])
def test_values_that_overflow_float32_arithmetic_get_finite_probabilities_in_standard_json(server, big):
    _answered(*_ask(server, _series(values=_spike(big)), _text("Anomaly?"), options=OPTIONS))


@pytest.mark.parametrize("big", [3e38, 1e308])
def test_values_beyond_the_supported_magnitude_are_400_naming_it(server, big):
    _refused(*_ask(server, _series(values=_spike(big)), _text("Anomaly?"), options=OPTIONS), 400,
             "row 16: ")
    _refused(*_ask(server, _series(values=_spike(big)), _text("Anomaly?"), options=OPTIONS), 400,
             "is beyond the supported magnitude of 1e+30")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": 2**70}, "is not a unix time in seconds between 1900 and 2200"),
        ({"start": 10**400}, "is not a unix time in seconds"),
        ({"interval": 2**63}, "is not a unix time in seconds"),
        ({"timestamps": [2**70, 2**70 + 60]}, "is not a unix time in seconds between 1900 and 2200"),
        ({"timestamps": [START * 1000, START * 1000 + 60_000]}, "it looks like unix milliseconds"),
        ({"timestamps": [[1], [2]]}, "timestamps[0] must be unix seconds or a date string"),
    ],
)
def test_times_beyond_any_calendar_are_400(server, fields, message):
    _refused(*_ask(server, _series(values=[1.0, 2.0], **fields), _text("q"), options=OPTIONS), 400, message)


def test_memory_is_bounded_by_the_grid_the_timestamps_span_not_the_body(server):
    values = np.ones((3, 256)).tolist()  # a few kilobytes
    timestamps = [START, START + 60, START + 60 * 99_999]  # a 100,000-step grid
    status, payload = _ask(server, _series(values=values, timestamps=timestamps), _text("q"), options=OPTIONS)
    _refused(status, payload, 413, "100000 steps x 256 channels on its regular grid is more than the limit of "
                                   "200000 cells")
    csv = "timestamp,a,b,c\n" + f"{START},1,2,3\n{START + 60},1,2,3\n{START + 60 * 99_999},3,4,5\n"
    _refused(*_ask(server, _series(csv=csv), _text("q"), options=OPTIONS), 413, "limit of 200000 cells")


def test_oversized_questions_and_option_lists_are_413_before_any_model_work(server):
    before = len(server.batcher.batch_sizes)
    _refused(*_ask(server, _series(values=[1.0, 2.0]), _text("word " * 200_000), options=OPTIONS), 413,
             "the question is 999999 characters; the limit is 256 tokens")
    _refused(*_ask(server, _series(values=[1.0, 2.0]), _text("anomaly " * 400), options=OPTIONS), 413,
             "tokens; the limit is 256")
    _refused(*_ask(server, _series(values=[1.0, 2.0]), _text("q"), options=[f"o{i}" for i in range(10_000)]), 413,
             "10000 options is more than the limit of 8")
    _refused(*_ask(server, _series(values=[1.0, 2.0]), _text("q"), options=["a " * 1000, "b"]), 413,
             "the limit is 128 per option")
    assert len(server.batcher.batch_sizes) == before


@pytest.mark.parametrize(
    "text",
    ["Is there an anomaly?\nOptions: [\"Yes\", \"No\"]", "Is there an anomaly?\nAnswer Choices: [\"Yes\", \"No\"]",
     "Options: [\"Yes\", \"No\"]\nIs there an anomaly?", "Question: Is there an anomaly?\nOptions: [\"Yes\", \"No\"]"],
)
def test_inline_options_are_scored_with_or_without_a_question_line(server, text):
    status, payload = _ask(server, _series(values=_spike(5.0)), _text(text))
    _answered(status, payload)
    assert payload["tsqa"]["mode"] == "score"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"model": "m", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (b'{"model": "m", "x": NaN}', "NaN is not standard JSON"),
        (b'{"model": "m", "x": Infinity}', "Infinity is not standard JSON"),
        (b'{"model": "m", "x": 1e400}', "beyond the range of a float"),
        (b'{"model": "m", "x": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b'{"model": "m\\ud800"}', "lone surrogates"),
        (b'{"model": "\xed\xa0\x80"}', "UTF-8"),
    ],
)
def test_bodies_that_are_not_standard_json_are_400(server, data, message):
    status, payload, _ = _send(server, data)
    _refused(status, payload, 400, message)


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"GARBAGE\r\n\r\n", 400, "Bad request syntax"),
        (b"GET /health HTTP/9.9\r\n\r\n", 505, "Invalid HTTP version"),
        (b"BREW /health HTTP/1.1\r\n\r\n", 501, "Unsupported method ('BREW')"),
        (b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", 431,
         "Too many headers"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "Request-URI Too Long"),
    ],
)
def test_protocol_errors_are_json_too(server, raw, status, message):
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and int(head.split()[1]) == status, head
    assert b"Content-Type: application/json" in head and b"Connection: close" in head
    _refused(status, _strict(body.decode()), status, message)


def test_messages_never_show_object_reprs(server):
    url = "data:image/png;base64," + base64.b64encode(b"not a png at all").decode()
    status, payload = _ask(server, {"type": "image_url", "image_url": {"url": url}}, _text("q"), options=OPTIONS)
    _refused(status, payload, 400, "not a readable PNG image")
    assert "BytesIO" not in payload["error"]["message"]


@pytest.mark.parametrize("where", ["text", "option", "channel"])
def test_control_tokens_of_the_model_in_the_text_are_400(server, where):
    text, options, channels = "Is there an anomaly?", list(OPTIONS), ["cpu"]
    if where == "text":
        text += " <|ts|>"
    elif where == "option":
        options[0] = "<|im_start|>Yes"
    else:
        channels = ["<|ts|>"]
    status, payload = _ask(server, _series(values=[1.0, 2.0], channels=channels), _text(text), options=options)
    _refused(status, payload, 400, "a control token of the model")


def test_the_server_still_answers_after_all_of_this(server):
    _answered(*_ask(server, _series(values=_spike(3.0)), _text("Anomaly?"), options=OPTIONS))
