"""`POST /v1/forecast` on the server, and `TSQA.forecast`: the same forecast as the command, refusals as 400s."""

import http.client
import json
import threading

import numpy as np
import pytest

from tsqa.api.model import TSQA
from tsqa.serve.forecast import Forecaster
from tsqa.serve.server import ChatServer

from .conftest import START, metric_frame

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class _NoAnswers:
    """A backend for a server that is only asked to forecast."""

    def check(self, question, limits):
        raise AssertionError("no chat request expected")

    def answer_batch(self, questions):
        raise AssertionError("no chat request expected")


@pytest.fixture(scope="module")
def server(tiny_toto_dir):
    running = ChatServer(_NoAnswers(), "m", forecaster=Forecaster(str(tiny_toto_dir)))
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def _post(server, body: object) -> tuple[int, dict]:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=60)
    connection.request("POST", "/v1/forecast", body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def _series_part(steps: int = 96) -> dict:
    frame = metric_frame(steps)
    return {"timestamps": frame["timestamp"].tolist(), "channels": ["cpu:web-1", "mem:web-1"],
            "values": frame[["cpu:web-1", "mem:web-1"]].to_numpy().tolist()}


def test_route_answers_the_forecast_the_api_gives(server, tiny_toto_dir, metric_csv):
    status, payload = _post(server, {"time_series": _series_part(), "horizon": 5})
    assert status == 200, payload
    direct = TSQA(None).forecast(metric_csv, 5, model=tiny_toto_dir)
    assert payload["timestamps"] == [START + 60 * (95 + i) for i in range(1, 6)]
    np.testing.assert_allclose(payload["channels"][0]["median"], direct.forecast.median[0])
    for channel in payload["channels"]:
        assert all(lo <= me <= hi for lo, me, hi in zip(channel["low"], channel["median"], channel["high"]))


@pytest.mark.parametrize("body, status, message", [
    ({"time_series": None, "horizon": 5}, 400, "time_series must be an object"),
    ({"horizon": 0}, 400, "horizon: expected a whole number of steps from 1 to"),
    ({"time_series": {"values": [1.0, 2.0]}, "horizon": 3}, 400, "cannot forecast this series: history: 2 steps"),
    ({"time_series": {"values": [1.0] * 20}, "horizon": 3, "extra": 1}, 400, "unknown field(s) extra"),
])
def test_refusals(server, body, status, message):
    if "time_series" not in body:
        body = {"time_series": _series_part(), **body}
    code, payload = _post(server, body)
    assert code == status and message in payload["error"]["message"], payload


def test_a_server_without_a_forecaster_has_no_such_route():
    bare = ChatServer(_NoAnswers(), "m")
    threading.Thread(target=bare.serve_forever, daemon=True).start()
    try:
        status, payload = _post(bare, {"time_series": _series_part(), "horizon": 5})
        assert status == 404 and "does not forecast" in payload["error"]["message"]
    finally:
        bare.shutdown()
        bare.server_close()
