"""Option scoring: the log-likelihood of each option's answer tokens given the prompt, the prompt run only once.

The prompts (left-padded, with images and time-series tokens) run once with a KV cache; the cache is then indexed
so each option gets its question's copy, and all options of the batch run in one forward that continues every row
from its prompt's last position. This equals scoring each prompt + option sequence in full (tested).
"""

from typing import TYPE_CHECKING

import torch

from tsqa.bridges.positions import continue_positions

if TYPE_CHECKING:
    from tsqa.bridges.hybrid import HybridModel


@torch.no_grad()
def option_log_likelihoods(
    model: "HybridModel", batch: dict[str, torch.Tensor], options: list[list[list[int]]]
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Per question, (sum, mean) of the answer tokens' log-probabilities for each of its options.

    options[q][o]: token ids of option o of question q (as `InputBuilder.continuation_ids` makes them).
    Returns two lists of (options,) float32 tensors on the CPU: summed and per-token mean log-likelihoods.
    """
    sums, lengths = option_log_prob_sums(model, batch, options)
    means = sums / lengths
    split = [len(question) for question in options]
    return list(sums.cpu().split(split)), list(means.cpu().split(split))


def option_log_prob_sums(
    model: "HybridModel", batch: dict[str, torch.Tensor], options: list[list[list[int]]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed answer-token log-probability of every option, differentiable (training's choice loss uses it).

    Returns (options,) float32 sums and (options,) token counts, options of all questions in order. Needs the KV
    cache: not under gradient checkpointing, which drops it.
    """
    device = model.device
    input_ids, attention_mask = batch["input_ids"].to(device), batch["attention_mask"].to(device)
    vlm_inputs = {k: v for k, v in batch.items() if k not in ("input_ids", "attention_mask", "labels")}
    positions = model.position_ids(input_ids, attention_mask, batch)
    prompt = model(
        input_ids=input_ids, attention_mask=attention_mask, position_ids=positions, use_cache=True, logits_to_keep=1,
        **vlm_inputs,
    )
    first = prompt.logits[:, -1].float().log_softmax(dim=-1)  # (questions, vocab): next-token after each prompt

    counts = torch.tensor([len(question) for question in options], device=device)
    owner = torch.repeat_interleave(torch.arange(len(options), device=device), counts)  # (options,) -> question
    flat = [torch.tensor(ids, dtype=torch.long) for question in options for ids in question]
    lengths = torch.tensor([len(ids) for ids in flat], device=device)
    if int(lengths.min()) < 1:
        raise ValueError("an option encodes to no tokens")
    width = int(lengths.max())
    pad = model.processor.tokenizer.pad_token_id
    tokens = torch.full((len(flat), width), pad, dtype=torch.long)
    for row, ids in enumerate(flat):
        tokens[row, : len(ids)] = ids
    tokens = tokens.to(device)  # (options, width), right-padded
    present = torch.arange(width, device=device)[None] < lengths[:, None]  # (options, width)

    cache_name = "cache" if "cache" in prompt.keys() else "past_key_values"  # transformers >= 5.24 says `cache`
    cache = prompt[cache_name]
    cache.batch_select_indices(owner)
    continuation = model(
        input_ids=tokens,
        attention_mask=torch.cat([attention_mask[owner], present.long()], dim=1),
        position_ids=continue_positions(positions[..., owner, :], width),
        use_cache=True,
        **{cache_name: cache},
    )
    later = continuation.logits[:, :-1].float().log_softmax(dim=-1)  # (options, width - 1, vocab)
    token_logp = torch.cat(
        [first[owner].gather(1, tokens[:, :1]), later.gather(2, tokens[:, 1:, None])[..., 0]], dim=1
    )  # (options, width): log p of each answer token
    return torch.where(present, token_logp, 0).sum(dim=1), lengths
