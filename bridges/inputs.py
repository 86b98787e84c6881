"""Questions -> model inputs: encode each series, apply the token budget, write the prompt, run the VLM's processor.

The result is a dict of tensors that `HybridModel.forward` takes as keyword arguments: the processor's outputs
(input_ids, attention_mask, pixel values and grids), the time-series payload in prompt order (`ts_features`,
`ts_empty`, `ts_channel`, `ts_series`) and, when answers are given, `labels` (-100 except on the answer tokens).
Prompts are left-padded so that batched prompts end together, which cached option scoring relies on.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from transformers import ProcessorMixin

from tsqa.arfbench import Sample
from tsqa.bridges.adapter import AdapterConfig
from tsqa.bridges.budget import TokenPlan, plan_listing, plan_tokens
from tsqa.bridges.features import channel_max_surprise, series_tokens
from tsqa.bridges.images import question_images
from tsqa.bridges.prompt import (
    MARKER_TOKENS,
    MODALITIES,
    TS_TOKEN,
    PromptFormat,
    answer_text,
    chat_messages,
    question_text,
    series_block,
    series_label,
)
from tsqa.encoders import Encoder

PAYLOAD_KEYS = ("ts_features", "ts_empty", "ts_channel", "ts_series")


@dataclass
class _Question:
    prompt: str
    images: list
    plan: TokenPlan
    payload: list[torch.Tensor]  # PAYLOAD_KEYS, each with one row per time-series token


class InputBuilder:
    """Builds batches for one VLM processor, encoder and prompt format."""

    def __init__(
        self,
        processor: ProcessorMixin,
        encoder: Encoder | None,
        adapter_config: AdapterConfig | None,
        prompt_format: PromptFormat,
    ):
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.encoder = encoder
        self.adapter_config = adapter_config
        self.prompt_format = prompt_format
        self.placeholder_id = self.tokenizer.convert_tokens_to_ids(TS_TOKEN)
        self.marker_ids = [self.tokenizer.convert_tokens_to_ids(token) for token in MARKER_TOKENS]
        special = sorted((t.content for t in self.tokenizer.added_tokens_decoder.values() if t.special), key=len,
                         reverse=True)
        self._control = re.compile("|".join(map(re.escape, special))) if special else None
        if self.tokenizer.eos_token is None or self.tokenizer.pad_token_id is None:
            raise ValueError("the VLM's tokenizer needs an end-of-sequence and a padding token")

    def build(
        self, samples: list[Sample], modality: str = "both", answers: list[str] | None = None
    ) -> tuple[dict[str, torch.Tensor], list[TokenPlan]]:
        """The batch for `samples` and, per sample, the token plan its prompt follows."""
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        if not samples:
            raise ValueError("no samples to build inputs for")
        if modality != "plot" and self.encoder is None:
            raise ValueError(f"modality {modality!r} needs time-series tokens, but this model has no encoder")
        if answers is not None and len(answers) != len(samples):
            raise ValueError(f"{len(answers)} answers for {len(samples)} samples")
        for index, sample in enumerate(samples):
            self._check(sample, None if answers is None else answers[index], modality)
        questions = [self._question(sample, modality) for sample in samples]
        batch = self.processor(
            text=[q.prompt for q in questions],
            images=[q.images for q in questions] if modality != "series" else None,
            padding=True,
            padding_side="left",
            add_special_tokens=False,
            return_tensors="pt",
        )
        batch = dict(batch)
        if modality != "plot":
            for position, key in enumerate(PAYLOAD_KEYS):
                batch[key] = torch.cat([q.payload[position] for q in questions])
            placeholders = int((batch["input_ids"] == self.placeholder_id).sum())
            if placeholders != batch["ts_features"].shape[0]:
                tokens = batch["ts_features"].shape[0]
                raise RuntimeError(f"prompts hold {placeholders} placeholders for {tokens} time-series tokens")
        if answers is not None:
            batch = self._append_answers(batch, [self.continuation_ids(answer) for answer in answers])
        return batch, [q.plan for q in questions]

    def continuation_ids(self, option: str) -> list[int]:
        """Token ids of an answer continuing the prompt: the option, the closing suffix, end of sequence."""
        text = answer_text(option, self.prompt_format) + self.tokenizer.eos_token
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def control_token_in(self, texts: Iterable[str]) -> str | None:
        """The first special token of the tokenizer (`<|ts|>`, `<|im_start|>`, ...) written in `texts`, else None:
        in a prompt it would be read as a control token, not as text."""
        if self._control is None:
            return None
        return next((found.group() for text in texts if (found := self._control.search(text))), None)

    def _check(self, sample: Sample, answer: str | None, modality: str) -> None:
        """Options may be missing (generation writes its own answer); series may be missing only for a plot-only
        question that brings its own images (what an API client sends). No text may hold a control token."""
        names = [name for series in sample.series for name in (series.name, *series.channels)]
        token = self.control_token_in([sample.question, *sample.options, *names])
        if token is not None:
            raise ValueError(f"sample {sample.id!r}: its question, options or channel names hold {token!r}, a control "
                             "token of the model")
        if len(set(sample.options)) != len(sample.options):
            raise ValueError(f"sample {sample.id!r}: duplicate options {sample.options}")
        if answer is not None and answer not in sample.options:
            raise ValueError(f"sample {sample.id!r}: answer {answer!r} is not among the options {sample.options}")
        max_series = self.adapter_config.max_series if self.adapter_config else 2
        fewest = 0 if modality == "plot" and sample.images else 1
        if not fewest <= len(sample.series) <= max_series:
            raise ValueError(f"sample {sample.id!r}: {len(sample.series)} series, expected {fewest} to {max_series}")

    def _question(self, sample: Sample, modality: str) -> _Question:
        counts = [len(series.channels) for series in sample.series]
        labels = [series_label(i, len(sample.series)) for i in range(len(sample.series))]
        fmt = self.prompt_format
        if modality == "plot":
            plan = plan_listing(counts, fmt.max_listed_channels)
            blocks = [series_block(s, labels[i], plan.series[i], None, fmt) for i, s in enumerate(sample.series)]
            payload = []
        else:
            blocks, plan, payload = self._time_series_blocks(sample, counts, labels)
        body = "\n\n".join([*blocks, question_text(sample)])
        images = question_images(sample) if modality != "series" else []
        messages = chat_messages(body, len(images), fmt)
        prompt = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return _Question(prompt + fmt.answer_prefix, images, plan, payload)

    def _time_series_blocks(
        self, sample: Sample, counts: list[int], labels: list[str]
    ) -> tuple[list[str], TokenPlan, list[torch.Tensor]]:
        config = self.adapter_config
        outputs = [self.encoder.encode(series.values.T) for series in sample.series]  # each (1, channels, ...)
        plan = plan_tokens(
            counts,
            [channel_max_surprise(output) for output in outputs],
            config.tokens_per_channel,
            config.min_tokens_per_channel,
            config.max_ts_tokens,
        )
        tokens = plan.tokens_per_channel
        blocks, parts = [], []
        for index, (series, output) in enumerate(zip(sample.series, outputs)):
            shown = plan.series[index].shown
            pooled = series_tokens(output, series.values, shown, tokens, config.fourier_frequencies)
            first_steps = np.minimum(pooled.span_steps[:, 0], len(series.timestamps) - 1)
            span_starts = series.timestamps[first_steps].tolist()
            blocks.append(series_block(series, labels[index], plan.series[index], span_starts, self.prompt_format))
            parts.append(
                [
                    pooled.features.flatten(0, 1),  # (channels * tokens, feature_dim), channel-major as in the prompt
                    pooled.empty.flatten(),
                    torch.arange(len(shown)).repeat_interleave(tokens),
                    torch.full((len(shown) * tokens,), index),
                ]
            )
        payload = [torch.cat(column) for column in zip(*parts)]
        return blocks, plan, payload

    def _append_answers(self, batch: dict, answer_ids: list[list[int]]) -> dict:
        """Re-pad each prompt with its answer appended; labels are the answer tokens only."""
        mask = batch["attention_mask"].bool()
        rows = [ids[keep] for ids, keep in zip(batch["input_ids"], mask)]
        answers = [torch.tensor(ids, dtype=torch.long) for ids in answer_ids]
        batch["input_ids"] = left_pad([torch.cat([r, a]) for r, a in zip(rows, answers)], self.tokenizer.pad_token_id)
        batch["labels"] = left_pad([torch.cat([torch.full_like(r, -100), a]) for r, a in zip(rows, answers)], -100)
        lengths = [len(r) + len(a) for r, a in zip(rows, answers)]
        batch["attention_mask"] = left_pad([torch.ones(length, dtype=torch.long) for length in lengths], 0)
        if "mm_token_type_ids" in batch:
            types = [t[keep] for t, keep in zip(batch["mm_token_type_ids"], mask)]
            types = [torch.cat([t, torch.zeros_like(a)]) for t, a in zip(types, answers)]  # answers are text
            batch["mm_token_type_ids"] = left_pad(types, 0)
        return batch


def left_pad(rows: list[torch.Tensor], value: int) -> torch.Tensor:
    """Stack 1-D tensors of different lengths into (rows, longest), padding on the left with `value`."""
    width = max(len(row) for row in rows)
    out = torch.full((len(rows), width), value, dtype=rows[0].dtype)
    for index, row in enumerate(rows):
        out[index, width - len(row) :] = row
    return out
