"""`tsqa ask --model` takes every answerer `tsqa eval --model` takes (the detector, any OpenAI-compatible endpoint,
checkpoints), with `--evidence`; `--image` asks about plot images alone, for answerers that read plots."""

import base64
import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tsqa.cli import main
from tsqa.eval.prompt import EVIDENCE_NOTE

OPTIONS = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]
QUESTION = "Is there an anomaly in the time-series?"


@pytest.fixture(scope="module")
def spike_csv(tmp_path_factory) -> str:
    steps = 200
    values = 50 + np.sin(np.arange(steps) / 5.0)
    values[120:126] += 300  # a transient spike
    frame = pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(steps), "cpu:web-0": values})
    path = tmp_path_factory.mktemp("answerers") / "spike.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def screenshot(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("shots") / "screenshot.png"
    pixels = np.full((60, 90, 3), 255, dtype=np.uint8)
    pixels[30:32, :, :] = 0  # a line across the plot
    Image.fromarray(pixels).save(path)
    return str(path)


@pytest.fixture(scope="module")
def series_only_checkpoint(tiny_checkpoint, tmp_path_factory):
    """The tiny checkpoint, recorded as trained on series tokens only."""
    directory = tmp_path_factory.mktemp("series-only") / "tiny-series"
    shutil.copytree(tiny_checkpoint, directory)
    config_path = directory / "tsqa_config.json"
    config = json.loads(config_path.read_text())
    config["modality"] = "series"
    for key in ("vlm", "encoder"):  # base models named relative to the original folder
        config[key] = str((tiny_checkpoint / config[key]).resolve())
    config_path.write_text(json.dumps(config))
    return directory


def _ask(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["ask", "--question", QUESTION, "--options", *OPTIONS, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _user_parts(request: dict) -> tuple[list[dict], str]:
    """(image parts, text) of the user message an endpoint received."""
    (user,) = [m for m in request["body"]["messages"] if m["role"] == "user"]
    images = [part for part in user["content"] if part["type"] == "image_url"]
    (text,) = [part["text"] for part in user["content"] if part["type"] == "text"]
    return images, text


def test_the_detector_answers_without_any_model(spike_csv, capsys):
    code, out, err = _ask(["--model", "detector", "--series", spike_csv, "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["answer"] == OPTIONS[0] and result["modality"] is None and result["plot"]


def test_an_endpoint_is_sent_the_plot_and_the_question_and_its_reply_parsed(spike_csv, serve, completion, capsys):
    server = serve([(200, completion(json.dumps({"answer": OPTIONS[1], "reasoning": "flat"})), "application/json",
                     0)])
    code, out, err = _ask(["--model", f"{server.url}::fake-vlm", "--series", spike_csv, "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert (result["answer"], result["reasoning"], result["probabilities"]) == (OPTIONS[1], "flat", {})
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["body"]["model"] == "fake-vlm"
    images, text = _user_parts(request)
    assert len(images) == 1 and images[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert text == f"Question: {QUESTION}\nOptions: {json.dumps(OPTIONS)}"


def test_an_endpoint_with_evidence_reads_it_after_the_question(spike_csv, serve, completion, capsys):
    server = serve([(200, completion(json.dumps({"answer": OPTIONS[0]})), "application/json", 0)])
    code, out, err = _ask(["--model", f"{server.url}::fake-vlm", "--series", spike_csv, "--evidence",
                           "--evidence-budget", "600"], capsys)
    assert code == 0, err
    assert out.startswith("Evidence (appended to the question):\n") and f"Answer: {OPTIONS[0]}" in out
    evidence = out.split("\n\n")[0].removeprefix("Evidence (appended to the question):\n")
    (request,) = server.requests
    _, text = _user_parts(request)
    assert text.startswith(f"Question: {QUESTION}\n\n{evidence}\nOptions: ") and "cpu:web-0" in evidence
    assert len(evidence) <= 600  # characters: an endpoint has no tokenizer here
    system = request["body"]["messages"][0]
    assert system["role"] == "system" and EVIDENCE_NOTE in system["content"]


def test_a_screenshot_alone_goes_to_an_endpoint_as_the_only_image(screenshot, serve, completion, capsys):
    server = serve([(200, completion(json.dumps({"answer": OPTIONS[0]})), "application/json", 0)])
    code, out, err = _ask(["--model", f"{server.url}::fake-vlm", "--image", screenshot], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == f"Answer: {OPTIONS[0]}" and "Plot:" not in out
    (request,) = server.requests
    images, _ = _user_parts(request)
    (sent,) = images
    decoded = base64.b64decode(sent["image_url"]["url"].split(",", 1)[1])
    with Image.open(screenshot) as original, Image.open(io.BytesIO(decoded)) as received:
        assert received.size == original.size


def test_a_checkpoint_that_sees_plots_answers_a_screenshot_from_the_plot_alone(tiny_checkpoint, screenshot, capsys):
    code, out, err = _ask(["--model", str(tiny_checkpoint), "--image", screenshot, "--image", screenshot, "--json"],
                          capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["modality"] == "plot" and result["answer"] in OPTIONS and result["plot"] is None
    assert sum(result["probabilities"].values()) == pytest.approx(1.0) and result["shown_channels"] == []


def test_a_series_only_checkpoint_refuses_a_screenshot_in_one_line(series_only_checkpoint, screenshot, capsys):
    code, out, err = _ask(["--model", str(series_only_checkpoint), "--image", screenshot], capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    line = err.splitlines()[-1]  # after the weights' loading bar (on stderr)
    assert line.startswith("tsqa ask: error: ") and "trained on series only" in line and "--series" in line


@pytest.mark.parametrize("model", ["detector", "random"])
def test_answerers_that_read_no_plot_refuse_or_answer_a_screenshot(model, screenshot, capsys):
    code, out, err = _ask(["--model", model, "--image", screenshot], capsys)
    if model == "detector":
        assert code == 1 and "the detector reads the series' values, not images" in err and "--series" in err
    else:
        assert code == 0 and out.splitlines()[0].removeprefix("Answer: ") in OPTIONS


def test_missing_and_corrupt_images_are_named_before_any_model_loads(tmp_path, capsys):
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    for path, reason in ((tmp_path / "none.png", "no such image file"), (corrupt, "not a readable image")):
        code, _, err = _ask(["--model", "random", "--image", str(path)], capsys)
        assert code == 1 and err.startswith(f"tsqa ask: error: {path}: {reason}") and err.count("\n") == 1


def test_series_and_images_are_one_or_the_other(spike_csv, screenshot, capsys):
    with pytest.raises(SystemExit):
        main(["ask", "--series", spike_csv, "--image", screenshot, "--question", QUESTION])
    assert "not allowed with argument" in capsys.readouterr().err
    code, _, err = _ask(["--model", "random", "--image", screenshot, "--evidence"], capsys)
    assert code == 1 and "--evidence" in err
    code, _, err = _ask(["--model", "frequent", "--series", spike_csv], capsys)
    assert code == 1 and "needs the dataset" in err


def test_the_python_api_takes_any_answerer_and_images(screenshot, spike_csv, serve, completion):
    from tsqa import TSQA

    server = serve([(200, completion(json.dumps({"answer": OPTIONS[0]})), "application/json", 0)])
    endpoint = TSQA.from_pretrained(f"{server.url}::fake-vlm")
    assert endpoint.ask(None, QUESTION, OPTIONS, images=[screenshot]).answer == OPTIONS[0]
    detector = TSQA.from_pretrained("detector")
    answer = detector.ask(spike_csv, QUESTION, OPTIONS)
    assert answer.choice == OPTIONS[0] and answer.plot.is_file()
    with pytest.raises(ValueError, match="one of the two"):
        detector.ask(spike_csv, QUESTION, OPTIONS, images=[screenshot])
    with pytest.raises(ValueError, match="not a tsqa checkpoint"):
        detector.ask(spike_csv, QUESTION, OPTIONS, modality="plot")


def test_the_server_answers_image_only_requests_the_same_way(tiny_checkpoint, series_only_checkpoint, screenshot):
    from tsqa.serve.backend import TSQABackend
    from tsqa.serve.request import ChatQuestion

    with Image.open(screenshot) as image:
        question = ChatQuestion(QUESTION, OPTIONS, images=[image.convert("RGB")])
    (answer,) = TSQABackend.from_pretrained(tiny_checkpoint).answer_batch([question])
    assert answer.modality == "plot" and answer.choice in OPTIONS
    (refused,) = TSQABackend.from_pretrained(series_only_checkpoint).answer_batch([question])
    assert refused.status == 400 and "trained on series only" in refused.message and "time_series" in refused.message
