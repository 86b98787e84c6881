"""The official `openai` client against a served tiny checkpoint on 127.0.0.1: answers, keys, refusals, recovery."""

import json
import threading

import openai
import pandas as pd
import pytest

from tsqa.eval.prompt import question_text

QUESTION = "Is there an anomaly in the time-series?"
OPTIONS = ["Yes", "No", "Only in host:web-0"]


@pytest.fixture(scope="module")
def client(keyed_server, api_key) -> openai.OpenAI:
    return openai.OpenAI(base_url=keyed_server.url, api_key=api_key, max_retries=0, timeout=60)


def _text(value: str) -> dict:
    return {"type": "text", "text": value}


def _ask(client: openai.OpenAI, model: str, content: list, **kwargs):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": content}], **kwargs)


def _probabilities(response) -> dict[str, float]:
    return response.model_extra["tsqa"]["probabilities"]


def _assert_serving(client: openai.OpenAI, model: str, part: dict) -> None:
    response = _ask(client, model, [part, _text(question_text(QUESTION, OPTIONS))])
    assert json.loads(response.choices[0].message.content)["answer"] in OPTIONS


def test_lists_the_served_model(client, checkpoint):
    assert [model.id for model in client.models.list()] == [checkpoint.name]
    assert client.models.retrieve(checkpoint.name).owned_by == "tsqa"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_scores_the_options_exactly_like_tsqa_ask(client, checkpoint, tsqa, make_series_part, tmp_path):
    part = make_series_part()
    response = _ask(client, checkpoint.name, [part, _text(question_text(QUESTION, OPTIONS))])
    assert response.object == "chat.completion" and response.model == checkpoint.name and response.id
    assert response.choices[0].finish_reason == "stop" and response.choices[0].message.role == "assistant"
    reply = json.loads(response.choices[0].message.content)
    details = response.model_extra["tsqa"]
    assert (details["mode"], details["modality"]) == ("score", "both")
    assert details["shown_channels"] == [["host:web-0", "host:web-1"]]
    probabilities = details["probabilities"]
    assert list(probabilities) == OPTIONS and sum(probabilities.values()) == pytest.approx(1.0)
    assert reply["answer"] == max(probabilities, key=probabilities.get) and reply["reasoning"]

    series = part["time_series"]
    frame = pd.DataFrame({"timestamp": series["timestamps"],
                          **{c: [row[i] for row in series["values"]] for i, c in enumerate(series["channels"])}})
    direct = tsqa.ask(frame, QUESTION, OPTIONS, plot=tmp_path / "plot.png")
    assert probabilities == pytest.approx(direct.probabilities, abs=1e-6)
    assert reply["answer"] == direct.answer


def test_the_reply_says_what_was_repaired_in_each_series(client, checkpoint, make_series_part):
    clean = _ask(client, checkpoint.name, [make_series_part(), _text(QUESTION)], extra_body={"options": OPTIONS})
    assert clean.model_extra["tsqa"]["repairs"] == [[]]
    part = make_series_part()
    part["time_series"]["timestamps"] = [t + (5 if i == 3 else 0) for i, t in enumerate(part["time_series"]["timestamps"])]
    repaired = _ask(client, checkpoint.name, [part, _text(QUESTION)], extra_body={"options": OPTIONS})
    assert repaired.model_extra["tsqa"]["repairs"] == [["1 stamp moved by up to 5 s onto the 60 s grid"]]
    assert _probabilities(repaired) == pytest.approx(_probabilities(clean), abs=1e-9)  # the same grid, once repaired


def test_options_in_extra_body_score_the_same_and_the_series_matters(client, checkpoint, make_series_part):
    formatted = _ask(client, checkpoint.name, [make_series_part(), _text(question_text(QUESTION, OPTIONS))])
    extra = _ask(client, checkpoint.name, [make_series_part(), _text(QUESTION)], extra_body={"options": OPTIONS})
    assert _probabilities(extra) == pytest.approx(_probabilities(formatted), abs=1e-9)
    other = _ask(client, checkpoint.name, [make_series_part(seed=7), _text(QUESTION)], extra_body={"options": OPTIONS})
    assert _probabilities(other) != pytest.approx(_probabilities(formatted), abs=1e-9)


def test_a_sent_image_is_what_the_model_sees(client, checkpoint, make_series_part, make_png_url):
    content = [make_series_part(), _text(QUESTION)]
    rendered = _ask(client, checkpoint.name, content, extra_body={"options": OPTIONS})
    image = {"type": "image_url", "image_url": {"url": make_png_url(120, 80)}}
    shown = _ask(client, checkpoint.name, [image, *content], extra_body={"options": OPTIONS})
    assert _probabilities(shown) != pytest.approx(_probabilities(rendered), abs=1e-9)


def test_concurrent_requests_are_answered_one_at_a_time(client, checkpoint, make_series_part):
    results, errors = [], []

    def ask() -> None:
        try:
            results.append(_probabilities(_ask(client, checkpoint.name, [make_series_part(), _text(QUESTION)],
                                               extra_body={"options": OPTIONS})))
        except Exception as error:  # collected: an exception in a thread would not fail the test
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(results) == 4
    assert all(result == pytest.approx(results[0], abs=1e-9) for result in results)


def test_a_wrong_key_is_401_and_serving_goes_on(keyed_server, api_key, client, checkpoint, make_series_part):
    for key in ("wrong-key", api_key[:-1], api_key + "x"):
        intruder = openai.OpenAI(base_url=keyed_server.url, api_key=key, max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            _ask(intruder, checkpoint.name, [make_series_part(), _text(question_text(QUESTION, OPTIONS))])
        assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            intruder.models.list()
    _assert_serving(client, checkpoint.name, make_series_part())


def test_oversized_requests_are_413_and_serving_goes_on(client, checkpoint, make_series_part, make_png_url):
    refusals = [
        ([make_series_part(steps=600), _text(QUESTION)], "600 steps is more than the limit of 500 steps"),
        ([make_series_part(channels=9), _text(QUESTION)], "9 channels is more than the limit of 8 channels"),
        ([{"type": "image_url", "image_url": {"url": make_png_url(300, 200)}}, _text(QUESTION)],
         "300x200 pixels is more than the limit of 40000 pixels"),
        ([make_series_part(), _text("x" * 250_000)], "the limit is 200000 bytes"),
    ]
    for content, message in refusals:
        with pytest.raises(openai.APIStatusError) as caught:
            _ask(client, checkpoint.name, content, extra_body={"options": OPTIONS})
        assert caught.value.status_code == 413 and message in caught.value.message
        _assert_serving(client, checkpoint.name, make_series_part())


def test_malformed_series_are_400_and_serving_goes_on(client, checkpoint, make_series_part):
    broken = [
        (make_series_part(steps=2, values=[[1.0, 2.0], [3.0]]), "one value per channel"),
        ({"type": "time_series", "time_series": {"timestamps": [0, 0], "values": [1.0, 2.0], "strict": True}},
         "repeats the time step"),
        ({"type": "time_series", "time_series": {"csv": "when,a\nmonday,1\n"}}, "no timestamp column"),
    ]
    for part, message in broken:
        with pytest.raises(openai.BadRequestError) as caught:
            _ask(client, checkpoint.name, [part, _text(question_text(QUESTION, OPTIONS))])
        assert caught.value.code == "invalid_time_series" and message in caught.value.message
        _assert_serving(client, checkpoint.name, make_series_part())


def test_streaming_and_unknown_models_are_refused(client, checkpoint, make_series_part):
    content = [make_series_part(), _text(question_text(QUESTION, OPTIONS))]
    with pytest.raises(openai.BadRequestError, match="streaming is not supported"):
        _ask(client, checkpoint.name, content, stream=True)
    with pytest.raises(openai.NotFoundError, match="this server serves"):
        _ask(client, "gpt-4o", content)
    _assert_serving(client, checkpoint.name, make_series_part())


def test_without_options_the_model_generates(client, checkpoint, tsqa, make_series_part):
    response = _ask(client, checkpoint.name, [make_series_part(), _text("Describe the spike.")], max_tokens=4)
    details = response.model_extra["tsqa"]
    assert (details["mode"], details["probabilities"]) == ("generate", {})
    prefix = tsqa.engine.model.config.prompt.answer_prefix
    content = response.choices[0].message.content
    assert content.startswith(prefix)
    shorter = _ask(client, checkpoint.name, [make_series_part(), _text("Describe the spike.")], max_tokens=1)
    first = shorter.choices[0].message.content
    assert content.startswith(first) and len(first) < len(content)  # greedy: max_tokens cuts the same text
