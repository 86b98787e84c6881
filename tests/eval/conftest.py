"""Small builders for the eval tests: samples and results rows made in memory, no dataset on disk. The local fake
OpenAI-compatible server (`serve`, `completion`) is shared from tests/conftest.py."""

import numpy as np
import pytest

from tsqa.arfbench import Sample, Series
from tsqa.eval.results import ResultRow


def _sample(index: int, category: str = "Anomaly Presence", options=None, answer=None, images=()) -> Sample:
    options = list(options or ["Yes, there is an anomaly", "No, there is no anomaly"])
    series = Series(f"{index}_0", ["host:a"], np.arange(4) * 60, np.zeros((4, 1)), 60)
    return Sample(
        id=f"{index}_0#{index}",
        query_group=f"{index}_0",
        category=category,
        question=f"Question {index}?\nTime-series: caption {index}",
        options=options,
        answer=answer if answer is not None else options[index % len(options)],
        series=[series],
        images=list(images),
    )


def _row(category: str, options, correct: str | None, answer: str | None, *, run=1, model="m", key=None) -> ResultRow:
    import json

    return ResultRow(
        model=model,
        query_group=key or f"{category}|{correct}|{answer}",
        question="q",
        options=options if isinstance(options, str) or options is None else json.dumps(options),
        correct_answer=correct,
        task_category=category,
        model_answer=answer,
        is_correct=float(answer is not None and answer == correct),
        run=run,
    )


@pytest.fixture
def make_sample():
    return _sample


@pytest.fixture
def make_row():
    return _row
