"""Run by test_kill_resume.py in a subprocess: a slow fake answerer over 40 questions into argv[1]."""

import sys
import time

import numpy as np

from tsqa.arfbench import Sample, Series
from tsqa.arfbench import Answer
from tsqa.eval.runner import run_answerer


class SlowAnswerer:
    name = "slow-fake"

    def answer(self, samples):
        time.sleep(float(sys.argv[2]))
        return [
            Answer(text=s.options[0], choice=s.options[0], probabilities={o: 1 / len(s.options) for o in s.options})
            for s in samples
        ]


series = Series("q", ["host:a"], np.arange(3), np.zeros((3, 1)), 60)
options = ["Level Shift", "Transient Spike", "Change in Trend", "No Anomaly"]
samples = [
    Sample(f"{i}_0#{i}", f"{i}_0", "Anomaly Categorization", f"What kind, {i}?", options, options[i % 4], [series])
    for i in range(40)
]
run_answerer(SlowAnswerer(), samples, sys.argv[1], batch_size=2, concurrency=2, seed=3, progress=False)
