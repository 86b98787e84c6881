"""A series larger than the available memory can answer is refused with the reason, before its grid is allocated."""

import numpy as np
import pandas as pd
import pytest

from tsqa.api.model import TSQA
from tsqa.arfbench.exports import SeriesTooLarge, SizeLimits, limits, load_series
from tsqa.arfbench.exports.limits import ANSWER_BYTES_PER_CELL, ANSWER_RESERVE


def _csv(path, steps: int, channels: int):
    frame = pd.DataFrame(np.ones((steps, channels)), columns=[f"host:{c}" for c in range(channels)])
    frame.insert(0, "timestamp", 1_700_000_000 + 60 * np.arange(steps))
    frame.to_csv(path, index=False)
    return path


def test_the_cell_limit_follows_the_available_memory(tmp_path):
    small = SizeLimits.answerable(available=ANSWER_RESERVE + 1000 * ANSWER_BYTES_PER_CELL)
    assert small.max_cells == 1000 and small.memory == ANSWER_RESERVE + 1000 * ANSWER_BYTES_PER_CELL
    assert load_series(_csv(tmp_path / "fits.csv", 100, 10), limits=small).values.shape == (100, 10)
    with pytest.raises(SeriesTooLarge) as refused:
        load_series(_csv(tmp_path / "wide.csv", 100, 11), limits=small)
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'wide.csv'}: 100 steps x 11 channels needs about 1.0 GiB of memory")
    assert "1.0 GiB is available: at most 1,000 cells (steps x channels) fit" in message and "\n" not in message
    assert SizeLimits.answerable(available=2**50) == SizeLimits()  # plenty: the fixed limits


def test_ask_refuses_before_any_model_work(tmp_path, monkeypatch):
    class Memory:
        available = ANSWER_RESERVE + 500 * ANSWER_BYTES_PER_CELL

    monkeypatch.setattr(limits.psutil, "virtual_memory", lambda: Memory())
    with pytest.raises(SeriesTooLarge, match="50 steps x 20 channels needs about"):
        TSQA(answerer=None).ask(_csv(tmp_path / "wide.csv", 50, 20), "Is there an anomaly?")
