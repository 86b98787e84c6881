"""A run killed with SIGKILL mid-way and started again ends with exactly the rows of an uninterrupted run."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tsqa.eval.results import read_results

SCRIPT = Path(__file__).with_name("kill_resume_script.py")


def _run(out: Path, delay: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), str(out), delay], stderr=subprocess.PIPE)


def _comparable(path: Path) -> list:
    return [dataclasses.replace(row, latency_s=None) for row in read_results(path)]


def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path):
    reference = tmp_path / "uninterrupted.csv"
    assert _run(reference, "0").wait(timeout=60) == 0

    killed = tmp_path / "killed.csv"
    process = _run(killed, "0.05")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not killed.exists() or killed.read_bytes().count(b"\n") < 8):
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    partial = len(read_results(killed))
    assert 7 <= partial < 40  # stopped part-way

    assert _run(killed, "0").wait(timeout=60) == 0
    rows = _comparable(killed)
    assert len(rows) == 40
    assert len({row.sample_id for row in rows}) == 40
    assert rows == _comparable(reference)
