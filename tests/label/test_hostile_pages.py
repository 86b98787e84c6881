"""The labelling pages against what a red team sent them (issue 24): other sites' Host and Origin, bodies that are
not plain JSON, a burst of saves, methods no route has, dropped connections, hand-edited and damaged labels files,
temporary files of killed saves, and ids that are digits only to Unicode. Real sockets on 127.0.0.1."""

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from tsqa.arfbench import generate, load_dataset
from tsqa.arfbench.incident_labels import LabelsError, read_labels
from tsqa.arfbench.writer import write_dataset
from tsqa.cli import main
from tsqa.eval.results import read_results
from tsqa.eval.runner import shuffled_options
from tsqa.label.answers import AnswersApp
from tsqa.label.incidents import IncidentsApp
from tsqa.label.sources import open_source


@pytest.fixture
def incidents(folder, serve):
    return serve(IncidentsApp(open_source([folder])))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-answers")
    write_dataset(generate(4, seed=3), root, images=False)
    return root


@pytest.fixture
def answers(dataset, serve, tmp_path):
    app = AnswersApp(dataset, load_dataset(dataset), "alice", tmp_path / "alice.csv")
    yield serve(app)
    app.close()


def _raw(server, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, dict, object]:
    """(status, headers, decoded JSON body) of one request with exactly these headers (token included)."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    sent = {"Host": f"127.0.0.1:{server.server_address[1]}", "X-TSQA-Token": server.token, **(headers or {})}
    for name, value in sent.items():
        if value is not None:
            connection.putheader(name, value)
    if body or method in ("POST", "PUT", "PATCH"):
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    json_body = response.getheader("Content-Type") == "application/json"
    assert json_body or response.status == 200, data[:200]
    return response.status, dict(response.getheaders()), json.loads(data) if data and json_body else data


LABEL = {"no_anomaly": True, "windows": [], "caption": ""}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("page", ["incidents", "answers"])
def test_other_sites_are_refused_even_with_the_token(page, request):
    server = request.getfixturevalue(page)
    port = server.server_address[1]
    path = "/api/state" if page == "incidents" else "/api/next"
    assert _raw(server, "GET", path)[0] == 200
    for host in (f"attacker.example:{port}", f"127.0.0.1.attacker.example:{port}", "attacker.example"):
        status, _, body = _raw(server, "GET", path, headers={"Host": host})
        assert status == 403 and "does not name this server" in body["error"], host
    for origin in ("http://attacker.example", "null", f"http://127.0.0.1:{port + 1}"):
        status, _, body = _raw(server, "GET", path, headers={"Origin": origin})
        assert status == 403 and "other web pages" in body["error"], origin
    for host in (f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}", f"127.1:{port}"):
        assert _raw(server, "GET", path, headers={"Host": host})[0] == 200, host
    assert _raw(server, "GET", path, headers={"Origin": f"http://127.0.0.1:{port}"})[0] == 200


def test_a_save_must_be_declared_json(incidents, folder):
    body = json.dumps(LABEL).encode()
    for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
        status, _, answer = _raw(incidents, "PUT", "/api/labels/cpu", body, {"Content-Type": content_type})
        assert status == 415 and "application/json" in answer["error"]
    assert not (folder / "incident-labels.json").exists()
    declared = {"Content-Type": "application/json; charset=utf-8"}
    assert _raw(incidents, "PUT", "/api/labels/cpu", body, declared)[0] == 200


def test_bodies_that_are_not_plain_json_are_400_with_the_reason(incidents, answers, folder):
    hostile = [
        (b"[" * 100_000, "nested too deeply"),
        (b'{"no_anomaly": true, "windows": [], "caption": ' + b"7" * 5000 + b"}", "digits"),
        (b'{"no_anomaly": true, "windows": [], "caption": "\\ud800"}', "lone surrogates"),
        (b'{"no_anomaly": true, "windows": [], "caption": "\xed\xa0\x80"}', "UTF-8"),  # a surrogate as raw bytes
        (b'{"no_anomaly": true, "windows": [], "caption": NaN}', "NaN"),
        (b'{"no_anomaly": true, "windows": [], "caption": 1e999}', "beyond the range"),
    ]
    for body, reason in hostile:
        status, _, answer = _raw(incidents, "PUT", "/api/labels/cpu", body, JSON)
        assert status == 400 and reason in answer["error"], (body[:60], answer)
        status, _, answer = _raw(answers, "POST", "/api/answer", body, JSON)
        assert status == 400 and reason in answer["error"], (body[:60], answer)
    status, _, answer = _raw(incidents, "PUT", "/api/labels/cpu", json.dumps({**LABEL, "caption": "a\tb"}).encode(),
                             JSON)
    assert status == 400 and "field 'caption'" in answer["error"]
    assert not (folder / "incident-labels.json").exists()
    assert _raw(incidents, "GET", "/api/state")[0] == 200  # the server still answers


def test_image_ids_that_are_digits_only_to_unicode_are_404(answers):
    for bad in ("%C2%B2", "%D9%A3", "9" * 5000, "0" * 5000, "-0", "%200"):  # "²", Arabic-Indic three, huge, " 0"
        status, _, body = _raw(answers, "GET", f"/api/image/{bad}")
        assert status == 404 and "no question" in body["error"] and len(body["error"]) < 200, bad
    assert _raw(answers, "GET", "/api/image/0")[0] == 200


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "PATCH"])
def test_methods_no_route_has_are_json_405_with_allow(incidents, answers, method):
    for server, path, allowed in ((incidents, "/api/state", "GET"), (incidents, "/api/labels/cpu", "PUT"),
                                  (incidents, "/", "GET"), (answers, "/api/answer", "POST")):
        status, headers, body = _raw(server, method, path)
        assert status == 405 and headers["Allow"] == allowed, (method, path)
        assert headers["Content-Type"] == "application/json"
        assert method == "HEAD" or "is not allowed" in body["error"]


def test_errors_of_the_protocol_itself_are_json(incidents):
    host, port = incidents.server_address[:2]
    for request in (b"BREW /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"GET\r\n\r\n",
                    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"):
        with socket.create_connection((host, port), timeout=30) as connection:
            connection.sendall(request)
            data = b""
            while chunk := connection.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"Content-Type: application/json" in head and "error" in json.loads(body), data[:200]


def test_a_burst_of_saves_is_queued_not_reset(incidents, folder, kit):
    """20 saves at the same moment, each on its own connection: all answered (the listen queue holds them)."""
    names = list(kit.SERIES)
    statuses: list = [None] * 20
    barrier = threading.Barrier(20)

    def save(index: int) -> None:
        name = names[index % len(names)]
        label = {"no_anomaly": False, "caption": f"save {index}",
                 "windows": [kit.window([kit.SERIES[name][0][0]], 100, 200 + index, "Level Shift", 10)]}
        barrier.wait()
        try:
            statuses[index] = kit.call(incidents, "PUT", f"/api/labels/{name}", label)[0]
        except OSError as error:  # a reset connection
            statuses[index] = error

    threads = [threading.Thread(target=save, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 20
    assert set(read_labels(folder / "incident-labels.json")["series"]) == set(names)
    assert incidents.request_queue_size >= 1024


def test_each_dropped_unauthenticated_connection_is_one_log_line(incidents, caplog, capsys):
    host, port = incidents.server_address[:2]
    with caplog.at_level(logging.WARNING, logger="tsqa.web"):
        for _ in range(20):
            connection = socket.create_connection((host, port), timeout=30)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            connection.sendall(b"PUT /api/labels/cpu HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n[")
            connection.close()  # a reset before the body and before the 401 is read
        for _ in range(200):
            if len([r for r in caplog.records if "went away" in r.getMessage()]) >= 20:
                break
            time.sleep(0.05)
    assert len([r for r in caplog.records if "went away" in r.getMessage()]) == 20
    assert "Traceback" not in capsys.readouterr().err


def test_a_labels_file_of_brackets_is_one_error_line(folder, capsys):
    (folder / "incident-labels.json").write_bytes(b"[" * 100_000)
    with pytest.raises(LabelsError, match="nested too deeply"):
        read_labels(folder / "incident-labels.json")
    for argv in (["label", "incidents", str(folder), "--port", "0"],
                 ["label", "questions", str(folder), "--out", str(folder.parent / "q")]):
        assert main(argv) == 1
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "nested too deeply" in error and "Traceback" not in error, error
    (folder / "incident-labels.json").write_bytes(b'{"schema": ' + b"1" * 5000 + b"}")
    assert main(["label", "incidents", str(folder)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "not valid JSON" in error


def test_a_hand_edited_caption_no_file_can_hold_is_refused_at_start(folder, kit):
    """A lone surrogate ("\\ud800" in the file) would make every later save fail: refused when the file is read."""
    text = json.dumps(kit.LABELS).replace('"caption": "max:latency.p99{env:prod} by {dc}"', '"caption": "p99 \\ud800"')
    (folder / "incident-labels.json").write_text(text)
    with pytest.raises(LabelsError, match="series 'latency', field 'caption'.*lone surrogates"):
        read_labels(folder / "incident-labels.json")


def test_a_hand_edited_window_on_an_unknown_channel_is_refused_at_start(folder, kit, capsys):
    labels = json.loads(json.dumps(kit.LABELS))
    labels["series"]["latency"]["windows"][0]["channels"] = ["dc:zz"]
    kit.write_labels(folder, labels)
    with pytest.raises(LabelsError) as refused:
        IncidentsApp(open_source([folder]))
    message = str(refused.value)
    assert "incident-labels.json" in message and "series 'latency', window 0, field 'channels'" in message
    assert "dc:zz" in message
    assert main(["label", "incidents", str(folder)]) == 1
    assert "field 'channels'" in capsys.readouterr().err
    labels["series"]["latency"]["windows"][0]["channels"] = ["dc:c"]
    labels["series"]["latency"]["windows"][0]["end"] = kit.epoch(kit.STEPS + 50)  # after the series ends
    kit.write_labels(folder, labels)
    with pytest.raises(LabelsError, match="window 0, field 'end'"):
        IncidentsApp(open_source([folder]))


def _dead_pid() -> int:
    """The pid of a process that has ended (what a kill -9 leaves in the name of a save's temporary file)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    return child.pid


def test_temporary_files_of_killed_saves_are_removed_at_the_next_start(labelled, serve, kit):
    path = labelled / "incident-labels.json"
    before = path.read_bytes()
    dead = _dead_pid()
    left = [labelled / f".incident-labels.json.{dead}.{tag}.tmp" for tag in ("a1b2c3d4", "00ff00ff")]
    for temporary in left:
        temporary.write_bytes(before[:100])  # what a save killed mid-write leaves
    in_flight = labelled / f".incident-labels.json.{os.getpid()}.0123abcd.tmp"  # a live process writing now
    in_flight.write_bytes(before[:50])
    other = labelled / ".notes.txt.tmp"
    other.write_text("not one of ours")
    app = IncidentsApp(open_source([labelled]))
    assert app.store.removed == sorted(left)
    assert not any(t.exists() for t in left) and in_flight.exists() and other.exists() and path.read_bytes() == before
    server = serve(app)
    assert kit.call(server, "PUT", "/api/labels/cpu", LABEL)[0] == 200
    assert sorted(p.name for p in labelled.iterdir() if p.name.startswith(".")) == sorted([other.name, in_flight.name])


def test_an_answers_file_whose_last_row_lacks_its_newline_keeps_every_answer(dataset, tmp_path, capsys, monkeypatch):
    """Issue 24, 1: four answers, the file saved by an editor without its final newline: nothing is cut."""
    out = tmp_path / "alice.csv"
    samples = [shuffled_options(s, 0) for s in load_dataset(dataset)]
    app = AnswersApp(dataset, load_dataset(dataset), "alice", out)
    for sample in samples:
        app._answer({"id": sample.id, "answer": sample.options[0]})
    app.close()
    out.write_bytes(out.read_bytes().rstrip(b"\n"))
    answered = read_results(out)
    assert len(answered) == 4

    monkeypatch.setattr("tsqa.commands.label._serve", lambda app, args, what: None)  # start, but do not serve
    assert main(["label", "answers", str(dataset), "--expert", "alice", "--out", str(out)]) == 0
    assert "4 already answered" in capsys.readouterr().out
    assert read_results(out) == answered and out.read_bytes().endswith(b"\n")
    assert not out.with_name("alice.csv.torn").exists()


def test_connections_beyond_the_cap_get_an_immediate_json_503(incidents, monkeypatch):
    """Each connection holds a thread: past the cap a connection is answered 503 at once, without one."""
    monkeypatch.setattr("tsqa.web.listener.MAX_CONNECTIONS", 4)
    host, port = incidents.server_address[:2]
    idle = [socket.create_connection((host, port), timeout=30) for _ in range(4)]  # connected, silent
    try:
        with socket.create_connection((host, port), timeout=30) as extra:
            data = b""
            while chunk := extra.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and b"Retry-After: 1" in head and "busy" in json.loads(body)["error"]
    finally:
        for connection in idle:
            connection.close()
    for _ in range(200):  # the server notices the closed connections within moments
        if _raw(incidents, "GET", "/api/state")[0] == 200:
            break
        time.sleep(0.05)
    assert _raw(incidents, "GET", "/api/state")[0] == 200
