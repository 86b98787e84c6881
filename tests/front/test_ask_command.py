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


def test_the_answer_comes_without_progress_bars(tiny_checkpoint, incident_csv, tmp_path, capsys):
    main(["ask", "--model", str(tiny_checkpoint), "--series", incident_csv, "--question",
          "Is there an anomaly in the time-series?", "--options", *OPTIONS, "--plot", str(tmp_path / "p.png")])
    out, err = capsys.readouterr()
    assert err == ""  # no "Loading weights" bar (loading local weights is quick)
    assert [line.split(" ")[0] for line in out.splitlines()] == ["Answer:", "*", "", "Plot:"]


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


def _strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


@pytest.fixture(scope="module")
def tiny_tsqa(tiny_checkpoint):
    from tsqa.api.model import TSQA

    return TSQA.from_pretrained(tiny_checkpoint)


@pytest.mark.parametrize("rows", [1, 4, 5])  # one patch of the tiny Toto (patch size 4), then two
def test_series_of_a_few_rows_are_answered(tiny_tsqa, rows, tmp_path):
    frame = pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(rows), "cpu": np.arange(rows, dtype=float)})
    result = tiny_tsqa.ask(frame, "Is there an anomaly in the time-series?", OPTIONS, plot=tmp_path / "p.png")
    assert result.answer in OPTIONS and result.answer == max(result.probabilities, key=result.probabilities.get)
    assert sum(result.probabilities.values()) == pytest.approx(1.0)


def test_huge_spikes_after_a_flat_stretch_give_finite_probabilities_in_standard_json(tiny_checkpoint, tmp_path,
                                                                                     capsys):
    values = np.zeros(64)
    values[40] = 1e28
    path = tmp_path / "spike.csv"
    pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(64), "cpu": values}).to_csv(path, index=False)
    code = main(["ask", "--model", str(tiny_checkpoint), "--series", str(path), "--question", "Anomaly?",
                 "--options", *OPTIONS, "--plot", str(tmp_path / "p.png"), "--json"])
    assert code == 0
    result = _strict_json(capsys.readouterr().out)
    assert sum(result["probabilities"].values()) == pytest.approx(1.0) and result["answer"] in OPTIONS


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("timestamp,cpu\n1700000000000,1\n1700000060000,2\n",
         "one.csv: column 'timestamp', row 0: 1700000000000 is not a unix time in seconds between 1900 and 2200; it "
         "looks like unix milliseconds (2023-11-14 22:13:20 UTC): divide the timestamps by 1000"),
        ("timestamp,cpu\n1700000000,1\n", None),
    ],
)
def test_one_line_errors_or_answers_for_careless_files(tiny_checkpoint, tmp_path, rows, message, capsys):
    path = tmp_path / "one.csv"
    path.write_text(rows)
    code = main(["ask", "--model", str(tiny_checkpoint), "--series", str(path), "--question", "Anomaly?",
                 "--options", *OPTIONS, "--plot", str(tmp_path / "p.png")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if message is None:
        assert code == 0 and captured.out.startswith("Answer: ")
    else:
        last = captured.err.splitlines()[-1]
        assert code == 1 and last == f"tsqa ask: error: {path}: {message.removeprefix('one.csv: ')}"


@pytest.fixture(scope="module")
def jittered_csv(tmp_path_factory) -> str:
    """A real export's habits: stamps a few seconds late, a repeated row, newest first."""
    steps = 60
    stamps = 1_700_000_100 + 60 * np.arange(steps) + np.where(np.arange(steps) % 4 == 1, 9, 0)
    frame = pd.DataFrame({"timestamp": stamps, "cpu": 50 + np.arange(steps, dtype=float)})
    frame = frame.iloc[sorted([*range(steps), 10])].iloc[::-1]
    path = tmp_path_factory.mktemp("ask") / "export.csv"
    frame.to_csv(path, index=False)
    return str(path)


EXPECTED_REPAIRS = ["the 61 rows ran newest first: read oldest first",
                    "15 stamps moved by up to 9 s onto the 60 s grid",
                    "1 repeated stamp averaged (the mean of the values on one step)"]


def test_repairs_are_reported_in_json_and_text(tiny_checkpoint, jittered_csv, tmp_path, capsys):
    common = ["ask", "--model", str(tiny_checkpoint), "--series", jittered_csv, "--question", "Is there an anomaly?",
              "--options", *OPTIONS, "--plot", str(tmp_path / "p.png")]
    assert main([*common, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["repairs"] == [EXPECTED_REPAIRS]
    assert main(common) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Repaired {jittered_csv}:\n") and all(f"  {line}\n" in out for line in EXPECTED_REPAIRS)
    assert main([*common, "--strict"]) == 1
    assert "export.csv: row 59: timestamp 1700000169 is 9 s off the 60s grid the other rows follow (--strict " \
           "refuses repairs)" in capsys.readouterr().err


def test_the_api_reports_repairs_and_takes_strict_and_interval(tiny_tsqa, jittered_csv, tmp_path):
    answer = tiny_tsqa.ask(jittered_csv, "Is there an anomaly?", OPTIONS, plot=tmp_path / "p.png", interval=300)
    resampled = "60 stamps resampled from the file's 60 s step onto the 300 s grid asked for (the mean of each step)"
    assert answer.repairs == [[*EXPECTED_REPAIRS[:2], resampled]]  # the repeat is one more value in a 5-min mean
    assert answer.to_json()["repairs"] == answer.repairs
