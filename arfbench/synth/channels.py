"""Channel names as observability tag sets (`service:checkout,dc:us1`), and the query caption built from them."""

import numpy as np

SERVICES = (
    "checkout", "cart", "payments", "search", "auth", "frontend", "inventory", "shipping", "catalog", "billing",
    "notifications", "recommendations", "gateway", "ledger", "profile",
)  # fmt: skip
DATACENTERS = ("us1", "us3", "us5", "eu1", "ap1")
ENVS = ("prod", "staging")
TOPICS = ("orders", "payments-events", "clicks", "audit-log", "email-outbox", "inventory-updates")


def _pod(rng: np.random.Generator, service: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    suffix = "".join(rng.choice(list(alphabet), size=5))
    return f"{service}-{int(rng.integers(0x10000, 0xFFFFF)):x}-{suffix}"


def _values(rng: np.random.Generator, key: str, count: int, service: str) -> list[str]:
    if key == "service":
        return list(rng.choice(SERVICES, size=min(count, len(SERVICES)), replace=False))
    if key == "dc":
        return list(rng.choice(DATACENTERS, size=min(count, len(DATACENTERS)), replace=False))
    if key == "topic":
        return list(rng.choice(TOPICS, size=min(count, len(TOPICS)), replace=False))
    if key == "pod_name":
        return [_pod(rng, service) for _ in range(count)]
    if key == "host":
        return [f"i-0{int(rng.integers(16**11, 16**12)):012x}" for _ in range(count)]
    return [str(int(v)) for v in rng.choice(np.arange(1, 400), size=count, replace=False)]


def channel_names(rng: np.random.Generator, tag_keys: tuple[str, ...], count: int) -> tuple[list[str], list[str]]:
    """(sorted distinct channel names, the tag keys used). One key, or two when one key has too few values."""
    service = str(rng.choice(SERVICES))
    keys = [str(rng.choice(tag_keys))]
    first = _values(rng, keys[0], count, service)
    if len(first) >= count:
        return sorted(f"{keys[0]}:{v}" for v in first), keys
    second_key = next(k for k in ("dc", "service", "pod_name") if k != keys[0])
    keys.append(second_key)
    pairs = [(a, b) for a in first for b in _values(rng, second_key, count, service)]
    picked = rng.choice(len(pairs), size=count, replace=False)
    return sorted(f"{keys[0]}:{pairs[i][0]},{second_key}:{pairs[i][1]}" for i in picked), keys


def caption(aggregation: str, metric: str, env: str, keys: list[str]) -> str:
    """A dashboard query naming what the series shows, e.g. `avg:system.cpu.user{env:prod} by {host}`."""
    return f"{aggregation}:{metric}{{env:{env}}} by {{{','.join(keys)}}}"
