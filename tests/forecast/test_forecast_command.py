"""`tsqa forecast` on a metric file: the table, CSV and JSON outputs and the plot; refusals as one line."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from tsqa.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_json_csv_and_plot(metric_csv, tiny_toto_dir, tmp_path, capsys):
    out, plot = tmp_path / "out" / "f.csv", tmp_path / "f.png"
    code = main(["forecast", "--series", str(metric_csv), "--horizon", "12", "--model", str(tiny_toto_dir),
                 "--out", str(out), "--plot", str(plot), "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["horizon"] == 12 and payload["csv"] == str(out) and payload["plot"] == str(plot)
    assert [c["channel"] for c in payload["channels"]] == ["cpu:web-1", "mem:web-1"]
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24
    cpu = [r for r in rows if r["channel"] == "cpu:web-1"]
    np.testing.assert_allclose([float(r["median"]) for r in cpu], payload["channels"][0]["median"])
    assert all(float(r["low"]) <= float(r["median"]) <= float(r["high"]) for r in rows)
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width == 900


def test_text_output_and_default_paths(metric_csv, tiny_toto_dir, capsys):
    assert main(["forecast", "--series", str(metric_csv), "--horizon", "3", "--model", str(tiny_toto_dir)]) == 0
    text = capsys.readouterr().out
    assert "metrics: 3 steps from 2023-11-14T23:49:20" in text and "cpu:web-1:" in text
    assert (metric_csv.parent / "metrics.forecast.csv").is_file()
    assert (metric_csv.parent / "metrics.forecast.png").is_file()


@pytest.mark.parametrize("args, message", [
    (["--horizon", "0"], "--horizon: expected a positive number of steps, got 0"),
    (["--horizon", "4", "--model", "/nonexistent/toto"], "not a Toto 2.0 checkpoint directory"),
])
def test_refusals_are_one_line(metric_csv, tiny_toto_dir, capsys, args, message):
    assert main(["forecast", "--series", str(metric_csv), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_too_short_a_file_is_refused(tmp_path, tiny_toto_dir, capsys):
    path = tmp_path / "short.csv"
    path.write_text("timestamp,cpu\n" + "".join(f"{1700000000 + 60 * i},{i}\n" for i in range(5)))
    assert main(["forecast", "--series", str(path), "--horizon", "4", "--model", str(tiny_toto_dir)]) == 1
    assert "history: 5 steps is too short" in capsys.readouterr().err


def test_the_bundled_small_toto_is_the_default(metric_csv, tmp_path, capsys):
    from toto2 import Toto2Model

    from tsqa.forecasting import BUNDLED_TOTO

    model = Toto2Model.from_pretrained(str(BUNDLED_TOTO))
    assert 1_000_000 <= sum(p.numel() for p in model.parameters()) <= 4_000_000
    assert main(["forecast", "--series", str(metric_csv), "--horizon", "16", "--out", str(tmp_path / "f.csv"),
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    cpu = np.array(payload["channels"][0]["median"])
    assert np.all((cpu > 70) & (cpu < 130))  # the history waves between 90 and 110
