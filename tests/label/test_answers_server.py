"""The expert-answering server without a browser: questions in order, answers checked against the options shown,
rows in the published results format that resume after a restart, and the plot of each question."""

import io
import json

import pytest
from PIL import Image

from tsqa.arfbench import generate, load_dataset
from tsqa.arfbench.writer import write_dataset
from tsqa.eval.results import read_results
from tsqa.eval.runner import shuffled_options
from tsqa.label.answers import AnswersApp


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("answers-data")
    write_dataset(generate(6, seed=2), root, images=False)
    return root


@pytest.fixture
def start(dataset, serve, tmp_path):
    apps = []

    def begin(expert: str = "alice"):
        app = AnswersApp(dataset, load_dataset(dataset), expert, tmp_path / f"{expert}.csv", seed=0)
        apps.append(app)
        return serve(app), app

    yield begin
    for app in apps:
        app.close()


def test_answers_go_to_the_results_file_in_order_and_resume(start, dataset, tmp_path, kit):
    server, _ = start()
    samples = [shuffled_options(s, 0) for s in load_dataset(dataset)]
    state = kit.call(server, "GET", "/api/next")[1]
    assert state["question"]["id"] == samples[0].id and state["question"]["options"] == samples[0].options
    assert (state["answered"], state["total"], state["done"]) == (0, 6, False)
    picks = [samples[0].answer, next(o for o in samples[1].options if o != samples[1].answer)]
    for sample, pick in zip(samples, picks):
        state = kit.call(server, "POST", "/api/answer", {"id": sample.id, "answer": pick})[1]
    assert state["question"]["id"] == samples[2].id and state["answered"] == 2
    rows = read_results(tmp_path / "alice.csv")
    assert [(r.model, r.sample_id, r.model_answer, r.is_correct) for r in rows] == [
        ("alice", samples[0].id, picks[0], 1.0), ("alice", samples[1].id, picks[1], 0.0)]
    assert json.loads(rows[0].options) == samples[0].options and rows[0].num_images == 1  # as shown to the expert
    assert all(r.latency_s is not None and 0 <= r.latency_s < 30 and r.has_images for r in rows)
    assert rows[0].correct_answer == samples[0].answer and rows[0].task_category == samples[0].category

    again, app = start()  # a restarted server resumes where the file ends
    assert kit.call(again, "GET", "/api/next")[1]["question"]["id"] == samples[2].id
    for sample in samples[2:]:
        state = kit.call(again, "POST", "/api/answer", {"id": sample.id, "answer": sample.answer})[1]
    assert state["done"] and state["answered"] == 6
    assert [r.sample_id for r in read_results(tmp_path / "alice.csv")] == [s.id for s in samples]


def test_bad_answers_are_refused(start, dataset, kit):
    server, _ = start("bob")
    first = shuffled_options(load_dataset(dataset)[0], 0)
    assert kit.call(server, "GET", "/api/next", token=None)[0] == 401
    assert kit.call(server, "POST", "/api/answer", {"id": first.id, "answer": first.answer}, token="x")[0] == 403
    status, body = kit.call(server, "POST", "/api/answer", {"id": first.id, "answer": "Maybe"})
    assert status == 400 and "is not one of the options" in body["error"]
    assert kit.call(server, "POST", "/api/answer", {"id": "nope#1", "answer": "Maybe"})[0] == 404
    assert kit.call(server, "POST", "/api/answer", {"answer": first.answer})[0] == 400
    assert kit.call(server, "POST", "/api/answer", {"id": first.id, "answer": first.answer})[0] == 200
    status, body = kit.call(server, "POST", "/api/answer", {"id": first.id, "answer": first.answer})
    assert status == 409 and "already answered" in body["error"]
    assert kit.call(server, "GET", "/api/answer")[0] == 405


def test_each_question_has_its_plot_and_nothing_else_is_served(start, kit):
    server, _ = start()
    status, png = kit.call(server, "GET", "/api/image/0")
    assert status == 200
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (960, 320)
    for bad in ("6", "-1", "..", "..%2F..%2Fetc%2Fpasswd", "0.5"):
        assert kit.call(server, "GET", f"/api/image/{bad}")[0] == 404, bad
    status, page = kit.call(server, "GET", "/")
    assert status == 200 and b"Answer questions" in page


def test_command_errors_name_what_is_wrong(dataset, folder, tmp_path, capsys):
    from tsqa.cli import main

    cases = [
        (["label", "answers", str(dataset), "--expert", "../eve"], "not a plain name"),
        (["label", "answers", str(tmp_path / "nowhere"), "--expert", "eve"], "no such dataset directory"),
        (["label", "incidents", str(tmp_path / "missing.csv")], "no such series file"),
        (["label", "incidents", str(tmp_path)], "no series found"),
        (["label", "questions", str(folder), "--out", str(tmp_path / "q")], "no labels yet"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, (argv, error)
