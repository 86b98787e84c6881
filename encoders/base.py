"""The encoder interface every time-series encoder implements: values in, per-patch embeddings out."""

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import torch

from tsqa.encoders.inputs import to_float_array


@dataclass
class EncoderOutput:
    """Per-patch features of a batch of multivariate series.

    Time runs over the encoder's grid: the input, aggregated into buckets of `bucket_size` steps when it was longer
    than the context, then left-padded with `left_pad` unobserved grid steps to a multiple of `patch_size`.
    Buckets are aligned to the end of the series, so the first bucket may lack `bucket_offset` input steps.
    """

    embeddings: torch.Tensor  # (batch, channels, patches, d_model)
    patch_mask: torch.Tensor  # (batch, channels, patches) bool: the patch holds at least one observation
    loc: torch.Tensor  # (batch, channels, patches) the causal scaler's mean at the end of each patch
    scale: torch.Tensor  # (batch, channels, patches) the causal scaler's std at the end of each patch
    surprise: torch.Tensor  # (batch, channels, patches) 0 inside the predicted 10-90% band, larger further outside
    patch_size: int
    bucket_size: int  # input steps per grid step (1 when the series fit the context)
    left_pad: int  # unobserved grid steps added on the left
    time_length: int  # input steps before bucketing and padding
    bucket_offset: int = 0  # input steps missing from the first bucket (0 when bucket_size is 1)

    @property
    def num_patches(self) -> int:
        return self.embeddings.shape[-2]

    @property
    def batch_size(self) -> int:
        return self.embeddings.shape[0]

    def patch_spans(self) -> np.ndarray:
        """(patches, 2) int64: [start, end) of each patch in input steps, clipped to [0, time_length)."""
        starts = np.arange(self.num_patches) * self.patch_size - self.left_pad
        spans = np.stack([starts, starts + self.patch_size], axis=1) * self.bucket_size - self.bucket_offset
        return np.clip(spans, 0, self.time_length).astype(np.int64)

    @classmethod
    def tensor_names(cls) -> tuple[str, ...]:
        """The fields that hold per-patch tensors (the rest describe the grid)."""
        return tuple(f.name for f in fields(cls) if f.type is torch.Tensor)

    def unbatch(self) -> list["EncoderOutput"]:
        """One output per batch entry, each with batch size 1 (views, no copies)."""
        return [
            replace(self, **{name: getattr(self, name)[i : i + 1] for name in self.tensor_names()})
            for i in range(self.batch_size)
        ]

    def clone(self) -> "EncoderOutput":
        """A copy with its own storage (a view from `unbatch` would keep the whole batch alive)."""
        return replace(self, **{name: getattr(self, name).clone() for name in self.tensor_names()})

    def to(self, device: "str | torch.device") -> "EncoderOutput":
        return replace(self, **{name: getattr(self, name).to(device) for name in self.tensor_names()})

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.tensor_names())

    def unpadded(self, channels: int, time_length: int) -> "EncoderOutput":
        """The output of the first `channels` channels and last `time_length` input steps, as encoding them alone
        gives: extra channels and the leading patches that hold only left padding are dropped (batch size 1)."""
        first, left_pad = 0, self.left_pad
        if time_length != self.time_length:
            if self.bucket_size != 1:
                raise ValueError("a bucketed series cannot be unpadded in time")
            left_pad = -time_length % self.patch_size
            first = self.num_patches - (time_length + left_pad) // self.patch_size
        tensors = {name: getattr(self, name)[:, :channels, first:] for name in self.tensor_names()}
        return replace(self, **tensors, left_pad=left_pad, time_length=time_length)

    @classmethod
    def cat(cls, outputs: Sequence["EncoderOutput"]) -> "EncoderOutput":
        """Concatenate along the batch; every output must share the grid (patch size, buckets, padding, length)."""
        if not outputs:
            raise ValueError("EncoderOutput.cat needs at least one output")
        first = outputs[0]
        for other in outputs[1:]:
            if other.grid() != first.grid():
                raise ValueError(f"cannot concatenate outputs on different grids: {first.grid()} vs {other.grid()}")
        return replace(first, **{name: torch.cat([getattr(o, name) for o in outputs]) for name in cls.tensor_names()})

    def grid(self) -> dict[str, int]:
        """The fields that map patches to input steps."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.type is int}


class Encoder(ABC):
    """A frozen time-series encoder. `identity` names the weights, for caches.

    `max_context` is the longest grid (in steps) the encoder sees; longer series are bucketed, so it is part of what
    an output depends on. `device` is where outputs live.
    """

    patch_size: int
    d_model: int
    identity: str
    max_context: int
    device: torch.device

    @abstractmethod
    def encode(self, values: "np.ndarray | torch.Tensor") -> EncoderOutput:
        """values: (channels, time) or (batch, channels, time), NaN for missing."""

    def encode_list(
        self, series: Sequence["np.ndarray | torch.Tensor"], batch_size: int = 16, max_cells: int = 1_000_000
    ) -> list[EncoderOutput]:
        """Encode series of different shapes, each (channels, time), in few batched calls; order is kept.

        Series that fit the context are sorted by length and batched, each left-padded with unobserved steps to the
        longest of its batch and given unobserved channels up to the widest: the grid is aligned to the series' end
        and unobserved patches never mix with observed ones, so each series gets its own output back (to float
        rounding) once the padding is cut off. Longer series are bucketed by length, so they batch only with series
        of their exact length. A call takes at most `batch_size` series and `max_cells` padded values (a bigger
        series alone), so batching never multiplies the encoder's memory.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        arrays = [to_float_array(values, f"series {index}") for index, values in enumerate(series)]
        for index, array in enumerate(arrays):
            if array.ndim != 2 or 0 in array.shape:
                raise ValueError(f"series {index}: expected shape (channels, time) with data, got {array.shape}")
        groups: dict[int, list[int]] = defaultdict(list)  # 0: fits the context; else its exact (bucketed) length
        for index in sorted(range(len(arrays)), key=lambda i: -arrays[i].shape[1]):
            time = arrays[index].shape[1]
            groups[0 if time <= self.max_context else time].append(index)
        results: list[EncoderOutput | None] = [None] * len(arrays)
        for indices in groups.values():
            for chunk in _chunks(indices, arrays, batch_size, max_cells):
                time = max(arrays[i].shape[1] for i in chunk)
                channels = max(arrays[i].shape[0] for i in chunk)
                batch = np.full((len(chunk), channels, time), np.nan)
                for row, i in enumerate(chunk):
                    batch[row, : arrays[i].shape[0], time - arrays[i].shape[1] :] = arrays[i]
                for i, output in zip(chunk, self.encode(batch).unbatch()):
                    results[i] = output.unpadded(*arrays[i].shape)
        return results



def _chunks(indices: list[int], arrays: list[np.ndarray], batch_size: int, max_cells: int) -> list[list[int]]:
    """Consecutive runs of `indices` (longest series first) whose padded batch stays within both limits."""
    chunks: list[list[int]] = []
    for index in indices:
        chunk = chunks[-1] if chunks else None
        if chunk is not None and len(chunk) < batch_size:
            time = max(arrays[i].shape[1] for i in [*chunk, index])
            channels = max(arrays[i].shape[0] for i in [*chunk, index])
            if (len(chunk) + 1) * time * channels <= max_cells:
                chunk.append(index)
                continue
        chunks.append([index])
    return chunks
