"""Time grids with real-looking dates, and candidate steps spaced far enough apart to be told apart on a plot."""

import numpy as np

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


def can_space(low: int, high: int, count: int, gap: int, pin: tuple[int, int] | None = None) -> bool:
    """Whether `spaced_steps` can place `count` steps (with the same `pin`)."""
    if pin is not None:
        rank, step = pin
        return can_space(low, step - gap, rank, gap) and can_space(step + gap, high, count - rank - 1, gap)
    return count == 0 or high - low - (count - 1) * gap >= 0


def spaced_steps(
    rng: np.random.Generator, low: int, high: int, count: int, gap: int, pin: tuple[int, int] | None = None
) -> np.ndarray:
    """`count` sorted steps in [low, high], any two at least `gap` apart, uniformly over such sets' gaps.

    pin=(rank, step): the rank-th step is `step` (a known anomaly's onset or end, which may lie outside [low, high]);
    the others are drawn before and after it with the same spacing.
    """
    if pin is not None:
        if not can_space(low, high, count, gap, pin):
            rank, step = pin
            raise ValueError(f"cannot space {count} steps {gap} apart in [{low}, {high}] with number {rank} at {step}")
        rank, step = pin
        before = spaced_steps(rng, low, step - gap, rank, gap) if rank else np.zeros(0, dtype=np.int64)
        later = count - rank - 1
        after = spaced_steps(rng, step + gap, high, later, gap) if later else np.zeros(0, dtype=np.int64)
        return np.concatenate([before, [step], after]).astype(np.int64)
    room = high - low - (count - 1) * gap
    if room < 0:
        raise ValueError(f"cannot space {count} steps {gap} apart in [{low}, {high}]")
    offsets = np.sort(rng.integers(0, room + 1, size=count))
    return low + offsets + np.arange(count) * gap


def option_gap(steps: int) -> int:
    """Minimum distance between two timestamp options: far enough that the right one is clear on the plot."""
    return max(3, steps // 15)
