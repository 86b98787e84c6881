"""Channel names as observability tag sets (`service:checkout,dc:us1`), and the query caption built from them."""

import numpy as np

from tsqa.arfbench.synth.profile import DEFAULT, Profile

ENVS = ("prod", "staging")


def _pod(rng: np.random.Generator, service: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    suffix = "".join(rng.choice(list(alphabet), size=5))
    return f"{service}-{int(rng.integers(0x10000, 0xFFFFF)):x}-{suffix}"


def _values(rng: np.random.Generator, key: str, count: int, service: str, profile: Profile) -> list[str]:
    vocabulary = {"service": profile.services, "dc": profile.datacenters, "topic": profile.topics}.get(key)
    if vocabulary is not None:
        return list(rng.choice(vocabulary, size=min(count, len(vocabulary)), replace=False))
    if key == "pod_name":
        return [_pod(rng, service) for _ in range(count)]
    if key == "host":
        return [f"i-0{int(rng.integers(16**11, 16**12)):012x}" for _ in range(count)]
    return [str(int(v)) for v in rng.choice(np.arange(1, 400), size=count, replace=False)]


def channel_names(
    rng: np.random.Generator, tag_keys: tuple[str, ...], count: int, profile: Profile = DEFAULT
) -> tuple[list[str], list[str]]:
    """(sorted distinct channel names, the tag keys used, as written). One key, or two when one key has too few
    values. Values and key spellings come from the profile."""
    service = str(rng.choice(profile.services))
    keys = [str(rng.choice(tag_keys))]
    first = _values(rng, keys[0], count, service, profile)
    name = profile.key(keys[0])
    if len(first) >= count:
        return sorted(f"{name}:{v}" for v in first), [name]
    for second_key in (k for k in ("dc", "service", "pod_name") if k != keys[0]):  # pods: as many as needed
        pairs = [(a, b) for a in first for b in _values(rng, second_key, count, service, profile)]
        if len(pairs) >= count:
            break
    second = profile.key(second_key)
    picked = rng.choice(len(pairs), size=count, replace=False)
    return sorted(f"{name}:{pairs[i][0]},{second}:{pairs[i][1]}" for i in picked), [name, second]


def caption(aggregation: str, metric: str, env: str, keys: list[str]) -> str:
    """A dashboard query naming what the series shows, e.g. `avg:system.cpu.user{env:prod} by {host}`."""
    return f"{aggregation}:{metric}{{env:{env}}} by {{{','.join(keys)}}}"
