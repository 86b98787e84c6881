"""The adapter: temporal-token features of each channel -> vectors in the language model's input embedding space."""

from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch
from torch import nn

from tsqa.bridges.config import AdapterConfig
from tsqa.bridges.features import encoder_feature_mask, feature_dim

TOKEN_KINDS = 4  # a temporal token, or a grounding token of a time, a channel or a series (`bridges.grounding.Kind`)


@dataclass
class TimeSeriesPayload:
    """The adapter's input for every time-series token of a batch, in prompt order (row-major over the batch)."""

    features: torch.Tensor  # (tokens, feature_dim) float32; the pooled-embedding part is 0 where `empty`
    empty: torch.Tensor  # (tokens,) bool: the channel has no observation in the token's span
    channel: torch.Tensor  # (tokens,) long: index of the channel among its series' shown channels
    series: torch.Tensor  # (tokens,) long: 0 for the first series of the question, 1 for the second
    kind: torch.Tensor  # (tokens,) long: a temporal token (0) or what a grounding token grounds (`grounding.Kind`)

    def __len__(self) -> int:
        return self.features.shape[0]

    def to(self, device: "str | torch.device") -> "TimeSeriesPayload":
        return TimeSeriesPayload(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @classmethod
    def cat(cls, payloads: Sequence["TimeSeriesPayload"]) -> "TimeSeriesPayload":
        return cls(**{f.name: torch.cat([getattr(p, f.name) for p in payloads]) for f in fields(cls)})


class TimeSeriesAdapter(nn.Module):
    """Features (+ channel and series identity) -> MLP -> unit RMS x a learned gate (initialised to the RMS of the
    LM's embedding rows), so the tokens enter the LM at the scale of its own input embeddings.

    Also owns the vectors of the block-marker tokens, so the base model's embedding matrix never needs to train.
    """

    def __init__(self, config: AdapterConfig, num_markers: int = 2):
        super().__init__()
        if config.encoder_dim < 1 or config.lm_width < 1:
            raise ValueError(f"adapter widths unknown (encoder_dim {config.encoder_dim}, lm_width {config.lm_width})")
        self.config = config
        self.empty = nn.Parameter(torch.zeros(config.encoder_dim))  # pooled embedding of a span with no data
        kept = encoder_feature_mask(config.encoder_dim, config.fourier_frequencies, config.inputs)
        self.register_buffer("kept", kept, persistent=False)  # (feature_dim,) the `inputs` ablation; all 1 by default
        self.input = nn.Linear(feature_dim(config.encoder_dim, config.fourier_frequencies), config.hidden_dim)
        self.channel_ids = nn.Embedding(config.max_channel_ids, config.hidden_dim)
        self.series_ids = nn.Embedding(config.max_series, config.hidden_dim)
        self.kinds = nn.Embedding(TOKEN_KINDS, config.hidden_dim)  # temporal token, or what a grounding token names
        self.output = nn.Sequential(
            nn.GELU(), nn.Dropout(config.dropout), nn.Linear(config.hidden_dim, config.lm_width)
        )
        self.markers = nn.Parameter(torch.randn(num_markers, config.lm_width))
        self.gate = nn.Parameter(torch.tensor(float(config.embedding_rms)))
        nn.init.normal_(self.channel_ids.weight, std=0.02)
        nn.init.normal_(self.series_ids.weight, std=0.02)
        nn.init.normal_(self.kinds.weight, std=0.02)

    def forward(self, payload: TimeSeriesPayload) -> torch.Tensor:
        """-> (tokens, lm_width), one vector per time-series token."""
        dim, features = self.config.encoder_dim, payload.features
        pooled = torch.where(payload.empty[:, None], self.empty.to(features.dtype), features[:, :dim])
        x = torch.cat([pooled, features[:, dim:]], dim=-1) * self.kept.to(features.dtype)
        hidden = (
            self.input(x)
            + self.channel_ids(payload.channel % self.config.max_channel_ids)
            + self.series_ids(payload.series)
            + self.kinds(payload.kind)
        )  # (tokens, hidden_dim)
        return self._to_embedding_scale(self.output(hidden))

    def marker_vectors(self) -> torch.Tensor:
        """(markers, lm_width) the learned embeddings of the block-marker tokens."""
        return self._to_embedding_scale(self.markers)

    def _to_embedding_scale(self, x: torch.Tensor) -> torch.Tensor:
        rms = x.pow(2).mean(dim=-1, keepdim=True).add(1e-6).sqrt()
        return x / rms * self.gate
