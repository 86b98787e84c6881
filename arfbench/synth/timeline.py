"""Time grids with real-looking dates, and candidate steps spaced far enough apart to be told apart on a plot."""

import time

import numpy as np

from tsqa.arfbench.options import TIMESTAMP_FORMAT

INTERVAL_WEIGHTS = {10: 0.10, 60: 0.35, 300: 0.30, 1800: 0.10, 3600: 0.15}
FIRST_START = 1704067200  # 2024-01-01 00:00:00 UTC
LAST_START = 1767139200  # 2025-12-31 00:00:00 UTC
MIN_STEPS, MAX_STEPS = 240, 2000


def random_grid(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(timestamps, interval): a few hundred to a couple of thousand steps, starting on a multiple of the interval."""
    intervals = list(INTERVAL_WEIGHTS)
    interval = int(rng.choice(intervals, p=list(INTERVAL_WEIGHTS.values())))
    steps = int(np.exp(rng.uniform(np.log(MIN_STEPS), np.log(MAX_STEPS))))
    start = int(rng.integers(FIRST_START, LAST_START)) // interval * interval
    return start + np.arange(steps, dtype=np.int64) * interval, interval


def format_timestamp(epoch: int) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC, as the options write times."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(int(epoch)))


def spaced_steps(rng: np.random.Generator, low: int, high: int, count: int, gap: int) -> np.ndarray:
    """`count` sorted steps in [low, high], any two at least `gap` apart, uniformly over such sets' gaps."""
    room = high - low - (count - 1) * gap
    if room < 0:
        raise ValueError(f"cannot space {count} steps {gap} apart in [{low}, {high}]")
    offsets = np.sort(rng.integers(0, room + 1, size=count))
    return low + offsets + np.arange(count) * gap


def option_gap(steps: int) -> int:
    """Minimum distance between two timestamp options: far enough that the right one is clear on the plot."""
    return max(3, steps // 15)
