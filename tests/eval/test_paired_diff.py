"""scripts/paired_diff.py: the paired difference of two answerers on the same questions, against hand counts."""

import csv
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tsqa.arfbench import categories as cat
from tsqa.eval.results import COLUMNS, ResultRow

SCRIPT = Path(__file__).parents[2] / "scripts" / "paired_diff.py"
sys.path.insert(0, str(SCRIPT.parent))
spec = importlib.util.spec_from_file_location("paired_diff", SCRIPT)
paired_diff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paired_diff)

YES, NO = "Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"


def _write(path, model, answers, truth, order=None, runs=(1,)):
    """A results file of presence questions: answers[i] to question q{i} whose answer is truth[i], once per run."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for run in runs:
            for i in order or range(len(answers)):
                writer.writerow(ResultRow(model, f"g{i}", "Is there an anomaly?", f'["{NO}", "{YES}"]', truth[i],
                                          cat.PRESENCE, answers[i], float(answers[i] == truth[i]), run=run,
                                          sample_id=f"q{i}").cells())
    return str(path)


def test_accuracy_difference_and_its_paired_se_match_hand_counts(tmp_path):
    truth = [YES, NO] * 20
    a = [YES] * 40  # right on the 20 YES questions
    b = [NO] * 40  # right on the 20 NO questions
    b[0] = YES  # and on one YES question
    pairs = paired_diff.matched([_write(tmp_path / "a.csv", "A", a, truth)],
                                [_write(tmp_path / "b.csv", "B", b, truth, order=list(range(39, -1, -1)))])
    d = paired_diff.paired_difference(pairs, resamples=50)
    diffs = [float(x == t) - float(y == t) for x, y, t in zip(a, b, truth)]  # 19 x +1, 20 x -1, one 0
    mean = sum(diffs) / 40
    se = math.sqrt(sum((v - mean) ** 2 for v in diffs) / 39 / 40)
    assert d["n"] == 40
    assert d["accuracy"] == pytest.approx(100 * mean) and d["accuracy"] == pytest.approx(-2.5)
    assert d["accuracy_se"] == pytest.approx(100 * se)
    same = paired_diff.paired_difference(paired_diff.matched([str(tmp_path / "a.csv")], [str(tmp_path / "a.csv")]), 20)
    assert (same["accuracy"], same["accuracy_se"], same["f1"], same["f1_se"]) == (0, 0, 0, 0)


def test_files_of_other_questions_are_refused_by_name(tmp_path):
    truth = [YES, NO, YES]
    first = _write(tmp_path / "a.csv", "A", truth, truth)
    second = _write(tmp_path / "b.csv", "B", truth[:2], truth)
    result = subprocess.run([sys.executable, str(SCRIPT), first, "--vs", second], capture_output=True, text=True)
    assert result.returncode != 0 and "do not hold the same questions" in result.stderr and "'q2'" in result.stderr


def test_runs_pair_with_their_own_run_and_a_question_twice_is_refused(tmp_path):
    truth = [YES, NO, YES, NO]
    both = _write(tmp_path / "a.csv", "A", [YES, YES, NO, NO], truth, runs=(1, 2))
    d = paired_diff.paired_difference(paired_diff.matched([both], [both]), resamples=10)
    assert (d["n"], d["accuracy"], d["accuracy_se"]) == (8, 0, 0)
    twice = _write(tmp_path / "b.csv", "B", truth, truth, order=[0, 1, 1, 3])
    result = subprocess.run([sys.executable, str(SCRIPT), twice, "--vs", twice], capture_output=True, text=True)
    assert result.returncode != 0 and "question 'q1' twice in run 1" in result.stderr


def test_files_without_any_scored_answer_are_refused(tmp_path):
    path = tmp_path / "open.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerow(ResultRow("A", "g0", "When?", None, None, cat.START, "10:00", None, sample_id="q0").cells())
    result = subprocess.run([sys.executable, str(SCRIPT), str(path), "--vs", str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "no question has is_correct on both sides" in result.stderr
