"""`tsqa eval` over a real (tiny) tsqa checkpoint and a real dataset directory written by the data layer."""

import json

import pytest

from tsqa.arfbench import generate, write_dataset
from tsqa.eval.results import read_results
from tsqa.eval.metrics import score_model
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


def test_eval_of_a_dataset_holding_series_of_a_few_rows(tiny_checkpoint, tmp_path, capsys):
    import dataclasses

    import numpy as np

    from tsqa.arfbench import Series

    samples = generate(3, seed=6, categories=["Anomaly Presence"])
    short = [dataclasses.replace(s, series=[Series(s.series[0].name, s.series[0].channels[:1],
                                                   1_700_000_000 + 60 * np.arange(rows),
                                                   np.arange(rows, dtype=float)[:, None], 60)])
             for s, rows in zip(samples, (1, 2, 4))]
    root = write_dataset(short, tmp_path / "short", images=False).parent
    out = tmp_path / "results.csv"
    assert main(["eval", "--model", str(tiny_checkpoint), "--data", str(root), "--out", str(out), "--no-progress"]) == 0
    rows = read_results(out)
    assert len(rows) == 3 and all(r.model_answer in json.loads(r.options) for r in rows)
    assert all(sum(r.probabilities.values()) == pytest.approx(1.0) for r in rows)


def test_non_finite_option_scores_are_recorded_as_unanswered_not_written_as_nan(tiny_checkpoint, dataset, monkeypatch):
    import torch

    from tsqa.eval.answerers import CheckpointAnswerer
    from tsqa.eval.runner import result_row

    answerer = CheckpointAnswerer.from_pretrained(tiny_checkpoint, name="tiny")
    real = answerer.engine.model.score_options

    def overflowing(*args, **kwargs):
        sums, lengths = real(*args, **kwargs)
        return torch.full_like(sums, float("nan")), lengths

    monkeypatch.setattr(answerer.engine.model, "score_options", overflowing)
    _, samples = dataset
    (answer,) = answerer.answer(samples[:1])
    assert answer.choice is None and answer.probabilities == {} and "not finite" in answer.error
    row = result_row("tiny", samples[0], answer, 0.0)
    assert row.model_answer is None and row.probabilities is None and row.reasoning.startswith("ERROR:")
