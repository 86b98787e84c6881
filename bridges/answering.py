"""Answering a list of questions in batches, by option scoring or by generation."""

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from tsqa.arfbench import Sample
from tsqa.bridges.budget import TokenPlan
from tsqa.bridges.generation import generate_texts
from tsqa.bridges.scoring import option_log_likelihoods

if TYPE_CHECKING:
    from tsqa.bridges.hybrid import HybridModel

MODES = ("score", "generate")


@dataclass
class Answer:
    """One question's answer. `choice` is an option (scoring) or None (generation: parse `raw_text`)."""

    sample_id: str
    choice: str | None
    raw_text: str  # generated text, or the JSON answer of the chosen option
    probabilities: dict[str, float] = field(default_factory=dict)  # option -> probability (scoring only)
    shown_channels: list[list[str]] = field(default_factory=list)  # per series, the channels the prompt showed
    hidden_channels: list[list[str]] = field(default_factory=list)  # per series, those left out by the budget
    tokens_per_channel: int = 0  # temporal tokens per shown channel (0: no time-series tokens)


def answer_questions(
    model: "HybridModel",
    samples: list[Sample],
    mode: str,
    batch_size: int,
    modality: str,
    max_new_tokens: int,
) -> list[Answer]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if mode == "score" and (unscorable := next((s for s in samples if not s.options), None)):
        raise ValueError(f"sample {unscorable.id!r}: no options to score; answer it with mode='generate'")
    answers: list[Answer] = []
    was_training = model.training
    model.eval()
    try:
        with tqdm(total=len(samples), desc=f"answering ({mode})", unit="q", disable=None) as progress:
            for start in range(0, len(samples), batch_size):
                chunk = samples[start : start + batch_size]
                batch, plans = model.builder.build(chunk, modality)
                if mode == "score":
                    answers.extend(_scored(model, chunk, batch, plans))
                else:
                    texts = generate_texts(model, batch, max_new_tokens)
                    answers.extend(_answer(s, None, t, {}, p) for s, t, p in zip(chunk, texts, plans))
                progress.update(len(chunk))
    finally:
        model.train(was_training)
    return answers


def _scored(model: "HybridModel", samples: list[Sample], batch: dict, plans: list[TokenPlan]) -> list[Answer]:
    options = [[model.builder.continuation_ids(option) for option in sample.options] for sample in samples]
    sums, means = option_log_likelihoods(model, batch, options)
    scores = means if model.config.scoring == "mean" else sums
    answers = []
    for sample, score, plan in zip(samples, scores, plans):
        probabilities = torch.softmax(score.double(), dim=0).tolist()
        choice = sample.options[int(torch.argmax(score))]
        raw = json.dumps({"answer": choice}, ensure_ascii=False)
        answers.append(_answer(sample, choice, raw, dict(zip(sample.options, probabilities)), plan))
    return answers


def _answer(sample: Sample, choice: str | None, raw: str, probabilities: dict, plan: TokenPlan) -> Answer:
    return Answer(
        sample_id=sample.id,
        choice=choice,
        raw_text=raw,
        probabilities=probabilities,
        shown_channels=[[s.channels[c] for c in p.shown] for s, p in zip(sample.series, plan.series)],
        hidden_channels=[[s.channels[c] for c in p.hidden] for s, p in zip(sample.series, plan.series)],
        tokens_per_channel=plan.tokens_per_channel,
    )
