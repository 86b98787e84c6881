"""Replace the embeddings of the added tokens inside the VLM's own forward, keeping `input_ids` in the call.

Passing `input_ids` (not `inputs_embeds`) is what lets Qwen-VL compute its 3-D M-RoPE positions and lets
`generate()` run unchanged. Two hooks on the LM's input embedding module do the work: before it, the added token
ids (which may lie outside the base vocabulary) are swapped for a harmless id; after it, their rows are overwritten
with the adapter's vectors: placeholders in order of appearance (row-major over the batch), markers by kind.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class EmbeddingInjector:
    """Hooks `embedding` so that `placeholder_id` rows take `vectors` and each marker id takes its marker vector."""

    def __init__(self, embedding: nn.Module, placeholder_id: int, marker_ids: list[int]):
        self.placeholder_id = placeholder_id
        self.marker_ids = list(marker_ids)
        self._added = torch.tensor([placeholder_id, *self.marker_ids])
        self._ids: torch.Tensor | None = None
        self._vectors: torch.Tensor | None = None  # (placeholders, width)
        self._markers: torch.Tensor | None = None  # (markers, width)
        self._handles = [
            embedding.register_forward_pre_hook(self._swap_ids),
            embedding.register_forward_hook(self._overwrite),
        ]

    @contextmanager
    def inject(self, vectors: torch.Tensor | None, markers: torch.Tensor) -> Iterator[None]:
        """Within the block, embedding calls use `vectors` (placeholders, width) and `markers` (markers, width)."""
        self._vectors, self._markers = vectors, markers
        try:
            yield
        finally:
            self._vectors = self._markers = None

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()

    def _swap_ids(self, module: nn.Module, args: tuple) -> tuple:
        ids = args[0]
        self._ids = ids
        added = torch.isin(ids, self._added.to(ids.device))
        if not added.any():
            return args
        return (torch.where(added, 0, ids), *args[1:])

    def _overwrite(self, module: nn.Module, args: tuple, output: torch.Tensor) -> torch.Tensor:
        ids, self._ids = self._ids, None
        placeholders = ids == self.placeholder_id
        marker_masks = [ids == marker for marker in self.marker_ids]
        count = int(placeholders.sum())
        if count == 0 and not any(mask.any() for mask in marker_masks):
            return output
        if self._markers is None:
            raise RuntimeError(
                "time-series tokens in the input but no adapter output to inject: call the model through HybridModel"
            )
        available = 0 if self._vectors is None else self._vectors.shape[0]
        if count != available:
            raise ValueError(f"the input has {count} time-series placeholder tokens but {available} adapter vectors")
        output = output.clone()
        if count:
            output[placeholders] = self._vectors.to(output.dtype)
        for index, mask in enumerate(marker_masks):
            output = torch.where(mask[..., None], self._markers[index].to(output.dtype), output)
        return output
