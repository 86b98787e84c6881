"""Exponential backoff with jitter, capped: how long to wait before retrying a failed request."""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 6  # further attempts after the first
    base_delay: float = 1.0  # seconds before the first retry (before jitter)
    max_delay: float = 60.0  # cap on any single wait

    def __post_init__(self) -> None:
        if self.retries < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"retry settings must be >= 0, got {self}")

    def delay(self, attempt: int, rng: random.Random, server_hint: float | None = None) -> float:
        """Wait before retry number `attempt` (0-based): base x 2^attempt, jittered to 50-100%, at least the
        server's Retry-After hint, never more than `max_delay`."""
        wait = min(self.max_delay, self.base_delay * 2**attempt) * rng.uniform(0.5, 1.0)
        if server_hint is not None:
            wait = max(wait, server_hint)
        return min(wait, self.max_delay)
