"""What a training stage minimises, as one module around the model, so that DDP sees a single forward.

Answer loss: cross-entropy on the answer tokens (the usual SFT loss). It spends most of its gradient on tokens
copied from the prompt (the option's wording, the closing suffix); the one token that picks between options gets
little of it, and a small model can drive that loss down while still choosing at chance.

Choice loss: the cross-entropy of the correct option under a softmax over the options' scores, computed exactly as
answering scores them (mean or summed answer-token log-probability, `TSQAConfig.scoring`), so it rewards only what
changes the answer. Both come from one pass: the prompts run once, every option continues from its prompt's KV
cache (`HybridModel.score_options`), and the correct option's tokens give the answer loss.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from tsqa.bridges.config import Scoring
from tsqa.bridges.hybrid import HybridModel


@dataclass
class Losses:
    total: torch.Tensor  # what backward runs on: answer loss + weight x choice loss
    answer: torch.Tensor  # mean negative log-probability of the correct options' tokens
    choice: torch.Tensor | None  # mean cross-entropy of the correct option among each question's options


class TrainingObjective(nn.Module):
    """`forward(**collated)` -> `Losses`. With `choice_weight` 0 the batch holds labelled prompts (`prepare`), else
    prompts with every option (`prepare_choice`)."""

    def __init__(self, model: HybridModel, choice_weight: float = 0.0):
        super().__init__()
        self.model = model
        self.choice_weight = choice_weight

    def forward(
        self,
        batch: dict | None = None,
        option_ids: list[list[list[int]]] | None = None,
        option_payloads: list | None = None,
        answer_index: torch.Tensor | None = None,
        **labelled,
    ) -> Losses:
        if option_ids is None:
            loss = self.model(**labelled).loss
            return Losses(total=loss, answer=loss, choice=None)
        answer, choice = choice_losses(self.model, batch, option_ids, answer_index, option_payloads)
        return Losses(total=answer + self.choice_weight * choice, answer=answer, choice=choice)


def choice_losses(
    model: HybridModel,
    batch: dict,
    option_ids: list[list[list[int]]],
    answer_index: torch.Tensor,
    option_payloads: list | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(answer loss, choice loss). option_ids[q][o]: token ids of option o of question q, option_payloads[q][o] its
    grounding tokens; answer_index: (questions,) the correct o. A question with a single option adds nothing to the
    choice loss."""
    if len(option_ids) != len(answer_index):
        raise ValueError(f"{len(option_ids)} questions' options but {len(answer_index)} answer indices")
    sums, lengths = model.score_options(batch, option_ids, option_payloads)  # (options,) each
    scores = Scoring(model.config.scoring).normalise(sums, lengths)

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
    return answer_loss, choice_loss
