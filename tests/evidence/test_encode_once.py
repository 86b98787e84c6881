"""A question asked with evidence reads each series file once and runs it through Toto once: the band the evidence
needs and the encoding the model needs come from one forward pass (the model's encoding cache)."""

import json

import numpy as np
import pandas as pd

from tsqa.cli import main
from tsqa.encoders.toto import TotoEncoder

OPTIONS = ["Yes, there is an anomaly in the time-series", "No, there is no anomaly in the time-series"]


def _csv(path, seed: int):
    steps = 96
    values = 20 + np.random.default_rng(seed).normal(size=steps)
    values[50:60] += 30
    pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(steps), "cpu:web-0": values}).to_csv(path, index=False)
    return path


def test_ask_with_evidence_loads_and_encodes_each_series_once(tiny_checkpoint, tmp_path, capsys, monkeypatch):
    files = [_csv(tmp_path / "a.csv", 0), _csv(tmp_path / "b.csv", 1)]
    reads, passes = [], []
    read_csv, forward = pd.read_csv, TotoEncoder._forward
    monkeypatch.setattr(pd, "read_csv", lambda path, *a, **kw: reads.append(str(path)) or read_csv(path, *a, **kw))
    monkeypatch.setattr(TotoEncoder, "_forward",
                        lambda self, grid: passes.append(grid.values.shape) or forward(self, grid))
    argv = ["ask", "--model", str(tiny_checkpoint), "--series", str(files[0]), "--series", str(files[1]),
            "--question", "Are both anomalous?", "--options", *OPTIONS, "--json"]

    assert main([*argv, "--evidence"]) == 0
    with_evidence = json.loads(capsys.readouterr().out)
    assert sorted(reads) == sorted(map(str, files))  # each file read once
    assert len(passes) == 2 and all(shape[0] == 1 for shape in passes)  # one pass per series, band and encoding
    assert "Time-series 2" in with_evidence["evidence"] and "band" in with_evidence["evidence"]

    reads.clear(), passes.clear()
    assert main(argv) == 0
    assert len(reads) == 2 and len(passes) == 1  # without evidence: both series encoded in one batched pass
    assert "evidence" not in json.loads(capsys.readouterr().out)
