"""`tsqa ask` end to end on a tiny checkpoint: text and JSON output, plots, bad files."""

import json

import numpy as np
import pandas as pd
import pytest

from tsqa.cli import main
from tsqa.commands.ask import probability_bars

OPTIONS = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]


@pytest.fixture(scope="module")
def incident_csv(tmp_path_factory) -> str:
    steps = 120
    values = 50 + 5 * np.sin(np.arange(steps) / 6.0)
    values[70:] += 40  # a level shift
    frame = pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(steps), "cpu:web-0": values,
                          "cpu:web-1": values[::-1]})
    path = tmp_path_factory.mktemp("ask") / "incident.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_json_answer_is_one_of_the_options(tiny_checkpoint, incident_csv, tmp_path, capsys):
    plot = tmp_path / "plot.png"
    code = main(["ask", "--model", str(tiny_checkpoint), "--series", incident_csv, "--question",
                 "Is there an anomaly in the time-series?", "--options", *OPTIONS, "--plot", str(plot), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answer"] in OPTIONS
    assert set(result["probabilities"]) == set(OPTIONS)
    assert sum(result["probabilities"].values()) == pytest.approx(1.0)
    assert result["plot"] == str(plot) and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["shown_channels"] == [["cpu:web-0", "cpu:web-1"]]


def test_text_output_shows_bars_and_the_plot(tiny_checkpoint, incident_csv, tmp_path, capsys):
    plot = tmp_path / "plot.png"
    main(["ask", "--model", str(tiny_checkpoint), "--series", incident_csv, "--series", incident_csv,
          "--question", "Are the anomalies correlated?", "--options", "Yes", "No", "Maybe", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert out.startswith("Answer: ") and f"Plot: {plot}" in out
    assert sum(line.startswith("* ") for line in out.splitlines()) == 1


def test_probability_bars_are_sorted_and_scaled():
    lines = probability_bars({"a": 0.25, "bb": 0.75}, "bb")
    assert lines[0].startswith("* bb") and lines[0].count("#") == 22 and "75.0%" in lines[0]
    assert lines[1].startswith("  a ") and lines[1].count("#") == 8


def test_bad_files_are_named(tiny_checkpoint, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,cpu\n0,1\n60,oops\n")
    assert main(["ask", "--model", str(tiny_checkpoint), "--series", str(bad), "--question", "Q?"]) == 1
    assert "bad.csv: column 'cpu', row 1: 'oops' is not a number" in capsys.readouterr().err
    assert main(["ask", "--model", str(tiny_checkpoint), "--series", str(tmp_path / "none.csv"),
                 "--question", "Q?"]) == 1
    assert "none.csv: no such file" in capsys.readouterr().err
