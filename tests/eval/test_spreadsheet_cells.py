"""Cells a spreadsheet would run as formulas (issue 24, 8): written with a leading apostrophe in results CSVs and in
the questions `tsqa label questions` writes, read back as the original text, numbers untouched, metrics unchanged."""

import csv
import dataclasses
import json

import pytest

from tsqa.arfbench import generate, load_dataset
from tsqa.arfbench.cells import original_cell, safe_cell
from tsqa.arfbench.writer import write_dataset
from tsqa.eval.metrics import score_model
from tsqa.eval.results import read_results
from tsqa.eval.results_writer import ResultsWriter

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1+1", "\r=1+1", "=HYPERLINK(\"http://x\")",
            "-", "+", "@", "-5 %", "--5"]
KEPT = ["-5", "+3.5", "-1e3", "-.5", "12", "plain", "", "[\"=x\"]", "{\"a\": \"=b\"}", "a=b", " =1", "'quoted'"]
QUOTED = ["'=1+1", "''-2", "'@x", "'", "''"]


def _runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r") and safe_cell(cell) != cell


@pytest.mark.parametrize("text", FORMULAS + KEPT + QUOTED)
def test_a_cell_reads_back_as_the_original_text(text):
    cell = safe_cell(text)
    assert original_cell(cell) == text
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or text in KEPT  # only plain numbers start so


def test_formulas_get_an_apostrophe_and_everything_else_is_left_alone():
    assert [safe_cell(t) for t in FORMULAS] == ["'" + t for t in FORMULAS]
    assert [safe_cell(t) for t in KEPT] == KEPT
    assert [safe_cell(t) for t in QUOTED[:3]] == ["'" + t for t in QUOTED[:3]]
    assert safe_cell("'") == "'" and original_cell("'plain") == "'plain"


def _hostile_rows(make_row) -> list:
    cases = [  # (options, correct, answer): numbers as options must still score
        (["-5", "0", "+5"], "-5", "-5"),
        (["-5", "0", "+5"], "+5", "0"),
        (["=1+1", "@SUM(1)", "No"], "=1+1", "=1+1"),
        (["=1+1", "@SUM(1)", "No"], "@SUM(1)", "No"),
        (["Yes", "No"], "Yes", None),
    ]
    rows = []
    for index, (options, correct, answer) in enumerate(cases):
        row = make_row("Anomaly Presence", options, correct, answer, model="=HYPERLINK(\"http://evil\")",
                       key=f"{index}_0")
        rows.append(dataclasses.replace(row, sample_id=f"{index}_0#{index}", question="=cmd|' /C calc'!A0",
                                        reasoning="-2+3", raw_response="@SUM(A1)"))
    return rows


def test_results_files_are_spreadsheet_safe_and_score_the_same_read_back(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _hostile_rows(make_row)
    with ResultsWriter(path, rows[0].model) as writer:
        for row in rows:
            writer.append(row)
    with open(path, newline="", encoding="utf-8") as file:
        cells = [cell for record in csv.reader(file) for cell in record]
    assert not [cell for cell in cells if _runs_as_formula(cell)]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "-5" in cells  # a number stays a number
    back = read_results(path)
    assert back == rows
    assert score_model(back, 0).to_json() == score_model(rows, 0).to_json()
    assert score_model(back, 0).to_json()["accuracy"]["overall"] == pytest.approx(40.0)  # 2 of 5 right
    with ResultsWriter(path, rows[0].model) as writer:  # resuming reads the model and ids back as written
        assert writer.answered == {r.sample_id for r in rows}
        assert writer.recorded["2_0#2"].question == rows[2].question
        assert writer.recorded["2_0#2"].correct_answer == "=1+1"


def test_label_questions_output_is_spreadsheet_safe_and_loads_as_written(tmp_path):
    sample = generate(1, seed=4)[0]
    options = ["-5", "+cmd", *(f"@SUM({i})" for i in range(len(sample.options) - 2))]  # as many as the category asks
    hostile = dataclasses.replace(sample, question="=HYPERLINK(\"http://evil\",\"click\")", options=options,
                                  answer="+cmd")
    csv_path = write_dataset([hostile], tmp_path / "out", images=False)
    with open(csv_path, newline="", encoding="utf-8") as file:
        record = next(row for row in csv.DictReader(file))
    assert record["question"] == "'" + hostile.question and record["correct_answer"] == "'+cmd"
    assert json.loads(record["options_str"]) == hostile.options  # inside JSON, behind "[": never a formula
    loaded = load_dataset(tmp_path / "out")[0]
    assert (loaded.question, loaded.options, loaded.answer) == (hostile.question, hostile.options, hostile.answer)
