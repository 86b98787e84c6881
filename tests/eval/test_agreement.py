"""Agreement between experts: percent identical answers and Cohen's kappa on the questions both answered, and the
report's rows for two or more experts."""

import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from tsqa.cli import main
from tsqa.eval.experts import cohen_kappa, expert_agreement
from tsqa.eval.results_writer import ResultsWriter

YES, NO = "Yes", "No"
PRESENCE = "Anomaly Presence"


def _table(make_row, model, answers, truths):
    rows = []
    for i, (answer, truth) in enumerate(zip(answers, truths)):
        row = make_row(PRESENCE, [YES, NO], truth, answer, model=model, key=f"{i}_0")
        row.sample_id = f"{i}_0#{i}"
        rows.append(row)
    return rows


def test_kappa_by_hand_and_against_scikit_learn():
    first = [YES] * 5 + [NO] * 5
    second = [YES] * 4 + [NO] * 5 + [YES]
    assert cohen_kappa(first, second) == pytest.approx(0.6)  # observed 0.8, chance 0.5
    rng = np.random.default_rng(0)
    a, b = rng.choice(["x", "y", "z"], 200).tolist(), rng.choice(["x", "y", "z", "w"], 200).tolist()
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa([YES] * 4, [YES] * 4) is None and cohen_kappa([], []) is None


def test_pairs_use_only_the_questions_both_answered(make_row):
    truths = [YES] * 5 + [NO] * 5
    alice = _table(make_row, "alice", [YES] * 5 + [NO] * 5, truths)
    bob = _table(make_row, "bob", [YES] * 4 + [NO] * 5 + [YES], truths)[:6]
    carol = _table(make_row, "carol", [NO] * 10, truths)
    found = {a.experts: a for a in expert_agreement({"alice": alice, "bob": bob, "carol": carol})}
    assert set(found) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    assert found[("alice", "bob")].n == 6 and found[("alice", "bob")].agreement == pytest.approx(100 * 5 / 6)
    assert found[("alice", "carol")].agreement == 50.0 and found[("alice", "carol")].kappa == 0.0
    assert found[("alice", "carol")].category == {PRESENCE: 50.0}


def test_report_shows_human_rows_oracles_and_agreement(tmp_path, make_row, capsys):
    truths = [YES] * 5 + [NO] * 5
    tables = {
        "model": [NO] * 10,
        "alice": [YES] * 5 + [NO] * 5,
        "bob": [YES] * 4 + [NO] * 5 + [YES],
    }
    for name, answers in tables.items():
        with ResultsWriter(tmp_path / f"{name}.csv", name) as writer:
            for row in _table(make_row, name, answers, truths):
                writer.append(row)
    argv = ["report", str(tmp_path / "model.csv"), "--human", str(tmp_path / "alice.csv"),
            "--human", str(tmp_path / "bob.csv"), "--json", str(tmp_path / "r.json")]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "| alice | 10 | 100.0 |" in text and "| bob | 10 | 80.0 |" in text
    assert "| model+alice | 10 | 100.0 |" in text and "| model+bob | 10 | 90.0 |" in text
    assert "### Agreement between experts" in text and "| alice / bob | 10 | 80.0 | 0.60 |" in text
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["humans"] == ["alice", "bob"]
    assert data["agreement"] == [{"experts": ["alice", "bob"], "n": 10, "agreement": 80.0,
                                  "kappa": pytest.approx(0.6), "category": {PRESENCE: 80.0}}]
    assert main(["report", str(tmp_path / "model.csv"), "--human", str(tmp_path / "alice.csv")]) == 0
    assert "Agreement between experts" not in capsys.readouterr().out  # one expert: nothing to compare
