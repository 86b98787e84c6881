"""Servers in threads over the session's tiny random checkpoint (tests/conftest.py)."""

import base64
import io
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tsqa.serve.limits import Limits

API_KEY = "test-key-5f2c"
START = 1_700_000_000


@pytest.fixture(scope="session")
def checkpoint(tiny_checkpoint) -> Path:
    return tiny_checkpoint


@pytest.fixture(scope="session")
def tsqa(checkpoint):
    from tsqa.api.model import TSQA

    return TSQA.from_pretrained(checkpoint)


@pytest.fixture(scope="session")
def start_server(tsqa, checkpoint):
    """start_server(api_key=None, limits=Limits()) -> a running ChatServer on 127.0.0.1 and a free port."""
    from tsqa.serve.backend import TSQABackend
    from tsqa.serve.server import ChatServer

    backend = TSQABackend(tsqa.engine)
    running = []

    def start(api_key: str | None = None, limits: Limits = Limits()):
        server = ChatServer(backend, checkpoint.name, "127.0.0.1", 0, api_key, limits)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return server

    yield start
    for server in running:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture(scope="session")
def keyed_server(start_server):
    """Requires the key `api_key` returns; small limits, so oversized requests stay cheap to build."""
    limits = Limits(max_request_bytes=200_000, max_series_steps=500, max_channels=8, max_image_pixels=200 * 200)
    return start_server(API_KEY, limits)


def _metric_values(steps: int, channels: int, seed: int) -> np.ndarray:
    """(steps, channels) noisy levels with a spike in channel 0 halfway."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(10, 500, size=(1, channels)) + rng.normal(size=(steps, channels)) * 5
    values[steps // 2 : steps // 2 + 4, 0] += 400
    return values


def _series_part(steps: int = 64, channels: int = 2, seed: int = 0, **fields) -> dict:
    values = _metric_values(steps, channels, seed)
    payload = {
        "timestamps": [START + 60 * i for i in range(steps)],
        "channels": [f"host:web-{c}" for c in range(channels)],
        "values": values.tolist(),
    }
    return {"type": "time_series", "time_series": {**payload, **fields}}


def _png_url(width: int = 64, height: int = 48, color: tuple = (30, 120, 200)) -> str:
    image = Image.new("RGB", (width, height), color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@pytest.fixture(scope="session")
def make_series_part():
    """make_series_part(steps=64, channels=2, seed=0, **fields) -> a time_series content part (fields override)."""
    return _series_part


@pytest.fixture(scope="session")
def make_png_url():
    """make_png_url(width=64, height=48, color=...) -> a data:image/png;base64 URL."""
    return _png_url
