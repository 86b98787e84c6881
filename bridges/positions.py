"""Position ids computed the way each VLM's `generate()` computes them, so padded batches and cached continuations
see exactly the positions an unpadded single prompt gets.

Plain 1-D RoPE models (Idefics3/SmolVLM): (batch, seq) counting only attended tokens. Qwen-VL's M-RoPE: (4, batch,
seq): the text positions, then the model's own `get_rope_index` (temporal, height, width) for image tokens.
"""

import torch
from transformers import PreTrainedModel


def uses_mrope(vlm: PreTrainedModel) -> bool:
    """True for Qwen-VL-style models, whose inner model computes 3-D rope indices."""
    return hasattr(getattr(vlm, "model", None), "get_rope_index")


def text_positions(attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch, seq): 0, 1, ... over attended tokens (left padding gets 0), as `generate()` does."""
    positions = attention_mask.long().cumsum(dim=-1) - 1
    return positions.masked_fill(attention_mask == 0, 0)


def position_ids(
    vlm: PreTrainedModel,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    mm_token_type_ids: torch.Tensor | None = None,
    image_grid_thw: torch.Tensor | None = None,
) -> torch.Tensor:
    """Positions of a full (possibly left-padded) prompt in the layout the model's forward accepts."""
    text = text_positions(attention_mask)  # (batch, seq)
    if not uses_mrope(vlm):
        return text
    if image_grid_thw is None:
        return text[None].expand(4, -1, -1)
    vision, _ = vlm.model.get_rope_index(
        input_ids, mm_token_type_ids=mm_token_type_ids, image_grid_thw=image_grid_thw, attention_mask=attention_mask
    )  # (3, batch, seq)
    return torch.cat([text[None], vision.to(text.device)])


def continue_positions(prompt_positions: torch.Tensor, length: int) -> torch.Tensor:
    """Positions of `length` text tokens appended after a left-padded prompt: each row continues from its last one.

    prompt_positions (..., batch, seq) -> (..., batch, length). After M-RoPE image tokens, text resumes at the
    position following the prompt's last token in every dimension, which is what `rope_deltas` encode.
    """
    step = torch.arange(1, length + 1, device=prompt_positions.device)
    return prompt_positions[..., -1:] + step
