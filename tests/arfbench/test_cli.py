import json

from tsqa.cli import main


def test_validate_summarises_a_good_dataset(published, capsys):
    assert main(["validate", str(published)]) == 0
    out = capsys.readouterr().out
    assert "4 questions (3 labelled)" in out and "Anomaly Start: 1" in out
    assert "4 series" not in out and "3 series; channels per series min 1" in out
    assert "intervals: 60s x 3" in out


def test_validate_lists_problems_and_fails(published, capsys):
    (published / "arfbench-ts-data" / "200_3_60.parquet").unlink()
    assert main(["validate", str(published)]) == 1
    out = capsys.readouterr().out
    assert "arfbench-ts-data/200_3_{interval}.parquet: row 2: parquet: no time-series file for series '200_3'" in out
    assert main(["validate", str(published), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["rows"] == 4
    assert payload["problems"] == [{"file": "arfbench-ts-data/200_3_{interval}.parquet", "row": 2, "field": "parquet",
                                    "message": "no time-series file for series '200_3'"}]  # fmt: skip
    assert payload["summary"]["questions"] == 3


def test_validate_without_a_dataset_is_a_clean_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    assert "tsqa validate: error:" in capsys.readouterr().err


def test_synth_end_to_end_then_validate(tmp_path, capsys):
    out = tmp_path / "synthetic"
    assert main(["synth", "--out", str(out), "--n", "16", "--seed", "5"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 16 questions" in printed and "Anomaly Indicator: 2 questions" in printed
    images = [p.name for p in (out / "arfbench-images").iterdir()]
    assert len(images) == 20 + 4 and sum("_0-" in name for name in images) == 4  # 20 series, 4 pairs combined
    assert len(list((out / "arfbench-ts-data").glob("*.parquet"))) == 2 * 20  # 20 series, native + one coarser
    assert main(["validate", str(out), "--require-images"]) == 0
    assert "16 questions (16 labelled)" in capsys.readouterr().out
    assert main(["synth", "--out", str(out), "--n", "4", "--no-images"]) == 1  # refuses to overwrite
    assert "exists" in capsys.readouterr().err
