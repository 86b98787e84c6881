"""`tsqa eval` over a real (tiny) tsqa checkpoint and a real dataset directory written by the data layer."""

import json

import pytest

from tsqa.arfbench import generate, write_dataset
from tsqa.eval.results import read_results
from tsqa.eval.scores import score_model
from tsqa.cli import main


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    samples = generate(12, seed=4)
    root = write_dataset(samples, tmp_path_factory.mktemp("data") / "synth", images=False).parent
    return root, samples


@pytest.mark.parametrize("mode", ["score", "generate"])
def test_eval_of_a_checkpoint_writes_every_question_once(tiny_checkpoint, dataset, tmp_path, mode, capsys):
    root, samples = dataset
    out = tmp_path / "results.csv"
    args = ["eval", "--model", str(tiny_checkpoint), "--data", str(root), "--out", str(out), "--mode", mode,
            "--batch-size", "4", "--no-progress", "--name", "tiny"]
    if mode == "generate":
        args += ["--max-tokens", "4"]
    assert main(args) == 0
    rows = read_results(out)
    assert len(rows) == len(samples) and len({(r.query_group, r.question) for r in rows}) == len(samples)
    for row in rows:
        options = json.loads(row.options)
        if mode == "score":
            assert row.model_answer in options  # option scoring is never invalid
            assert set(row.probabilities) == set(options)
            assert sum(row.probabilities.values()) == pytest.approx(1.0)
        assert row.is_correct == (row.model_answer == row.correct_answer)
    assert score_model(rows, 0).n == len(samples)
    assert "tiny: accuracy" in capsys.readouterr().out
    assert main(args) == 0  # resumed: nothing left to answer, nothing duplicated
    assert len(read_results(out)) == len(samples)
