"""Normal behaviour of observability metrics: levels, daily and weekly seasonality, shared movement, heavy tails.

Everything here is the no-anomaly baseline; anomalies are added on top (`anomalies.py`), so the generator can hand
both back and a test can see exactly where the anomaly is.
"""

from dataclasses import dataclass

import numpy as np

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class MetricFamily:
    name: str
    metrics: tuple[str, ...]
    aggregation: str  # how the dashboard query aggregates: avg, sum, max
    unit: str
    level: tuple[float, float]  # channel levels, drawn log-uniformly
    seasonal: tuple[float, float]  # daily amplitude relative to the level
    noise: tuple[float, float]  # noise standard deviation relative to the level
    tail_df: float  # Student-t degrees of freedom of the noise (small = heavy tails)
    tag_keys: tuple[str, ...]
    percent: bool = False  # bounded to [0, 100]


FAMILIES: tuple[MetricFamily, ...] = (
    MetricFamily("utilisation", ("system.cpu.user", "kubernetes.cpu.usage.pct", "system.mem.pct_usable"), "avg", "%",
                 (8, 45), (0.1, 0.35), (0.02, 0.07), 5, ("host", "pod_name"), percent=True),
    MetricFamily("request_rate", ("trace.http.request.hits", "nginx.net.request_per_s", "aws.elb.request_count"),
                 "sum", "req/s", (20, 4000), (0.25, 0.6), (0.02, 0.06), 6, ("service", "dc")),
    MetricFamily("error_rate", ("trace.http.request.errors", "aws.elb.httpcode_backend_5xx"), "sum", "err/s",
                 (0.5, 30), (0.1, 0.4), (0.06, 0.15), 3, ("service", "dc")),
    MetricFamily("latency", ("trace.http.request.duration.by.service.99p", "trace.grpc.server.duration.95p"), "max",
                 "ms", (20, 900), (0.05, 0.2), (0.03, 0.1), 3, ("service", "dc")),
    MetricFamily("queue_depth", ("kafka.consumer_lag", "rabbitmq.queue.messages", "aws.sqs.messages_visible"), "avg",
                 "messages", (5, 3000), (0.1, 0.5), (0.04, 0.12), 4, ("topic", "dc")),
    MetricFamily("count", ("kubernetes.pods.running", "docker.containers.running", "system.processes.count"), "sum",
                 "count", (4, 200), (0.0, 0.1), (0.01, 0.03), 8, ("service", "dc")),
)  # fmt: skip
PERCENT_CEILING = 85.0  # percent metrics keep level x (1 + seasonality + anomaly) below this


@dataclass
class Baseline:
    values: np.ndarray  # (time, channels) the metric without anomaly
    levels: np.ndarray  # (channels,) normal level of each channel, the reference for relative magnitudes
    noise: np.ndarray  # (channels,) relative noise standard deviation
    floor: float  # smallest value the metric takes (0 for counts and rates)
    ceiling: float  # largest (100 for percentages)


def _log_uniform(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


def _daily_shape(timestamps: np.ndarray, peak_hour: float) -> np.ndarray:
    """Busy around `peak_hour` (UTC), quiet at night; about -1..1."""
    hours = (timestamps % SECONDS_PER_DAY) / 3600.0
    phase = 2 * np.pi * (hours - peak_hour) / 24.0
    return 0.8 * np.cos(phase) + 0.2 * np.cos(2 * phase)


def _weekend(timestamps: np.ndarray) -> np.ndarray:
    weekday = (timestamps // SECONDS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return (weekday >= 5).astype(np.float64)


def _shared_factor(rng: np.random.Generator, steps: int) -> np.ndarray:
    """A smooth unit-variance process all channels of a series partly follow, so they move together."""
    width = int(rng.integers(5, 30))
    kernel = np.exp(-np.arange(4 * width) / width)
    smooth = np.convolve(rng.standard_normal(steps + len(kernel)), kernel, mode="valid")[:steps]
    return (smooth - smooth.mean()) / (smooth.std() + 1e-12)


def make_baseline(
    rng: np.random.Generator, family: MetricFamily, timestamps: np.ndarray, channels: int, max_rise: float = 0.0
) -> Baseline:
    """max_rise: the largest relative rise an anomaly will add; percent metrics pick levels that leave room for it."""
    steps = len(timestamps)
    seasonal = rng.uniform(*family.seasonal, size=channels)
    low, high = family.level
    if family.percent:
        high = min(high, PERCENT_CEILING / (1 + max_rise) / (1 + seasonal.max() + family.noise[1] * 4))
        low = min(low, high / 2)
    levels = _log_uniform(rng, low, high, channels)
    noise = rng.uniform(*family.noise, size=channels)
    peak_hour = rng.uniform(13, 20)  # afternoon in Europe to evening in the US, in UTC
    daily = _daily_shape(timestamps, peak_hour)[:, None] + rng.normal(0, 0.03, size=channels)
    weekend_drop = rng.uniform(0.0, 0.3) * _weekend(timestamps)[:, None]
    loading = rng.uniform(0.3, 0.9, size=channels)
    shared = _shared_factor(rng, steps)[:, None]
    tail = rng.standard_t(family.tail_df, size=(steps, channels)) / np.sqrt(family.tail_df / (family.tail_df - 2))
    jitter = loading * shared + np.sqrt(1 - loading**2) * tail
    relative = 1 + seasonal * daily - weekend_drop * seasonal + noise * jitter
    values = levels * relative
    floor, ceiling = (0.0, 100.0) if family.percent else (0.0, np.inf)
    values = np.clip(values, levels * 0.02, ceiling - 0.5 if family.percent else np.inf)
    return Baseline(values=values, levels=levels, noise=noise, floor=floor, ceiling=ceiling)
