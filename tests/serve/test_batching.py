"""Concurrent clients against a real server on a loopback port: requests are batched, every client gets its own
correct answer (the batch-1 answer of its question), bursts queue instead of resetting, a full queue is a 503."""

import http.client
import json
import socket
import threading
import time

import numpy as np
import pytest

from tsqa.arfbench import Answer
from tsqa.serve.backend import TSQABackend
from tsqa.serve.batcher import Batcher, BatchSettings, QueueFull
from tsqa.serve.errors import APIError
from tsqa.serve.limits import Limits
from tsqa.serve.request import parse_chat_request
from tsqa.serve.server import ChatServer

OPTIONS = ["Yes, there is an anomaly", "No, there is no anomaly", "Not sure"]


def _body(model: str, index: int, image_url: str) -> dict:
    """A distinct question: its own series (seeded by `index`), and a small image so no plot is drawn."""
    rng = np.random.default_rng(index)
    values = rng.normal(size=(16, 2)) * (1 + index % 5)
    values[8, 0] += 10 * (index % 3)
    content = [
        {"type": "image_url", "image_url": {"url": image_url}},
        {"type": "time_series", "time_series": {"name": f"svc-{index}", "values": values.tolist(),
                                                "start": 1_700_000_000 + 60 * index}},
        {"type": "text", "text": f"Is there an anomaly in service {index}?"},
    ]
    return {"model": model, "messages": [{"role": "user", "content": content}], "options": OPTIONS}


def _post(server: ChatServer, body: dict) -> tuple[int, dict, http.client.HTTPResponse]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=120)
    connection.request("POST", "/v1/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = json.loads(response.read())
    connection.close()
    return response.status, payload, response


def _concurrently(count: int, work) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # reported by the assertion on results
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return results


@pytest.fixture(scope="module")
def batching_server(start_server):
    return start_server(limits=Limits())


def test_64_concurrent_clients_each_get_the_batch_1_answer_to_their_own_question(
    batching_server, tsqa, checkpoint, make_png_url
):
    url = make_png_url(16, 16)
    bodies = [_body(checkpoint.name, i, url) for i in range(64)]
    before = len(batching_server.batcher.batch_sizes)
    replies = _concurrently(64, lambda i: _post(batching_server, bodies[i]))
    sizes = batching_server.batcher.batch_sizes[before:]
    assert sum(sizes) == 64 and max(sizes) > 1  # batched, and nothing answered twice
    alone = TSQABackend(tsqa.engine)
    for index, reply in enumerate(replies):
        assert not isinstance(reply, BaseException), reply
        status, payload, _ = reply
        assert status == 200, payload
        (reference,) = alone.answer_batch([parse_chat_request(bodies[index], checkpoint.name, Limits())])
        assert json.loads(payload["choices"][0]["message"]["content"])["answer"] == reference.choice
        probabilities = payload["tsqa"]["probabilities"]
        assert probabilities == pytest.approx(reference.probabilities, abs=1e-5)
        assert payload["tsqa"]["shown_channels"] == [["channel_0", "channel_1"]]


def test_a_burst_of_connections_is_queued_by_the_listen_backlog_not_reset(batching_server):
    host, port = batching_server.server_address[:2]

    def health(_: int) -> int:
        with socket.create_connection((host, port), timeout=60) as connection:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return int(connection.recv(64).split()[1])

    assert _concurrently(300, health) == [200] * 300


class _GatedBackend:
    """Answers only when the test opens the gate: lets a test fill the queue deterministically."""

    def __init__(self):
        self.gate = threading.Event()
        self.batches: list[list[str]] = []

    def check(self, question, limits):
        pass

    def answer_batch(self, questions):
        self.gate.wait(60)
        self.batches.append([q.text for q in questions])
        return [Answer(text=json.dumps({"answer": q.options[0]}), choice=q.options[0], reasoning=q.text)
                for q in questions]  # the reasoning names the question, so each client can check it got its own


def _gated_server(checkpoint, **settings) -> tuple[ChatServer, _GatedBackend]:
    backend = _GatedBackend()
    server = ChatServer(backend, checkpoint.name, "127.0.0.1", 0, None, Limits(), BatchSettings(**settings))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, backend


def _small_body(model: str, index: int) -> dict:
    content = [{"type": "time_series", "time_series": {"values": [1.0, 2.0, float(index)]}},
               {"type": "text", "text": f"question {index}"}]
    return {"model": model, "messages": [{"role": "user", "content": content}], "options": ["a", "b"]}


def _wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_beyond_the_queue_bound_requests_get_503_with_retry_after_and_the_queued_ones_their_answers(checkpoint):
    server, backend = _gated_server(checkpoint, max_batch=2, max_queue=3, max_wait_s=0.0)
    try:
        first = threading.Thread(target=_post, args=(server, _small_body(checkpoint.name, 0)))
        first.start()
        _wait_until(lambda: server.batcher.batch_sizes)  # the worker holds question 0 at the gate
        results: dict = {}
        queued = [threading.Thread(target=lambda i=i: results.__setitem__(i, _post(server, _small_body(
            checkpoint.name, i)))) for i in (1, 2, 3)]
        for thread in queued:
            thread.start()
        _wait_until(lambda: len(server.batcher._queue) == 3)
        status, payload, response = _post(server, _small_body(checkpoint.name, 4))
        assert status == 503 and response.getheader("Retry-After") == "1"
        assert payload["error"]["code"] == "server_busy" and "3 requests are waiting" in payload["error"]["message"]
        backend.gate.set()
        first.join(30)
        for thread in queued:
            thread.join(30)
        reasoning = {i: json.loads(r[1]["choices"][0]["message"]["content"])["reasoning"] for i, r in results.items()}
        assert {i: (r[0], reasoning[i]) for i, r in results.items()} == {
            i: (200, f"question {i}") for i in (1, 2, 3)}
        assert sorted(len(b) for b in backend.batches) == [1, 1, 2]  # max_batch 2: three queued go as 2 + 1
    finally:
        backend.gate.set()
        server.shutdown()
        server.server_close()


def test_a_request_that_waits_past_the_timeout_gets_503_and_is_never_answered(checkpoint):
    server, backend = _gated_server(checkpoint, max_batch=1, timeout_s=0.5)
    try:
        holder = threading.Thread(target=_post, args=(server, _small_body(checkpoint.name, 0)))
        holder.start()
        _wait_until(lambda: server.batcher.batch_sizes)
        status, payload, _ = _post(server, _small_body(checkpoint.name, 1))
        assert status == 503 and "no answer within 0.5 s" in payload["error"]["message"]
        backend.gate.set()
        holder.join(30)
        time.sleep(0.2)
        assert backend.batches == [["question 0"]]  # the timed-out question was dropped from the queue
    finally:
        backend.gate.set()
        server.shutdown()
        server.server_close()


def test_a_lone_request_is_answered_without_waiting_for_a_batch():
    calls = []
    batcher = Batcher(lambda items: calls.append(list(items)) or items, BatchSettings(max_batch=8, max_wait_s=5.0))
    started = time.monotonic()
    assert batcher.submit("a").result(10) == "a"
    assert time.monotonic() - started < 4  # did not sit out max_wait_s
    with batcher.arriving() as arrival:  # a request on its way makes a forming batch wait for it
        early = batcher.submit("b")
        time.sleep(0.2)
        late = arrival.submit("c")
    assert (early.result(10), late.result(10)) == ("b", "c")
    assert calls == [["a"], ["b", "c"]]
    batcher.close()
    with pytest.raises(QueueFull):
        batcher.submit("d")


def test_one_question_the_model_refuses_does_not_fail_the_others_in_its_batch(tsqa, checkpoint, make_png_url,
                                                                              monkeypatch):
    backend = TSQABackend(tsqa.engine)
    url = make_png_url(16, 16)
    questions = [parse_chat_request(_body(checkpoint.name, i, url), checkpoint.name, Limits()) for i in range(3)]
    answer = tsqa.engine.answer

    def refusing(samples, **kwargs):
        if any("service 1?" in s.question for s in samples):
            raise ValueError("sample 'request-1': refused")
        return answer(samples, **kwargs)

    monkeypatch.setattr(tsqa.engine, "answer", refusing)
    replies = backend.answer_batch(questions)
    assert [type(r).__name__ for r in replies] == ["Answer", "APIError", "Answer"]
    assert replies[1].status == 400 and "refused" in replies[1].message


def test_a_request_asking_for_evidence_gets_it_appended_to_its_question(tsqa, checkpoint, make_png_url):
    from tsqa.evidence.question import with_evidence

    backend = TSQABackend(tsqa.engine)
    body = {**_body(checkpoint.name, 0, make_png_url(16, 16)), "evidence": True, "evidence_budget": 64}
    question = parse_chat_request(body, checkpoint.name, Limits())
    assert question.evidence == 64
    asked = []
    build = tsqa.engine.builder.build

    def recording(samples, *args, **kwargs):  # what the model is shown
        asked.extend(s.question for s in samples)
        return build(samples, *args, **kwargs)

    tsqa.engine.builder.build = recording
    try:
        (reply,) = backend.answer_batch([question])
    finally:
        tsqa.engine.builder.build = build
    assert reply.choice in question.options
    from tsqa.api.model import question_sample

    expected = with_evidence(question_sample(question.text, question.options, question.series, []),
                             tsqa.engine.builder.encoder, budget=64, count=tsqa.engine.count_tokens)
    assert asked == [expected.question] and asked[0].startswith(question.text + "\n\n")
    for bad, code in (({"evidence": "yes"}, "invalid_evidence"), ({"evidence_budget": 5}, "invalid_evidence"),
                      ({"evidence": True, "evidence_budget": 10**6}, None)):
        with pytest.raises(APIError) as refused:
            parse_chat_request({**body, "evidence": False, **bad}, checkpoint.name, Limits())
        assert refused.value.status in (400, 413) and (code is None or refused.value.code == code)
