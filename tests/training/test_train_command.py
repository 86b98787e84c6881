"""`tsqa train` argument and input errors end with a one-line message and exit code 1."""

import json

import pytest

from tsqa.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--recipe", "nope", "--synthetic", "5"], "no recipe named 'nope'"),
        (["--recipe", "tiny", "--synthetic", "0"], "--synthetic needs a positive number"),
        (["--recipe", "tiny", "--data", "/does/not/exist"], "/does/not/exist"),
        (["--recipe", "tiny", "--synthetic", "5", "--set", "model.modality=pictures"], "modality must be one of"),
        (["--recipe", "tiny", "--synthetic", "5", "--set", "stages.9.epochs=1"], "expected an index below 2"),
    ],
)
def test_errors_are_reported(argv, message, tmp_path, capsys):
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tsqa train: error: ") and message in err


def test_resume_with_another_recipe_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "recipe.json").write_text(json.dumps({"name": "tiny", "seed": 99}))
    assert main(["train", "--recipe", "tiny", "--synthetic", "20", "--out", str(out), "--resume"]) == 1
    assert "started with different settings (differs in" in capsys.readouterr().err
