"""Generator settings that shape a dataset without changing what a question asks: sampling intervals, series
lengths, channel counts and the vocabulary of channel names.

`default` is what `tsqa synth` always wrote. `shifted` moves every one of those settings away from it (intervals
ARFBench never uses, shorter and longer series, fewer and more channels, other tag keys and values), to measure
how a method fitted or trained on default data holds up on data it did not see: `tsqa synth --profile shifted`.
`real` has the real questions' shape (short windows, many channels) and the texture of recorded metrics
(`texture.py`): flat, quantised and missing channels.
"""

from dataclasses import dataclass, replace

from tsqa.arfbench.synth.texture import Texture


@dataclass(frozen=True)
class Profile:
    name: str
    intervals: tuple[tuple[int, float], ...]  # (seconds between steps, probability)
    min_steps: int  # series lengths are drawn log-uniformly in [min_steps, max_steps)
    max_steps: int
    channel_counts: tuple[int, ...]  # channels of a series, drawn with `channel_weights`; Identification needs >= 4
    channel_weights: tuple[float, ...]
    services: tuple[str, ...]  # tag values
    datacenters: tuple[str, ...]
    topics: tuple[str, ...]
    key_names: tuple[tuple[str, str], ...] = ()  # tag keys written otherwise, e.g. ("dc", "region")
    texture: Texture | None = None  # flat, quantised and missing points as recorded metrics have them

    def __post_init__(self) -> None:
        if len(self.channel_counts) != len(self.channel_weights) or max(self.channel_counts) < 4:
            raise ValueError(f"profile {self.name}: one weight per channel count, and some count of 4 or more")
        if not 0 < self.min_steps < self.max_steps:
            raise ValueError(f"profile {self.name}: need 0 < min_steps < max_steps")

    def key(self, key: str) -> str:
        """How a tag key is written in channel names and captions."""
        return dict(self.key_names).get(key, key)


DEFAULT = Profile(
    name="default",
    intervals=((10, 0.10), (60, 0.35), (300, 0.30), (1800, 0.10), (3600, 0.15)),
    min_steps=240,
    max_steps=2000,
    channel_counts=(1, 2, 3, 4, 5, 6, 8),
    channel_weights=(0.15, 0.15, 0.2, 0.2, 0.12, 0.1, 0.08),
    services=(
        "checkout", "cart", "payments", "search", "auth", "frontend", "inventory", "shipping", "catalog", "billing",
        "notifications", "recommendations", "gateway", "ledger", "profile",
    ),  # fmt: skip
    datacenters=("us1", "us3", "us5", "eu1", "ap1"),
    topics=("orders", "payments-events", "clicks", "audit-log", "email-outbox", "inventory-updates"),
)

SHIFTED = Profile(
    name="shifted",
    intervals=((30, 0.25), (120, 0.25), (900, 0.25), (7200, 0.25)),
    min_steps=120,
    max_steps=4000,
    channel_counts=(2, 3, 10, 12, 16),
    channel_weights=(0.2, 0.2, 0.25, 0.2, 0.15),
    services=(
        "orders-api", "billing-worker", "search-indexer", "image-resizer", "session-store", "fraud-scorer",
        "email-sender", "geo-router", "ledger-sync", "cdn-edge", "token-issuer", "quote-engine",
    ),  # fmt: skip
    datacenters=("us-east-1", "eu-west-2", "ap-south-1", "sa-east-1", "ca-central-1"),
    topics=("clickstream", "ledger-events", "audit-trail", "order-events", "telemetry", "dead-letter"),
    key_names=(("dc", "region"), ("service", "app"), ("host", "instance"), ("pod_name", "pod"), ("topic", "queue")),
)

# The shape and texture of the real questions (Nezha, InterFusion, JumpStarter; eval/README.md): windows of 120-320
# steps at 1 or 5 minutes, 16 to 38 channels; about a quarter of channels never move (mostly at zero), many take
# only a few dozen values, a few percent of points missing.
REAL = replace(DEFAULT, name="real",
               intervals=((60, 0.6), (300, 0.4)),
               min_steps=100,
               max_steps=330,
               channel_counts=(4, 8, 16, 19, 38),
               channel_weights=(0.1, 0.15, 0.3, 0.25, 0.2),
               texture=Texture(flat=0.25, flat_zero=0.7, quantised=0.5, levels=(8, 40), missing=0.03))

PROFILES: dict[str, Profile] = {p.name: p for p in (DEFAULT, SHIFTED, REAL)}

