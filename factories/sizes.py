"""The shape of a tiny random VLM, apart from the builder, so a recipe can name it without importing transformers."""

from dataclasses import dataclass


@dataclass
class TinySizes:
    """The shape of a tiny random VLM's language model (a recipe's `model.tiny_vlm`)."""

    hidden_size: int = 32
    num_layers: int = 2
    vocab_size: int = 512
    initializer_range: float = 0.02
