"""Parsing a chat-completions body into one question, and every refusal's status and message (no model needed)."""

import numpy as np
import pytest

from tsqa.eval.prompt import question_text
from tsqa.serve.errors import APIError
from tsqa.serve.limits import Limits
from tsqa.serve.request import parse_chat_request

MODEL = "tiny"
LIMITS = Limits(max_series_steps=1000, max_channels=4, max_image_pixels=100 * 100, max_images=2)


def body(*parts, **fields) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": list(parts)}], **fields}


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def refusal(request: dict, limits: Limits = LIMITS) -> APIError:
    with pytest.raises(APIError) as caught:
        parse_chat_request(request, MODEL, limits)
    return caught.value


def test_evaluator_format_gives_question_and_options(make_series_part):
    options = ["Yes", 'No "anomaly"', "Ünïcode"]
    asked = question_text("Is there an anomaly?\nThe caption says: p99 latency.", options)
    request = {"model": MODEL, "messages": [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": [make_series_part(), text(asked)]},
    ]}
    question = parse_chat_request(request, MODEL, LIMITS)
    assert question.text == "Is there an anomaly?\nThe caption says: p99 latency."
    assert question.options == options
    assert len(question.series) == 1 and question.series[0].values.shape == (64, 2)
    assert question.series[0].channels == ["host:web-0", "host:web-1"] and question.series[0].interval == 60


def test_body_options_win_and_plain_text_means_generation(make_series_part):
    asked = question_text("Is there an anomaly?", ["Yes", "No"])
    question = parse_chat_request(body(make_series_part(), text(asked), options=["A", "B"]), MODEL, LIMITS)
    assert (question.text, question.options) == ("Is there an anomaly?", ["A", "B"])
    question = parse_chat_request(body(make_series_part(), text("Describe the spike.")), MODEL, LIMITS)
    assert (question.text, question.options) == ("Describe the spike.", [])


def test_only_the_last_user_message_counts(make_series_part):
    request = {"model": MODEL, "messages": [
        {"role": "user", "content": [make_series_part(channels=3), text("first")]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [make_series_part(channels=1), text("second")]},
    ]}
    question = parse_chat_request(request, MODEL, LIMITS)
    assert question.text == "second" and question.series[0].values.shape == (64, 1)


def test_values_and_csv_parts_give_the_same_series(make_series_part):
    part = make_series_part(steps=5, channels=2, name="cpu")["time_series"]
    rows = [",".join(["timestamp", *part["channels"]])]
    rows += [",".join(str(x) for x in [t, *v]) for t, v in zip(part["timestamps"], part["values"])]
    from_values = parse_chat_request(body({"type": "time_series", "time_series": part}, text("q")), MODEL, LIMITS)
    from_csv = parse_chat_request(
        body({"type": "time_series", "time_series": {"name": "cpu", "csv": "\n".join(rows)}}, text("q")), MODEL, LIMITS
    )
    assert from_values.series[0] == from_csv.series[0]
    assert from_values.series[0].name == "cpu"


def test_without_timestamps_the_grid_starts_at_start_every_interval():
    part = {"type": "time_series", "time_series": {"values": [1.0, None, 3.0], "interval": 30, "start": 600}}
    (series,) = parse_chat_request(body(part, text("q")), MODEL, LIMITS).series
    assert series.timestamps.tolist() == [600, 630, 660] and series.interval == 30
    assert series.channels == ["channel_0"] and np.isnan(series.values[1, 0]) and series.values[2, 0] == 3.0


def _series(**fields) -> dict:
    return {"type": "time_series", "time_series": fields}


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (_series(values=[[1, 2], [3]]), "one value per channel"),
        (_series(values=["a", "b"]), "numbers or null"),
        (_series(values=[]), "non-empty list"),
        (_series(values=[1, 2], timestamps=[0]), "one entry per step"),
        (_series(values=[1, 2], timestamps=[60, 60], strict=True), "repeats the time step of an earlier row"),
        (_series(values=[1, 2], timestamps=[0, 60], strict="yes"), "strict must be true or false"),
        (_series(csv="timestamp,cpu,cpu\n0,1,2\n"), "columns 1 and 2 are both named 'cpu'"),
        (_series(csv="timestamp,cpu\n0,true\n60,false\n"), "true/false is not a series value"),
        (_series(values=[1, 2], timestamps=[0, "soon"]), "'soon' is not a timestamp"),
        (_series(values=[[1, 2]], channels=["a"]), "1 channel names for 2 values"),
        (_series(values=[[1, 2]], channels=["a", "a"]), "duplicate channel names"),
        (_series(values=[1, 2], channels=["Timestamp"]), "reserved"),
        (_series(values=[1, 2], timestamps=[0, 60], interval=30), "interval 30s is finer than the file's 60s step"),
        (_series(values=[1, 2], interval=0), "interval must be a positive"),
        (_series(values=[None, None]), "every value is missing"),
        (_series(csv="a,b\n1,2\n"), "no timestamp column"),
        (_series(csv=""), "csv cannot be parsed"),
        (_series(csv=42), "csv must be a string"),
        ({"type": "time_series", "time_series": [1, 2]}, "time_series must be an object"),
    ],
)
def test_malformed_series_are_400_naming_the_part(part, message):
    error = refusal(body(text("q"), part))
    assert error.status == 400 and error.code == "invalid_time_series"
    assert error.message.startswith("messages[-1].content[1]: ") and message in error.message


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (_series(values=list(range(1001))), "1001 steps is more than the limit of 1000 steps"),
        (_series(values=[[1] * 5]), "5 channels is more than the limit of 4 channels"),
        (_series(values=[1, 2, 3], timestamps=[0, 60, 60 * 5000]), "5001 steps on its regular grid is more than"),
        (_series(csv="time,a\n2024-01-01 00:00,1\n2024-01-01 00:01,2\n2024-01-09 00:00,3\n"),
         "11521 steps on its regular grid"),
        (_series(csv="timestamp,a,b,c,d,e\n0,1,2,3,4,5\n"), "5 channels is more than the limit"),
        (_series(csv="epoch,group,value\n" + "".join(f"0,g{i},1\n" for i in range(5))), "5 channels is more than"),
    ],
)
def test_oversized_series_are_413_saying_the_limit(part, message):
    error = refusal(body(text("q"), part))
    assert error.status == 413 and message in error.message


def test_image_parts_decode_to_rgb(make_png_url):
    part = {"type": "image_url", "image_url": {"url": make_png_url(40, 30, (255, 0, 0)), "detail": "high"}}
    (image,) = parse_chat_request(body(part, text("q")), MODEL, LIMITS).images
    assert image.mode == "RGB" and image.size == (40, 30) and image.getpixel((5, 5)) == (255, 0, 0)


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("https://example.com/plot.png", 400, "never fetches"),
        ("file:///etc/passwd", 400, "never fetches"),
        ("data:text/plain;base64,aGVsbG8=", 400, "expected a base64 data URL"),
        ("data:image/png;base64,@@not-base64@@", 400, "not valid base64"),
        ("data:image/png;base64,aGVsbG8=", 400, "not a readable PNG image"),
    ],
)
def test_bad_image_urls_are_refused(url, status, message):
    error = refusal(body(text("q"), {"type": "image_url", "image_url": {"url": url}}))
    assert error.status == status and message in error.message


def test_images_over_the_pixel_or_count_limit_are_413(make_png_url):
    error = refusal(body(text("q"), {"type": "image_url", "image_url": {"url": make_png_url(101, 100)}}))
    assert error.status == 413 and "101x100 pixels is more than the limit of 10000 pixels" in error.message
    small = {"type": "image_url", "image_url": {"url": make_png_url(8, 8)}}
    error = refusal(body(text("q"), small, small, small))
    assert error.status == 413 and "more than 2 images" in error.message


@pytest.mark.parametrize(
    ("request_body", "status", "message"),
    [
        ([1, 2], 400, "must be a JSON object"),
        ({"messages": []}, 400, "model: required"),
        (body(text("q"), model="gpt-9"), 404, "model 'gpt-9' not found; this server serves 'tiny'"),
        (body(text("q"), stream=True), 400, "streaming is not supported"),
        (body(text("q"), n=2), 400, "only one choice"),
        ({"model": MODEL, "messages": []}, 400, "non-empty list"),
        ({"model": MODEL, "messages": [{"role": "system", "content": "x"}]}, 400, "no user message"),
        ({"model": MODEL, "messages": [{"role": "robot", "content": "x"}]}, 400, "role among"),
        (body(text("q"), {"type": "input_audio"}), 400, "unsupported content part 'input_audio'"),
        (body({"type": "text", "text": 5}), 400, "content[0]: text must be a string"),
        (body(text("Is it?")), 400, "needs an image_url or a time_series part"),
        (body(text("Question: q\nOptions: [1, 2]"), _series(values=[1])), 400, "Options: expected a list of non-empty"),
        (body(text("Question: q\nOptions: [oops"), _series(values=[1])), 400, "not a JSON list"),
        (body(text("q"), _series(values=[1]), options=["a", "a"]), 400, "duplicate options"),
        (body(_series(values=[1])), 400, "no question text"),
        (body(text("q"), _series(values=[1]), max_tokens=0), 400, "positive integer"),
        (body(text("q"), *[_series(values=[1])] * 3), 400, "at most 2 time series"),
    ],
)
def test_malformed_requests_are_refused(request_body, status, message):
    error = refusal(request_body)
    assert error.status == status and message in error.message
    assert error.body()["error"]["message"] == error.message


def test_generation_length_is_capped_by_the_limit():
    part = _series(values=[1.0, 2.0])
    assert parse_chat_request(body(text("q"), part, max_completion_tokens=2000), MODEL, LIMITS).max_new_tokens == 256
    assert parse_chat_request(body(text("q"), part, max_tokens=12), MODEL, LIMITS).max_new_tokens == 12
    assert parse_chat_request(body(text("q"), part), MODEL, LIMITS).max_new_tokens == 256


@pytest.mark.parametrize(
    ("written", "question"),
    [
        ('Is there an anomaly?\nOptions: ["Yes", "No"]', "Is there an anomaly?"),
        ('Is there an anomaly?\nAnswer Choices: ["Yes", "No"]', "Is there an anomaly?"),
        ('answer choices: ["Yes", "No"]\nIs there an anomaly?', "Is there an anomaly?"),
        ('Question: Is there an anomaly?\nTime-series: cpu\nOptions: ["Yes", "No"]\nReply in JSON.',
         "Is there an anomaly?\nTime-series: cpu\nReply in JSON."),
    ],
)
def test_inline_options_without_a_question_line(written, question):
    parsed = parse_chat_request(body(text(written), _series(values=[1.0])), MODEL, LIMITS)
    assert (parsed.text, parsed.options) == (question, ["Yes", "No"])


def test_option_lists_and_names_are_bounded_before_anything_is_built():
    limits = Limits(max_options=3, max_option_tokens=2)
    error = refusal(body(text("q"), _series(values=[1.0]), options=["a", "b", "c", "d"]), limits)
    assert error.status == 413 and "4 options is more than the limit of 3" in error.message
    error = refusal(body(text("q"), _series(values=[1.0]), options=["x" * 33, "b"]), limits)
    assert error.status == 413 and "an option of 33 characters; the limit is 2 tokens per option" in error.message
    error = refusal(body(text("q"), _series(values=[1.0], name="n" * 300)))
    assert error.status == 400 and "at most 256 characters" in error.message
    error = refusal(body(text("q"), _series(values=[[1.0, 2.0]], channels=["a", "x" * 300])))
    assert error.status == 400 and "longer than 256 characters" in error.message and len(error.message) < 200
    error = refusal(body(text("q"), _series(values=[1.0]), options=["o" * 1000, "o" * 1000]))
    assert "duplicate options" in error.message and len(error.message) < 200  # the value is cut, not echoed whole


def test_a_jittered_series_is_repaired_and_its_repairs_travel_with_it():
    stamps = [1_700_000_100 + 60 * i + (7 if i % 3 == 0 else 0) for i in range(12)]
    part = _series(values=list(range(12)), timestamps=stamps)
    (series,) = parse_chat_request(body(part, text("q")), MODEL, LIMITS).series
    assert series.interval == 60 and series.timestamps[0] == 1_700_000_100
    assert series.repairs == ["4 stamps moved by up to 7 s onto the 60 s grid"]
    error = refusal(body(_series(values=list(range(12)), timestamps=stamps, strict=True), text("q")))
    assert error.status == 400 and "row 0: timestamp 1700000107 is 7 s off the 60s grid" in error.message
    part = _series(values=list(range(12)), timestamps=stamps, interval=120)
    (coarse,) = parse_chat_request(body(part, text("q")), MODEL, LIMITS).series
    assert coarse.interval == 120 and coarse.values[:, 0].tolist() == [0.0, 1.5, 3.5, 5.5, 7.5, 9.5, 11.0]
    assert coarse.repairs[1] == "12 stamps resampled from the file's 60 s step onto the 120 s grid asked for (the mean of each step)"


@pytest.mark.parametrize("values", [[True, False, True], ["1", "2", "3"], ["inf", 1, 2], [[1, 2], [3, "nan"], [5, 6]],
                                    [1, 2, 10**400]])
def test_series_values_are_json_numbers_or_null_only(values):
    """numpy would read true as 1, "1" as 1 and "inf" as infinity: each is refused with the reason."""
    part = {"type": "time_series", "time_series": {"values": values}}
    error = refusal(body(part, text("Is there an anomaly?"), options=["Yes", "No"]))
    assert error.status == 400 and "values must be numbers or null (not true/false or text)" in error.message


def test_null_values_are_missing_steps():
    part = {"type": "time_series", "time_series": {"values": [1, None, 3.5, 4, 5]}}
    question = parse_chat_request(body(part, text("Is there an anomaly?"), options=["Yes", "No"]), MODEL, LIMITS)
    assert np.isnan(question.series[0].values[1, 0]) and question.series[0].values[2, 0] == 3.5


def test_an_options_line_with_a_number_no_parser_converts_is_400():
    part = {"type": "time_series", "time_series": {"values": [1, 2, 3]}}
    error = refusal(body(part, text("Is there an anomaly?\nOptions: [" + "9" * 5000 + "]")))
    assert error.status == 400 and "is not a JSON list of strings" in error.message
