"""Answering by generation: greedy decoding from the prompt, raw text returned for the evaluator's parser."""

from typing import TYPE_CHECKING

import torch

from tsqa.bridges.inputs import PAYLOAD_KEYS

if TYPE_CHECKING:
    from tsqa.bridges.hybrid import HybridModel


@torch.no_grad()
def generate_texts(model: "HybridModel", batch: dict[str, torch.Tensor], max_new_tokens: int) -> list[str]:
    """Greedy continuations of the prompts, each prefixed with the prompt's answer prefix (so a JSON answer is
    whole). The added time-series tokens are never generated."""
    device = model.device
    inputs = {k: v.to(device) for k, v in batch.items() if k not in (*PAYLOAD_KEYS, "labels")}
    tokenizer = model.processor.tokenizer
    vocabulary = model.vlm.get_output_embeddings().weight.shape[0]
    added = [model.builder.placeholder_id, *model.builder.marker_ids]
    suppress = [token for token in added if token < vocabulary]
    payload = [batch.get(key) for key in PAYLOAD_KEYS]
    with model.injection(*payload):
        output = model.vlm.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            suppress_tokens=suppress or None,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    new_tokens = output[:, inputs["input_ids"].shape[1] :]
    texts = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    return [model.config.prompt.answer_prefix + text for text in texts]
