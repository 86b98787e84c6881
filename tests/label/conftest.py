"""A folder of five incidents whose anomalies are known exactly, their labels, and the label servers in threads."""

import http.client
import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

START = 1_717_200_000  # 2024-06-01 00:00:00 UTC
INTERVAL = 60
STEPS = 720

SERIES = {  # name -> (channels, {channel: (onset, stop or None, relative change)})
    "latency": (["dc:a", "dc:b", "dc:c", "dc:d", "dc:e"], {"dc:c": (300, 420, 0.6)}),
    "errors": (["svc:w", "svc:x", "svc:y", "svc:z"], {"svc:x": (310, 316, 3.0), "svc:y": (310, 316, 3.0)}),
    "cpu": (["host:1", "host:2", "host:3"], {}),
    "queue": (["topic:orders"], {"topic:orders": (500, None, 1.0)}),
    "rate": (["dc:a", "dc:b", "dc:c", "dc:d"], {"dc:d": (0, 100, 0.5)}),
}


def epoch(step: int) -> int:
    return START + step * INTERVAL


def series_values(name: str) -> np.ndarray:
    """(STEPS, channels): level 100 with 2% noise, plus the anomaly of SERIES[name] (a trend when unresolved)."""
    channels, anomalies = SERIES[name]
    rng = np.random.default_rng(len(name))
    values = 100 * (1 + 0.02 * rng.standard_normal((STEPS, len(channels))))
    for channel, (onset, stop, change) in anomalies.items():
        c = channels.index(channel)
        if stop is None:
            values[onset:, c] += 100 * change * np.arange(1, STEPS - onset + 1) / (STEPS - onset)
        else:
            values[onset:stop, c] += 100 * change
    return values


def window(channels, onset, stop, kind, magnitude, direction="up", began_before=False) -> dict:
    return {"channels": channels, "start": None if began_before else epoch(onset),
            "end": None if stop is None else epoch(stop), "kind": kind, "direction": direction,
            "magnitude_pct": magnitude}


LABELS = {
    "schema": "tsqa.incident-labels",
    "version": 1,
    "series": {
        "latency": {"no_anomaly": False, "caption": "max:latency.p99{env:prod} by {dc}",
                    "windows": [window(["dc:c"], 300, 420, "Level Shift", 60)]},
        "errors": {"no_anomaly": False, "caption": "",
                   "windows": [window(["svc:x", "svc:y"], 310, 316, "Transient Spike", 300)]},
        "cpu": {"no_anomaly": True, "caption": "", "windows": []},
        "queue": {"no_anomaly": False, "caption": "",
                  "windows": [window(["topic:orders"], 500, None, "Change in Trend", 100)]},
        "rate": {"no_anomaly": False, "caption": "",
                 "windows": [window(["dc:d"], 0, 100, "Change in Variance", 50, began_before=True)]},
    },
    "pairs": [
        {"series": ["latency", "errors"], "relation": "first_leads"},
        {"series": ["cpu", "queue"], "relation": "unrelated"},
    ],
}


def write_csvs(folder: Path) -> Path:
    """One wide CSV per series: a timestamp column, then one column per channel."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (channels, _) in SERIES.items():
        frame = pd.DataFrame(series_values(name), columns=channels)
        frame.insert(0, "timestamp", [epoch(s) for s in range(STEPS)])
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_labels(folder: Path, labels: dict = LABELS) -> Path:
    path = folder / "incident-labels.json"
    path.write_text(json.dumps(labels, indent=1))
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    """The five series as CSV files, not labelled yet."""
    return write_csvs(tmp_path / "incidents")


@pytest.fixture
def labelled(folder) -> Path:
    write_labels(folder)
    return folder


def call(server, method: str, path: str, body: object = None, token: str | None = "", headers: dict | None = None):
    """(status, decoded JSON or bytes) of one request; token "" means the server's own, None none at all."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    sent = dict(headers or {})
    if token is not None:
        sent["X-TSQA-Token"] = token or server.token
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        sent["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    if response.getheader("Content-Type", "").startswith("application/json"):
        return response.status, json.loads(raw)
    return response.status, raw


@pytest.fixture
def serve():
    """serve(app) -> a PageServer for `app` on 127.0.0.1 and a free port, in a thread; stopped at the end."""
    from tsqa.label.web import PageServer

    running = []

    def start(app):
        server = PageServer(app, "127.0.0.1", 0)
        app.token = server.token
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return server

    yield start
    for server in running:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def kit():
    """This file's data and helpers, for the tests (with --import-mode=importlib they cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(START=START, INTERVAL=INTERVAL, STEPS=STEPS, SERIES=SERIES, LABELS=LABELS, epoch=epoch,
                           window=window, call=call, series_values=series_values, write_csvs=write_csvs,
                           write_labels=write_labels)
