"""The option-choice objective: train the rule that answers, not only the answer's wording.

Cross-entropy on the answer tokens spends most of its gradient on tokens copied from the prompt (the option's
wording, the closing suffix); the one token that picks between options gets little of it, and a small model can
drive that loss down while still choosing at chance. The choice loss is the cross-entropy of the correct option
under a softmax over the options' scores, computed exactly as answering scores them (mean or summed answer-token
log-probability, `TSQAConfig.scoring`), so it rewards only what changes the answer.

Both losses come from one pass: the prompts run once, every option continues from its prompt's KV cache
(`bridges.scoring`), and the correct option's tokens give the usual answer-token loss.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.nn import functional as F

from tsqa.bridges.scoring import option_log_prob_sums

if TYPE_CHECKING:
    from tsqa.bridges.hybrid import HybridModel


@dataclass
class ChoiceOutput:
    answer_loss: torch.Tensor  # mean negative log-probability of the correct options' tokens (the usual SFT loss)
    choice_loss: torch.Tensor  # mean cross-entropy of the correct option among each question's options


def choice_losses(
    model: "HybridModel", batch: dict[str, torch.Tensor], option_ids: list[list[list[int]]], answer_index: torch.Tensor
) -> ChoiceOutput:
    """option_ids[q][o]: continuation token ids of option o of question q; answer_index: (questions,) the correct o.

    A question with a single option adds nothing to the choice loss, only to the answer loss.
    """
    if len(option_ids) != len(answer_index):
        raise ValueError(f"{len(option_ids)} questions' options but {len(answer_index)} answer indices")
    sums, lengths = option_log_prob_sums(model, batch, option_ids)  # (options,) each
    scores = sums / lengths if model.config.scoring == "mean" else sums

    counts = [len(question) for question in option_ids]
    starts = torch.tensor([0, *counts[:-1]], device=sums.device).cumsum(0)  # (questions,) first option's row
    correct = starts + answer_index.to(sums.device)  # (questions,) row of each correct option
    answer_loss = -sums[correct].sum() / lengths[correct].sum()

    choice_terms = [
        F.cross_entropy(question_scores[None], index.view(1))
        for question_scores, index in zip(scores.split(counts), answer_index.to(sums.device))
        if len(question_scores) > 1
    ]
    choice_loss = torch.stack(choice_terms).mean() if choice_terms else scores.sum() * 0.0
    return ChoiceOutput(answer_loss=answer_loss, choice_loss=choice_loss)
