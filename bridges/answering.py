"""The answering engine: questions in, one `Answer` each out, for a hybrid checkpoint.

What the Python API (`TSQA`), the evaluator (`eval.answerers.CheckpointAnswerer`), the server (`tsqa.serve.backend`) and training's
held-out evaluation all call. It appends each question's evidence when asked (`evidence.question`, with the model's
own Toto through the builder's encoding cache and a budget of the model's tokens), picks what each question shows
(`modality_for`), batches questions of similar size (`arfbench.schema.batches_by_size`), has the `InputBuilder` make each batch
completely (prompts, payloads and every option's continuation with its grounding tokens), then asks the model once
per batch: `score_options` (every option's likelihood, always valid, with probabilities) or `generate` (raw text;
`choice` stays None). The model never calls back into input building.
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from tsqa.arfbench import Answer, Sample
from tsqa.arfbench.schema import batches_by_size
from tsqa.bridges.config import AnswerMode, Modality, Scoring
from tsqa.bridges.hybrid import HybridModel
from tsqa.bridges.inputs import InputBuilder, PreparedQuestion, option_inputs

if TYPE_CHECKING:
    from tsqa.evidence.question import EvidenceRequest


class AnswerEngine:
    """A hybrid and the input builder that feeds it (one per engine, so its encoder cache serves every call)."""

    def __init__(self, model: HybridModel, builder: InputBuilder | None = None):
        self.model = model
        self.builder = builder or InputBuilder.for_model(model)

    @property
    def tokenizer(self):
        return self.model.processor.tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in a prompt (special tokens left out): the unit of evidence budgets and limits."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def evidence_texts(self, samples: list[Sample],
                       evidence: "EvidenceRequest | Sequence[EvidenceRequest | None] | None") -> list[str | None]:
        """Each sample's evidence text (None where none is asked): the model's own Toto gives the forecast band
        through the builder's encoding cache, so a series' band and its encoding come from one pass; the budget is
        in the model's tokens. `evidence`: one request for every sample, or one (or None) per sample."""
        requests = list(evidence) if isinstance(evidence, Sequence) else [evidence] * len(samples)
        if len(requests) != len(samples):
            raise ValueError(f"evidence: {len(requests)} requests for {len(samples)} samples")
        if all(request is None for request in requests):
            return [None] * len(samples)
        from tsqa.evidence.question import evidence_text

        return [None if request is None else evidence_text(sample, self.builder.encoder if request.band else None,
                                                             request.budget, self.count_tokens)
                for sample, request in zip(samples, requests)]

    def modality_for(self, sample: Sample, requested: Modality | None = None) -> Modality:
        """What `sample` is shown: `requested`, else what the model was trained to see; a question with images and
        no series is plot-only, which a series-only checkpoint cannot read (refused, saying what to pass)."""
        if requested is not None:
            return Modality(requested)
        trained = self.model.config.modality
        if sample.series:
            return trained if self.model.encoder is not None else Modality.PLOT
        if trained == Modality.SERIES:
            raise ValueError("this checkpoint was trained on series only (modality 'series'): it cannot read a plot "
                             "image; pass the metric file (--series, or a time_series part) instead")
        return Modality.PLOT

    def answer(
        self,
        samples: list[Sample],
        mode: AnswerMode | None = None,
        modality: Modality | None = None,
        batch_size: int = 8,
        max_new_tokens: int = 64,
        evidence: "EvidenceRequest | Sequence[EvidenceRequest | None] | None" = None,
    ) -> list[Answer]:
        """One answer per sample, in order. `mode`: SCORE every option or GENERATE text; None scores questions with
        options and generates for the others. `modality`: see `modality_for`. `evidence` (see `evidence_texts`):
        the question is answered with its evidence appended, and its answer carries that text."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        texts = self.evidence_texts(samples, evidence)
        if any(text is not None for text in texts):
            from tsqa.evidence.question import appended

            samples = [s if text is None else appended(s, text) for s, text in zip(samples, texts)]
        mode = None if mode is None else AnswerMode(mode)
        if mode == AnswerMode.SCORE and (unscorable := next((s for s in samples if not s.options), None)):
            raise ValueError(f"sample {unscorable.id!r}: no options to score; answer it with mode='generate'")
        groups: dict[tuple[AnswerMode, Modality], list[int]] = defaultdict(list)
        for index, sample in enumerate(samples):
            shown_mode = mode or (AnswerMode.SCORE if sample.options else AnswerMode.GENERATE)
            groups[shown_mode, self.modality_for(sample, modality)].append(index)
        answers: list[Answer | None] = [None] * len(samples)
        was_training = self.model.training
        self.model.eval()
        try:
            with tqdm(total=len(samples), desc="answering", unit="q", disable=None) as bar:
                for (group_mode, shown), indices in groups.items():
                    group = [samples[i] for i in indices]
                    for batch in batches_by_size([s.size for s in group], batch_size):
                        chunk = [group[i] for i in batch]
                        for i, answer in zip(batch, self._batch(chunk, group_mode, shown, max_new_tokens)):
                            answers[indices[i]] = replace(answer, modality=shown.value, evidence=texts[indices[i]])
                        bar.update(len(chunk))
        finally:
            self.model.train(was_training)
        return answers  # type: ignore[return-value]

    @torch.no_grad()
    def _batch(self, samples: list[Sample], mode: AnswerMode, shown: Modality, max_new_tokens: int) -> list[Answer]:
        batch, questions = self.builder.build(samples, shown)
        if mode == AnswerMode.GENERATE:
            texts = self.model.generate(batch, max_new_tokens)
            return [_answer(q, text=text, choice=None) for q, text in zip(questions, texts)]
        option_ids, option_payloads = option_inputs(questions)
        sums, lengths = self.model.score_options(batch, option_ids, option_payloads)
        scores = Scoring(self.model.config.scoring).normalise(sums, lengths)
        return [_scored(q, s) for q, s in zip(questions, scores.cpu().split([len(o) for o in option_ids]))]


def _scored(question: PreparedQuestion, score: torch.Tensor) -> Answer:
    """The answer of one question from its options' scores (options,)."""
    options = question.sample.options
    if not torch.isfinite(score).all():  # values beyond what the model's arithmetic holds
        return _answer(question, text="", choice=None, error="the model's option scores are not finite numbers")
    probabilities = torch.softmax(score.double(), dim=0).tolist()
    best = int(torch.argmax(score))
    reasoning = f"Scored all {len(options)} options; this one is the most likely (p = {probabilities[best]:.3f})."
    return _answer(question, text=json.dumps({"answer": options[best]}, ensure_ascii=False), choice=options[best],
                   reasoning=reasoning, probabilities=dict(zip(options, probabilities)))


def _answer(question: PreparedQuestion, **fields) -> Answer:
    sample, plan = question.sample, question.plan
    return Answer(
        sample_id=sample.id,
        shown_channels=[[s.channels[c] for c in p.shown] for s, p in zip(sample.series, plan.series)],
        hidden_channels=[[s.channels[c] for c in p.hidden] for s, p in zip(sample.series, plan.series)],
        **fields,
    )

