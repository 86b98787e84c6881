"""Reports: JSON shape, markdown labelling, PNG, and `tsqa report` / `tsqa eval` end to end."""

import json

import pytest
from PIL import Image

from tsqa.eval.report import build_report
from tsqa.eval.results_writer import ResultsWriter
from tsqa.cli import main

CATEGORY_OPTIONS = {
    "Anomaly Presence": ["Yes", "No"],
    "Anomaly Categorization": ["Level Shift", "Transient Spike", "No Anomaly"],
    "Anomaly Correlation": ["Yes, correlated", "No, not correlated", "No, no anomaly in either time-series"],
}


def _write(path, model, make_row, right_every):
    rows = []
    index = 0
    for category, options in CATEGORY_OPTIONS.items():
        for k in range(6):
            correct = options[k % len(options)]
            answer = correct if index % right_every == 0 else options[(k + 1) % len(options)]
            row = make_row(category, options, correct, answer, model=model, key=f"{index}_0")
            row.sample_id = f"{index}_0#{index}"
            rows.append(row)
            index += 1
    with ResultsWriter(path, model) as writer:
        for row in rows:
            writer.append(row)
    return rows


def test_report_json_shape_markdown_and_plot(tmp_path, make_row):
    _write(tmp_path / "a.csv", "model-a", make_row, right_every=1)
    _write(tmp_path / "b.csv", "model-b", make_row, right_every=2)
    _write(tmp_path / "h.csv", "expert", make_row, right_every=3)
    code = main(
        [
            "report", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--human", str(tmp_path / "h.csv"),
            "--json", str(tmp_path / "out" / "r.json"), "--plot", str(tmp_path / "out" / "r.png"),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads((tmp_path / "out" / "r.json").read_text())
    assert set(data["models"]) == {"model-a", "model-b", "expert"}
    a = data["models"]["model-a"]
    assert a["n"] == 18
    assert a["accuracy"] == {
        "overall": 100.0,
        "tier": {"Tier 1": 100.0, "Tier 2": 100.0, "Tier 3": 100.0},
        "category": dict.fromkeys(CATEGORY_OPTIONS, 100.0),
    }
    assert a["f1"]["overall"] == 100.0 and set(a["f1"]["tier"]) == {"Tier 1", "Tier 2", "Tier 3"}
    assert a["invalid"] == dict.fromkeys(CATEGORY_OPTIONS, 0)
    assert data["models"]["model-b"]["accuracy"]["overall"] == 50.0
    assert set(data["oracles"]) == {"model-a+expert", "model-b+expert"}
    oracle_b = data["oracles"]["model-b+expert"]
    assert oracle_b["accuracy"]["overall"] == pytest.approx(100 * 12 / 18)  # right on even or multiple-of-3 rows
    assert set(oracle_b["f1"]) == {"overall", "tier", "category"}
    assert set(data["baselines"]) == {"random", "most-frequent"}
    with Image.open(tmp_path / "out" / "r.png") as image:
        assert image.format == "PNG" and image.size[0] > 500


def test_markdown_separates_models_baselines_oracles_and_published(tmp_path, make_row, capsys):
    _write(tmp_path / "a.csv", "model-a", make_row, right_every=2)
    _write(tmp_path / "h.csv", "expert", make_row, right_every=3)
    assert main(["report", str(tmp_path / "a.csv"), "--human", str(tmp_path / "h.csv")]) == 0
    text = capsys.readouterr().out
    sections = [line for line in text.splitlines() if line.startswith("### ")]
    assert [s.split(" (")[0] for s in sections] == [
        "### Models", "### Human answers", "### Baselines", "### Model-expert oracles", "### Published figures",
        "### Per category",
    ]  # fmt: skip
    assert "| model-a | 18 | 50.0 |" in text
    assert "| GPT-5 (published) | 62.7 | 51.9 |" in text
    assert "| Random choice (published) | 24.5 | – |" in text


def test_report_refuses_duplicate_models_and_missing_files(tmp_path, make_row, capsys):
    _write(tmp_path / "a.csv", "model-a", make_row, right_every=1)
    with pytest.raises(ValueError, match="also appears"):
        build_report([tmp_path / "a.csv", tmp_path / "a.csv"])
    assert main(["report", str(tmp_path / "missing.csv")]) == 1
    assert "missing.csv" in capsys.readouterr().err


def test_tsqa_eval_with_baselines_end_to_end(tmp_path, make_sample, monkeypatch, capsys):
    from tsqa import arfbench
    options = ["Level Shift", "Transient Spike", "No Anomaly"]
    samples = [make_sample(i, "Anomaly Categorization", options) for i in range(12)]
    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: samples, raising=False)
    out = tmp_path / "freq.csv"
    assert main(["eval", "--model", "frequent", "--data", str(tmp_path), "--out", str(out), "--no-progress"]) == 0
    random_run = ["eval", "--model", "random", "--data", str(tmp_path), "--out", str(tmp_path / "rnd.csv")]
    assert main([*random_run, "--limit", "5", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "most-frequent: 12 rows written" in printed and "random: 5 rows written" in printed
    assert main(["report", str(out), str(tmp_path / "rnd.csv"), "--json", str(tmp_path / "r.json")]) == 0
    data = json.loads((tmp_path / "r.json").read_text())
    # samples answer options[i % 3]: each class is correct 4 times, the tie goes to the first class name
    assert data["models"]["most-frequent"]["accuracy"]["overall"] == pytest.approx(100 / 3)
    assert data["models"]["random"]["n"] == 5
    # resuming a finished run asks nothing more
    assert main(["eval", "--model", "frequent", "--data", str(tmp_path), "--out", str(out), "--no-progress"]) == 0
    assert "0 rows written" in capsys.readouterr().out


def test_tsqa_eval_refuses_rows_of_another_dataset_or_of_an_edited_question(tmp_path, make_sample, monkeypatch,
                                                                            capsys):
    import dataclasses

    from tsqa import arfbench
    options = ["Level Shift", "Transient Spike", "No Anomaly"]
    samples = [make_sample(i, "Anomaly Categorization", options) for i in range(6)]
    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: samples, raising=False)
    out = tmp_path / "rnd.csv"
    run = ["eval", "--model", "random", "--data", str(tmp_path), "--out", str(out), "--no-progress"]
    assert main(run) == 0
    assert main([*run, "--limit", "2"]) == 0  # a part of the same dataset resumes the file
    capsys.readouterr()
    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: samples[:4], raising=False)
    assert main(run) == 1
    assert "row 5 (sample_id '4_0#4') is not a question of this dataset" in capsys.readouterr().err
    edited = [*samples[:3], dataclasses.replace(samples[3], question="Which kind, really?"), *samples[4:]]
    monkeypatch.setattr(arfbench, "load_dataset", lambda directory: edited, raising=False)
    assert main(run) == 1
    assert "row 4 (sample_id '3_0#3') answers a different question" in capsys.readouterr().err


def _unescaped_pipes(line: str) -> int:
    """Cell borders of a markdown table row: `|` not escaped by a backslash (itself not escaped)."""
    count, escaped = 0, False
    for char in line:
        count += char == "|" and not escaped
        escaped = char == "\\" and not escaped
    return count


def test_names_are_literal_text_in_the_markdown_and_the_plot(tmp_path, make_row, capsys):
    """A model's name from a results file can hold HTML, a `|`, a link or matplotlib math: none of it acts."""
    hostile = "<img src=x onerror=alert(1)>|[click](javascript:alert(1))\\|$\\frac{a$"
    _write(tmp_path / "a.csv", hostile, make_row, right_every=2)
    assert main(["report", str(tmp_path / "a.csv"), "--plot", str(tmp_path / "r.png")]) == 0
    text = capsys.readouterr().out
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    row = next(line for line in text.splitlines() if "onerror" in line and "| 18 |" in line)
    assert _unescaped_pipes(row) == 11  # ten cells, as in every row of that table: the name's `|` did not split it
    assert "\\[click\\](javascript:alert(1))" in row and "\\\\\\|" in row
    header = next(line for line in text.splitlines() if line.startswith("| Category |"))
    assert _unescaped_pipes(header) == 5  # Category, the model, random, most-frequent
    with Image.open(tmp_path / "r.png") as image:
        assert image.format == "PNG"
