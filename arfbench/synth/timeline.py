"""Time grids with real-looking dates, and candidate steps spaced far enough apart to be told apart on a plot."""

import time

import numpy as np

from tsqa.arfbench.options import TIMESTAMP_FORMAT
from tsqa.arfbench.synth.profile import DEFAULT, Profile

FIRST_START = 1704067200  # 2024-01-01 00:00:00 UTC
LAST_START = 1767139200  # 2025-12-31 00:00:00 UTC


def random_grid(rng: np.random.Generator, profile: Profile = DEFAULT) -> tuple[np.ndarray, int]:
    """(timestamps, interval): the profile's lengths (default: a few hundred to a couple of thousand steps),
    starting on a multiple of the interval."""
    intervals = [interval for interval, _ in profile.intervals]
    interval = int(rng.choice(intervals, p=[weight for _, weight in profile.intervals]))
    steps = int(np.exp(rng.uniform(np.log(profile.min_steps), np.log(profile.max_steps))))
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
