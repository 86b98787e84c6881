"""The incident-labelling server without a browser: the token, names that try to leave the folder, windows outside
the series, tampered and concurrently saved labels files, and what it proposes from the data."""

import json
import threading
from urllib.parse import quote

import pytest

from tsqa.arfbench.incident_labels import LabelsError, read_labels
from tsqa.cli import main
from tsqa.label.incidents import IncidentsApp
from tsqa.label.sources import open_source


@pytest.fixture
def server(folder, serve):
    return serve(IncidentsApp(open_source([folder])))


def _labels_file(folder):
    return folder / "incident-labels.json"


def test_every_request_needs_the_token(server, kit):
    for path in ("/", "/static/chart.js", "/api/state", "/api/series/latency"):
        assert kit.call(server, "GET", path, token=None)[0] == 401
        status, body = kit.call(server, "GET", path, token="not-the-token")
        assert status == 403 and "wrong token" in (body["error"] if isinstance(body, dict) else "")
        assert kit.call(server, "GET", path)[0] == 200
    status, page = kit.call(server, "GET", f"/?token={server.token}", token=None)
    assert status == 200 and server.token.encode() in page and b"__TOKEN__" not in page
    missing = kit.call(server, "PUT", "/api/labels/latency", {"no_anomaly": True, "windows": []}, token=None)
    assert missing[0] == 401 and "missing token" in missing[1]["error"]


def test_names_that_leave_the_folder_are_refused(folder, server, kit):
    outside = folder.parent / "secret.csv"
    outside.write_text("timestamp,x\n1,2\n")
    for name in ("..", "../secret", "..%2Fsecret", "%2E%2E", "/etc/passwd", "latency/../../secret"):
        status, body = kit.call(server, "GET", f"/api/series/{quote(name, safe='%')}")
        assert status in (400, 404), name
        if status == 400:
            assert "not a plain name" in body["error"]
    status, body = kit.call(server, "GET", "/api/series/..%2Fsecret")
    assert status == 400 and "'../secret'" in body["error"]
    status, _ = kit.call(server, "PUT", "/api/labels/..%2Fsecret", {"no_anomaly": True, "windows": []})
    assert status == 400
    assert kit.call(server, "PUT", "/api/pairs", {"series": ["..", "latency"], "relation": "unrelated"})[0] == 400
    assert kit.call(server, "GET", "/static/..%2Fincidents.py")[0] == 404
    assert kit.call(server, "GET", "/api/series/unknown")[0] == 404
    assert not _labels_file(folder).exists() and sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}.csv" for n in kit.SERIES
    )


def test_a_window_outside_the_series_is_refused_and_nothing_is_lost(folder, server, kit):
    good = {"no_anomaly": False, "caption": "", "windows": [kit.window(["dc:c"], 300, 420, "Level Shift", 60)]}
    assert kit.call(server, "PUT", "/api/labels/latency", good)[0] == 200
    before = _labels_file(folder).read_bytes()
    late = {"no_anomaly": False, "caption": "", "windows": [kit.window(["dc:c"], 700, 900, "Level Shift", 60)]}
    status, body = kit.call(server, "PUT", "/api/labels/latency", late)
    assert status == 400 and "window 0, field 'end'" in body["error"] and "outside the series" in body["error"]
    early = {"channels": ["dc:c"], "start": kit.epoch(-50), "end": kit.epoch(10)}
    status, body = kit.call(server, "POST", "/api/propose/latency", early)
    assert status == 400 and "field 'start'" in body["error"] and "outside the series" in body["error"]
    unknown = {"no_anomaly": False, "windows": [kit.window(["dc:zz"], 300, 420, "Level Shift", 60)]}
    status, body = kit.call(server, "PUT", "/api/labels/latency", unknown)
    assert status == 400 and "dc:zz" in body["error"]
    bad_kind = {"no_anomaly": False, "windows": [kit.window(["dc:c"], 300, 420, "Spikey", 60)]}
    status, body = kit.call(server, "PUT", "/api/labels/latency", bad_kind)
    assert status == 400 and "field 'kind'" in body["error"]
    assert _labels_file(folder).read_bytes() == before


def test_saved_labels_survive_a_new_server(folder, server, serve, kit):
    label = {"no_anomaly": False, "caption": "p99", "windows": [kit.window(["dc:c"], 300, 420, "Level Shift", 60)]}
    status, body = kit.call(server, "PUT", "/api/labels/latency", label)
    assert status == 200 and body["label"] == label
    assert kit.call(server, "PUT", "/api/labels/cpu", {"no_anomaly": True, "windows": []})[0] == 200
    pair = {"series": ["latency", "errors"], "relation": "first_leads"}
    assert kit.call(server, "PUT", "/api/pairs", pair)[1]["pairs"] == [pair]
    again = serve(IncidentsApp(open_source([folder])))
    state = kit.call(again, "GET", "/api/state")[1]
    assert state["labels"]["series"]["latency"] == label
    assert {s["name"]: s["status"] for s in state["series"]} == {
        "cpu": "no_anomaly", "errors": "unlabelled", "latency": "anomaly", "queue": "unlabelled", "rate": "unlabelled",
    }  # fmt: skip
    assert state["labels"]["pairs"] == [pair]
    assert kit.call(again, "PUT", "/api/pairs", {"series": ["errors", "latency"], "relation": None})[1]["pairs"] == []
    both = {"no_anomaly": True, "windows": [kit.window(["host:1"], 300, 420, "Level Shift", 60)]}
    status, body = kit.call(again, "PUT", "/api/labels/cpu", both)
    assert status == 400 and "remove the windows first" in body["error"]


def test_a_tampered_file_is_refused_by_name_and_never_overwritten(folder, server, capsys, kit):
    path = _labels_file(folder)
    tampered = json.loads(json.dumps(kit.LABELS))
    tampered["series"]["latency"]["windows"][0]["magnitude_pct"] = "lots"
    path.write_text(json.dumps(tampered))
    with pytest.raises(LabelsError, match=r"series 'latency', window 0, field 'magnitude_pct'"):
        IncidentsApp(open_source([folder]))
    assert main(["label", "incidents", str(folder), "--port", "0"]) == 1
    assert "field 'magnitude_pct'" in capsys.readouterr().err
    path.write_text('{"schema": "tsqa.incident-labels", "version": 1, "series": {')
    with pytest.raises(LabelsError, match=r"not valid JSON \(line 1"):
        read_labels(path)
    # the running server (started before the file was tampered with) refuses to write over it
    status, body = kit.call(server, "PUT", "/api/labels/cpu", {"no_anomaly": True, "windows": []})
    assert status == 409 and "changed outside this page" in body["error"]
    assert path.read_text() == '{"schema": "tsqa.incident-labels", "version": 1, "series": {'


def test_concurrent_saves_never_corrupt_the_file(folder, server, kit):
    path = _labels_file(folder)
    names = list(kit.SERIES)
    errors, parsed = [], []
    stop = threading.Event()

    def save(worker: int) -> None:
        for round_ in range(8):
            name = names[(worker + round_) % len(names)]
            channel = kit.SERIES[name][0][0]
            label = {"no_anomaly": False, "caption": f"w{worker} r{round_}",
                     "windows": [kit.window([channel], 100 + worker, 200 + round_, "Level Shift", 10 + worker)]}
            status, _ = kit.call(server, "PUT", f"/api/labels/{name}", label)
            if status != 200:
                errors.append(status)

    def watch() -> None:
        while not stop.is_set():
            if path.exists():
                parsed.append(read_labels(path))  # raises on a torn or invalid file

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=save, args=(w,)) for w in range(12)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    watcher.join()
    assert not errors and parsed
    final = read_labels(path)
    assert set(final["series"]) == set(names)
    state = kit.call(server, "GET", "/api/state")[1]["labels"]
    assert state == final  # the last save of each series is what the file holds
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary file left behind


def test_the_view_is_thinned_and_the_proposal_reads_the_data(server, kit):
    status, view = kit.call(server, "GET", "/api/series/latency?points=100")
    assert status == 200 and view["channels"] == kit.SERIES["latency"][0] and view["thinned"]
    assert view["repairs"] == []  # what the reader repaired, shown in the page's status line
    assert len(view["timestamps"]) <= 100 and all(len(v) == len(view["timestamps"]) for v in view["values"])
    peak = max(max(v) for v in view["values"])
    assert 150 < peak < 175  # the shifted channel's maximum survives the thinning
    zoomed = kit.call(server, "GET", f"/api/series/latency?from={kit.epoch(300)}&to={kit.epoch(310)}")[1]
    assert zoomed["timestamps"][0] <= kit.epoch(300) and zoomed["timestamps"][-1] >= kit.epoch(310)
    assert len(zoomed["timestamps"]) <= 16 and not zoomed["thinned"]
    assert kit.call(server, "GET", "/api/series/latency?points=abc")[0] == 400

    shift = kit.call(server, "POST", "/api/propose/latency", {"start": kit.epoch(300), "end": kit.epoch(420)})[1]
    assert shift["suggested_channels"] == ["dc:c"] and shift["direction"] == "up"
    assert shift["magnitude_pct"] == pytest.approx(60, abs=4)
    spike = kit.call(server, "POST", "/api/propose/errors", {"start": kit.epoch(310), "end": kit.epoch(316),
                                                         "kind": "Transient Spike"})[1]
    assert spike["suggested_channels"] == ["svc:x", "svc:y"] and spike["magnitude_pct"] == pytest.approx(300, abs=30)
    chosen = kit.call(server, "POST", "/api/propose/latency", {"start": kit.epoch(300), "end": kit.epoch(420),
                                                           "channels": ["dc:a"]})[1]
    assert chosen["magnitude_pct"] < 10  # sized on the channel the user chose, which barely moves
    trend = kit.call(server, "POST", "/api/propose/queue", {"start": kit.epoch(500), "end": None,
                                                        "kind": "Change in Trend"})[1]
    assert trend["direction"] == "up" and trend["magnitude_pct"] == pytest.approx(100, abs=15)
