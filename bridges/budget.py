"""The token budget per question, and what happens when a question's channels do not fit.

Policy, in order: (1) every channel gets `tokens_per_channel` temporal tokens if they all fit; (2) otherwise K is
lowered to the largest value that fits all channels, but not below `min_tokens_per_channel`; (3) if even that does
not fit, K stays at the minimum and only as many channels are shown as fit: first the most surprising channel of
each series (so every series of a pair is embedded), then the remaining channels by decreasing max surprise. Without
surprise scores (plot-only prompts, where the encoder is not run) channels are kept in order of appearance.
Shown channels keep their original order in the prompt; the others are named in a note.

A wide series is not encoded whole: work and memory follow what the budget can keep. When a series has more
channels than `encode_limit` (twice the channels the budget can show, at least `MIN_ENCODED`), only that many are
encoded: the channels the question or its options name, then those `arfbench.channel_rank` scores highest (robust
statistics of the raw values, no model). The policy above then ranks those by surprise; the rest are hidden.
"""

from dataclasses import asdict, dataclass

import numpy as np


MIN_ENCODED = 64  # a series with at most this many channels is always encoded whole


@dataclass
class ChannelPlan:
    """Which channels of one series the prompt shows."""

    shown: list[int]  # channel indices, ascending
    hidden: list[int]  # channel indices left out, ascending


@dataclass
class TokenPlan:
    """The policy's outcome for one question; returned with its answer."""

    tokens_per_channel: int  # K actually used (0 when the prompt carries no time-series tokens)
    series: list[ChannelPlan]

    @property
    def total_tokens(self) -> int:
        return self.tokens_per_channel * sum(len(plan.shown) for plan in self.series)

    def to_dict(self) -> dict:
        return asdict(self)


def plan_tokens(
    channel_counts: list[int],
    max_surprise: list[np.ndarray] | None,
    tokens_per_channel: int,
    min_tokens_per_channel: int,
    max_tokens: int,
) -> TokenPlan:
    """Apply the policy to one question's series; `max_surprise[s]` is (channels,) for series s, or None."""
    if not channel_counts or min(channel_counts) < 1:
        raise ValueError(f"every series needs at least one channel, got channel counts {channel_counts}")
    if max_tokens < min_tokens_per_channel * len(channel_counts):
        raise ValueError(
            f"a budget of {max_tokens} tokens cannot show one channel of each of {len(channel_counts)} series "
            f"at {min_tokens_per_channel} tokens per channel"
        )
    total = sum(channel_counts)
    tokens = min(tokens_per_channel, max_tokens // total)
    if tokens >= min_tokens_per_channel:
        return TokenPlan(tokens, [ChannelPlan(list(range(count)), []) for count in channel_counts])
    slots = max_tokens // min_tokens_per_channel
    ranking = _ranking(channel_counts, max_surprise)
    chosen = {(series, order[0]) for series, order in enumerate(ranking)}
    rest = sorted(
        ((series, channel) for series, order in enumerate(ranking) for channel in order[1:]),
        key=lambda key: _rank_key(key, max_surprise),
    )
    chosen.update(rest[: slots - len(chosen)])
    plans = [
        ChannelPlan(
            shown=[c for c in range(count) if (s, c) in chosen],
            hidden=[c for c in range(count) if (s, c) not in chosen],
        )
        for s, count in enumerate(channel_counts)
    ]
    return TokenPlan(min_tokens_per_channel, plans)


def _ranking(channel_counts: list[int], max_surprise: list[np.ndarray] | None) -> list[list[int]]:
    """Per series, channel indices from most to least surprising (ties and no scores: order of appearance)."""
    return [
        sorted(range(count), key=lambda c, s=s: _rank_key((s, c), max_surprise))
        for s, count in enumerate(channel_counts)
    ]


def _rank_key(key: tuple[int, int], max_surprise: list[np.ndarray] | None) -> tuple[float, int, int]:
    """Sort key: higher surprise first, then series, then channel order."""
    series, channel = key
    score = 0.0 if max_surprise is None else float(max_surprise[series][channel])
    return (-score, series, channel)


def encode_limit(min_tokens_per_channel: int, max_tokens: int) -> int:
    """How many channels of one series are encoded: twice what the budget can show, at least `MIN_ENCODED`."""
    return max(MIN_ENCODED, 2 * (max_tokens // max(1, min_tokens_per_channel)))


def encoded_channels(values: np.ndarray, named: set[int], limit: int) -> list[int] | None:
    """Which channels of one series (values (steps, channels)) to encode: None for all when they are at most
    `limit`; else, ascending, the `named` ones and the highest-scoring others up to `limit` in all."""
    channels = values.shape[1]
    if channels <= limit:
        return None
    from tsqa.arfbench.channel_rank import channel_scores  # wide series only

    scores = channel_scores(values)
    scores[sorted(named)] = np.inf  # named channels first, whatever their score
    order = np.argsort(-scores, kind="stable")
    return sorted(order[: max(limit, len(named))].tolist())


def widen(plan: TokenPlan, kept: list[list[int] | None], channel_counts: list[int]) -> TokenPlan:
    """A plan over the encoded channels of each series (`kept[s]`, None for all) as a plan over all channels: the
    channels that were not encoded are hidden."""
    series = []
    for part, channels, count in zip(plan.series, kept, channel_counts):
        if channels is None:
            series.append(part)
            continue
        shown = sorted(channels[c] for c in part.shown)
        series.append(ChannelPlan(shown, sorted(set(range(count)) - set(shown))))
    return TokenPlan(plan.tokens_per_channel, series)


def plan_listing(channel_counts: list[int], max_listed: int) -> TokenPlan:
    """Plot-only prompts carry no tokens but name channels: the first ones of each series, an equal share each."""
    share = max(1, max_listed // max(1, len(channel_counts)))
    return TokenPlan(
        0, [ChannelPlan(list(range(min(count, share))), list(range(share, count))) for count in channel_counts]
    )
