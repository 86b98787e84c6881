"""Grounding: names in the prompt that point at data carry the signal of the data they name.

A timestamp (in the question or an option), a channel name (in the series blocks, the question or an option) and a
series label ("Time-series 1", "time-series 2") are each followed by one grounding token: a time-series placeholder
whose vector the adapter computes from the same kind of features, with the same time, channel and series encodings,
as the series tokens. So an option "2024-03-01 10:15:00" carries what the series looks like at that instant (the
raw values' change there, the encoder's surprise, its position in the series), "pod:7" carries what channel pod:7
shows and its channel identity, and "time-series 2" carries the second series' most anomalous window, its time and
its series identity: the model matches a name to the data by attention and reads it, instead of reading digits.

Grounding tokens are inputs, never predictions: option scoring and the answer loss skip them (`HybridModel`).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import torch

from tsqa.arfbench import Sample, Series
from tsqa.bridges.hybrid import TimeSeriesPayload
from tsqa.bridges.budget import TokenPlan
from tsqa.bridges.features import (
    SeriesTokens,
    channel_max_surprise,
    series_tokens,
    span_tokens,
    temporal_spans,
    time_window_tokens,
)
from tsqa.bridges.config import TS_TOKEN
from tsqa.encoders import EncoderOutput

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
SERIES_LABEL = re.compile(r"\b[Tt]ime-series ([12])\b")
_NAME_EDGE = r"[\w:.\-/]"  # characters that continue a tag-set name: a match must not sit inside a longer word


class Kind(IntEnum):
    """What a time-series token stands for (the adapter learns one vector per kind)."""

    SERIES_TOKEN = 0  # a temporal token of a channel
    TIME = 1  # grounds a timestamp
    CHANNEL = 2  # grounds a channel name
    SERIES = 3  # grounds a series label


@dataclass(frozen=True)
class Anchor:
    kind: Kind
    series: int  # index of the series in the question
    channel: int = 0  # channel index in the series (CHANNEL)
    epoch: int = 0  # unix seconds (TIME)


class Grounder:
    """Finds the names of one question's data in its text and computes the grounding tokens' features."""

    def __init__(
        self, sample: Sample, outputs: list[EncoderOutput], z: list[np.ndarray], plan: TokenPlan, frequencies: int
    ):
        """z: per series, the robust z-scores (steps, channels) of its raw values (`robust_z`)."""
        self.sample, self.outputs, self.z, self.plan, self.frequencies = sample, outputs, z, plan, frequencies
        self._features: dict[Anchor, tuple[torch.Tensor, bool, int]] = {}
        self._channel_tokens: dict[int, SeriesTokens] = {}
        names = {}
        for index, series in enumerate(sample.series):
            for channel, name in enumerate(series.channels):
                names.setdefault(name, (index, channel))  # a name in both series of a pair grounds to the first
        self._channels = names
        self._channel_pattern = channel_pattern(names)

    def ground(self, text: str) -> tuple[str, list[Anchor]]:
        """The text with a grounding token after each timestamp, channel name and series label; the anchors in
        order of appearance."""
        found: list[tuple[int, int, Anchor]] = []  # (start, end, anchor)
        for match in TIMESTAMP.finditer(text):
            found.append((match.start(), match.end(), self._time_anchor(match.group())))
        for match in SERIES_LABEL.finditer(text):
            series = int(match.group(1)) - 1
            if series < len(self.sample.series):
                found.append((match.start(), match.end(), Anchor(Kind.SERIES, series)))
        if self._channel_pattern is not None:
            for match in self._channel_pattern.finditer(text):
                series, channel = self._channels[match.group()]
                found.append((match.start(), match.end(), Anchor(Kind.CHANNEL, series, channel)))
        kept, last_end = [], -1
        for start, end, anchor in sorted(found, key=lambda item: (item[0], -item[1])):
            if start >= last_end:  # overlapping names: the first and longest wins
                kept.append((end, anchor))
                last_end = end
        pieces, previous = [], 0
        for end, _ in kept:
            pieces.append(text[previous:end] + TS_TOKEN)
            previous = end
        return "".join(pieces) + text[previous:], [anchor for _, anchor in kept]

    def payload(self, anchors: list[Anchor]) -> TimeSeriesPayload:
        """The grounding tokens' adapter inputs, in the order given."""
        rows = [self._row(anchor) for anchor in anchors]
        return TimeSeriesPayload(
            features=torch.stack([features for features, _, _ in rows]),
            empty=torch.tensor([empty for _, empty, _ in rows]),
            channel=torch.tensor([channel for _, _, channel in rows]),
            series=torch.tensor([anchor.series for anchor in anchors]),
            kind=torch.tensor([int(anchor.kind) for anchor in anchors]),
        )

    def _time_anchor(self, text: str) -> Anchor:
        """A timestamp grounds to the series whose span holds it (the first one otherwise)."""
        epoch = int(np.datetime64(text.replace(" ", "T"), "s").astype(np.int64))
        holding = [i for i, s in enumerate(self.sample.series) if s.timestamps[0] <= epoch <= s.timestamps[-1]]
        return Anchor(Kind.TIME, holding[0] if holding else 0, epoch=epoch)

    def _row(self, anchor: Anchor) -> tuple[torch.Tensor, bool, int]:
        """(features (feature_dim,), empty, channel id) of one anchor, computed once per question."""
        if anchor not in self._features:
            self._features[anchor] = self._compute(anchor)
        return self._features[anchor]

    def _compute(self, anchor: Anchor) -> tuple[torch.Tensor, bool, int]:
        series, output, z = self.sample.series[anchor.series], self.outputs[anchor.series], self.z[anchor.series]
        if anchor.kind == Kind.TIME:
            tokens, channel = time_window_tokens(output, z, series.timestamps, anchor.epoch, self.frequencies)
            return tokens.features[channel, 0], bool(tokens.empty[channel, 0]), self._channel_id(anchor.series, channel)
        if anchor.kind == Kind.CHANNEL:
            tokens = self._whole_channels(anchor.series)
            features, empty = tokens.features[anchor.channel, 0], bool(tokens.empty[anchor.channel, 0])
            return features, empty, self._channel_id(anchor.series, anchor.channel)
        shown = self.plan.series[anchor.series].shown or list(range(len(series.channels)))
        surprise = channel_max_surprise(output)
        top = max(shown, key=lambda c: surprise[c])
        membership, spans = _anomalous_window(output, top)
        tokens = span_tokens(output, z, [top], membership, spans, self.frequencies)
        return tokens.features[0, 0], bool(tokens.empty[0, 0]), self._channel_id(anchor.series, top)

    def _whole_channels(self, series: int) -> SeriesTokens:
        """One token over the whole series for each of its channels, computed in one call the first time a channel
        of that series is named."""
        if series not in self._channel_tokens:
            z = self.z[series]
            channels = list(range(z.shape[1]))
            self._channel_tokens[series] = series_tokens(self.outputs[series], z, channels, 1, self.frequencies)
        return self._channel_tokens[series]

    def _channel_id(self, series: int, channel: int) -> int:
        """The channel identity the series tokens use: its index among the shown channels (hidden ones after)."""
        plan = self.plan.series[series]
        ordered = plan.shown + plan.hidden
        return ordered.index(channel) if channel in ordered else channel


def channel_pattern(names: Iterable[str]) -> "re.Pattern | None":
    """Matches any of `names` where it is not part of a longer tag-set name, the longest first; None without any."""
    longest_first = sorted(dict.fromkeys(names), key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in longest_first if name.strip())
    return re.compile(rf"(?<!{_NAME_EDGE})(?:{alternatives})(?!{_NAME_EDGE})") if alternatives else None


def named_channels(series: Series, texts: Iterable[str]) -> set[int]:
    """The channels of `series` whose names a grounder finds in `texts` (the first channel of a repeated name)."""
    pattern = channel_pattern(series.channels)
    if pattern is None:
        return set()
    first: dict[str, int] = {}
    for channel, name in enumerate(series.channels):
        first.setdefault(name, channel)
    return {first[match.group()] for text in texts for match in pattern.finditer(text)}


def _anomalous_window(output: EncoderOutput, channel: int) -> tuple[torch.Tensor, np.ndarray]:
    """One span: the patches of `channel` from the first to the last whose surprise is at least half its peak (the
    whole observed range when nothing is surprising). Returns membership (1, patches) and span_steps (1, 2)."""
    surprise = torch.where(output.patch_mask[0, channel], output.surprise[0, channel], 0).float()  # (patches,)
    peak = float(surprise.max())
    if peak <= 0:
        return temporal_spans(output, 1)
    hot = (surprise >= peak / 2).nonzero().flatten()
    first, last = int(hot[0]), int(hot[-1])
    patch = torch.arange(output.num_patches)
    membership = ((patch >= first) & (patch <= last))[None]
    spans = output.patch_spans()
    return membership, np.array([[spans[first, 0], spans[last, 1]]], dtype=np.int64)
