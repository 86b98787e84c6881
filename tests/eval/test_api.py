"""The API runner against a real HTTP server on 127.0.0.1: retries on 429, 500, a timeout and malformed bodies,
and the request it sends (model, system prompt, base64 PNG images <= 1500 px, shuffled options)."""

import base64
import io
import json

import pytest
from PIL import Image

from tsqa.eval.api import ChatCompletionsAnswerer, RetryPolicy
from tsqa.eval.results import read_results
from tsqa.eval.runner import run_answerer

JSON = "application/json"
FAST_RETRY = RetryPolicy(retries=6, base_delay=0.01, max_delay=0.05)


def _answerer(server, **kwargs):
    return ChatCompletionsAnswerer(
        "test-model", api_key="sk-test", base_url=server.url, timeout=0.5, retry=FAST_RETRY, **kwargs
    )


def _wide_png(tmp_path):
    path = tmp_path / "plot.png"
    Image.new("RGB", (3000, 600), (200, 10, 10)).save(path)
    return path


def test_survives_429_500_timeout_and_malformed_bodies(tmp_path, serve, make_sample, completion):
    options = ["Level Shift", "Transient Spike", "Change in Trend", "Change in Variance", "No Anomaly"]
    sample = make_sample(1, "Anomaly Categorization", options, answer="Change in Trend", images=[_wide_png(tmp_path)])
    server = serve(
        [
            (429, b'{"error": {"message": "slow down"}}', JSON, 0),
            (500, b'{"error": {"message": "oops"}}', JSON, 0),
            (200, completion("late"), JSON, 2.0),  # answered after the client's 0.5 s timeout
            (200, b"{not json", JSON, 0),
            (200, b'{"object": "nothing useful"}', JSON, 0),
            (200, completion('{"reasoning": "slope changes", "answer": "Change in Trend"}'), JSON, 0),
        ]
    )
    summary = run_answerer(_answerer(server), [sample], tmp_path / "r.csv", seed=5, progress=False)

    assert len(server.requests) == 6
    (row,) = read_results(tmp_path / "r.csv")
    assert row.model_answer == "Change in Trend" and row.is_correct == 1.0
    assert row.reasoning == "slope changes"
    assert summary.failed == 0 and summary.correct == 1

    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "test-model"
    assert body["response_format"] == {"type": "json_object"}
    system, user = body["messages"]
    assert system["role"] == "system" and '"answer"' in system["content"]
    image, text = user["content"]
    assert image["type"] == "image_url"
    prefix = "data:image/png;base64,"
    assert image["image_url"]["url"].startswith(prefix)
    png = Image.open(io.BytesIO(base64.b64decode(image["image_url"]["url"][len(prefix) :])))
    assert png.format == "PNG" and png.size == (1500, 300)  # longest side 1500, aspect kept
    question, shown = text["text"].split("\nOptions: ")
    assert question == f"Question: {sample.question}"
    shown = json.loads(shown)
    assert sorted(shown) == sorted(options) and shown != options  # shuffled
    assert json.loads(row.options) == shown  # the results row records the order shown


def test_a_question_failing_after_all_retries_is_recorded_and_the_run_completes(tmp_path, serve, make_sample):
    server = serve([(503, b'{"error": {"message": "overloaded"}}', JSON, 0)])
    samples = [make_sample(i) for i in range(2)]
    answerer = _answerer(server)
    answerer.retry = RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02)
    summary = run_answerer(answerer, samples, tmp_path / "r.csv", progress=False)
    assert len(server.requests) == 2 * 3  # first attempt + 2 retries, per question
    rows = read_results(tmp_path / "r.csv")
    assert [r.model_answer for r in rows] == [None, None]
    assert all(r.reasoning.startswith("ERROR: 3 attempt(s) failed; last: InternalServerError 503") for r in rows)
    assert summary.failed == 2 and "failed after retries" in summary.describe()


def test_client_errors_are_not_retried_and_auth_errors_stop_the_run(tmp_path, serve, make_sample):
    bad_request = serve([(400, b'{"error": {"message": "image too large"}}', JSON, 0)])
    run_answerer(_answerer(bad_request), [make_sample(0)], tmp_path / "a.csv", progress=False)
    assert len(bad_request.requests) == 1
    assert "BadRequestError 400" in read_results(tmp_path / "a.csv")[0].reasoning

    unauthorized = serve([(401, b'{"error": {"message": "bad key"}}', JSON, 0)])
    with pytest.raises(ValueError, match="refused"):
        run_answerer(_answerer(unauthorized), [make_sample(0), make_sample(1)], tmp_path / "b.csv", progress=False)
    assert len(unauthorized.requests) <= 2  # never retried; at most the one question already queued is asked
    assert read_results(tmp_path / "b.csv") == []


def test_request_options(tmp_path, serve, make_sample, completion):
    server = serve([(200, completion("Answer: Yes, there is an anomaly"), JSON, 0)])
    answerer = _answerer(server, temperature=0.05, max_tokens=123, json_mode=False)
    run_answerer(answerer, [make_sample(0)], tmp_path / "r.csv", progress=False)
    body = server.requests[0]["body"]
    assert body["temperature"] == 0.05 and body["max_completion_tokens"] == 123
    assert "response_format" not in body
    assert [part["type"] for part in body["messages"][1]["content"]] == ["text"]  # no images: text only
    assert read_results(tmp_path / "r.csv")[0].model_answer == "Yes, there is an anomaly"


def test_retry_policy_backs_off_exponentially_with_capped_jitter():
    import random

    policy = RetryPolicy(retries=5, base_delay=1.0, max_delay=5.0)
    rng = random.Random(0)
    waits = [policy.delay(attempt, rng) for attempt in range(5)]
    for attempt, wait in enumerate(waits):
        ceiling = min(5.0, 2**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert policy.delay(0, rng, server_hint=3.0) == 3.0
    assert policy.delay(0, rng, server_hint=30.0) == 5.0


def test_tsqa_eval_against_a_url_endpoint(tmp_path, serve, make_sample, completion, monkeypatch, capsys):
    from tsqa import arfbench
    from tsqa.cli import main

    samples = [make_sample(i) for i in range(4)]
    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: samples, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    answer = '{"answer": "Yes, there is an anomaly", "reasoning": "spike"}'
    server = serve([(429, b"{}", JSON, 0), (200, completion(answer), JSON, 0)])
    out = tmp_path / "r.csv"
    argv = ["eval", "--model", f"{server.url}::served-tsqa", "--data", str(tmp_path), "--out", str(out)]
    assert main([*argv, "--concurrency", "2", "--timeout", "2", "--no-progress"]) == 0
    assert len(server.requests) == 5  # one 429, then four answers
    assert {r["auth"] for r in server.requests} == {"Bearer EMPTY"}
    rows = read_results(out)
    assert [r.model for r in rows] == ["served-tsqa"] * 4
    assert [r.is_correct for r in rows] == [float(s.answer == "Yes, there is an anomaly") for s in samples]
    assert "served-tsqa: 4 rows written" in capsys.readouterr().out
