"""Questions -> model inputs: encode each series, apply the token budget, write the prompt, run the VLM's processor.

Every series of a batch is encoded in one pass through a content-keyed cache (`encoders.cache`): a series shared by
several questions, or met again in a later epoch, is encoded once. A series wider than the budget can use is encoded
on the channels it can use only (`bridges.budget.encoded_channels`): everything per channel (encoding, features,
grounding) then works on that view, and the plan is widened back to all channels for the prompt and the answer.

`build` gives a dict that `HybridModel.forward` takes as keyword arguments: the processor's outputs (input_ids,
attention_mask, pixel values and grids), the time-series `payload` in prompt order (a `TimeSeriesPayload`: temporal
tokens and grounding tokens, `bridges.grounding`) and, when answers are given, `labels` (-100 except on the answer's
text tokens); and each question as prepared, with every option's tokens as they continue its prompt and their
grounding tokens. Everything an answer needs is computed here, before the model runs: nothing calls back.
Prompts are left-padded so that batched prompts end together, which cached option scoring relies on.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from transformers import ProcessorMixin

from tsqa.arfbench import Sample, Series
from tsqa.bridges.config import MARKER_TOKENS, TS_TOKEN, AdapterConfig, Modality, PromptFormat
from tsqa.bridges.budget import TokenPlan, encode_limit, encoded_channels, plan_listing, plan_tokens, widen
from tsqa.bridges.features import channel_max_surprise, series_tokens
from tsqa.bridges.grounding import Anchor, Grounder, Kind, named_channels
from tsqa.bridges.hybrid import IGNORE_INDEX, HybridModel, TimeSeriesPayload
from tsqa.bridges.prompt import answer_text, chat_messages, question_block, series_block, series_label
from tsqa.encoders import CachedEncoder, Encoder, EncoderOutput
from tsqa.encoders.outliers import robust_z


@dataclass(frozen=True)
class Continuation:
    """An answer's tokens as they continue its prompt: the option (grounded like the prompt's text), the closing
    suffix and end of sequence; and its grounding tokens' payload (None without any)."""

    ids: list[int]
    payload: TimeSeriesPayload | None


@dataclass
class EncodedView:
    """What of one question's series is encoded: the sample with each series cut to its encoded channels, and those
    channels' indices per series (None where a series is encoded whole)."""

    sample: Sample
    kept: list[list[int] | None]


@dataclass
class PreparedQuestion:
    """One question as the model sees it, with each of its options' continuations (in the sample's order)."""

    sample: Sample
    prompt: str
    images: list
    plan: TokenPlan
    payload: TimeSeriesPayload | None  # None when the question shows no time-series tokens
    options: list[Continuation]


class InputBuilder:
    """Builds batches for one VLM processor, encoder and prompt format. `encoder` is wrapped in an in-memory
    `CachedEncoder` unless it is one already (one with a disk cache, say). `modality`: what questions show unless a
    call says otherwise (a checkpoint's: what it was trained to see)."""

    def __init__(
        self,
        processor: ProcessorMixin,
        encoder: Encoder | None,
        adapter_config: AdapterConfig | None,
        prompt_format: PromptFormat,
        modality: Modality = Modality.BOTH,
    ):
        self.processor = processor
        self.tokenizer = processor.tokenizer
        self.encoder = encoder if encoder is None or isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
        self.adapter_config = adapter_config
        self.prompt_format = prompt_format
        self.modality = Modality(modality)
        self.placeholder_id = self.tokenizer.convert_tokens_to_ids(TS_TOKEN)
        self.marker_ids = [self.tokenizer.convert_tokens_to_ids(token) for token in MARKER_TOKENS]
        special = sorted((t.content for t in self.tokenizer.added_tokens_decoder.values() if t.special), key=len,
                         reverse=True)
        self._control = re.compile("|".join(map(re.escape, special))) if special else None
        if self.tokenizer.eos_token is None or self.tokenizer.pad_token_id is None:
            raise ValueError("the VLM's tokenizer needs an end-of-sequence and a padding token")

    @classmethod
    def for_model(
        cls, model: HybridModel, cache_dir: "str | Path | None" = None, max_bytes: int = 2**30
    ) -> "InputBuilder":
        """The builder of a hybrid's inputs: its processor, encoder and prompt format. Encoder outputs are kept in
        memory up to `max_bytes` (LRU), and on disk in `cache_dir` when given (training runs: a resumed or later
        stage encodes nothing again); the cache's counts say what it did (`builder.encoder`)."""
        encoder = None if model.encoder is None else CachedEncoder(model.encoder, cache_dir, max_bytes)
        config = model.config
        return cls(model.processor, encoder, config.adapter, config.prompt, config.modality)

    def prepare(
        self, samples: list[Sample], answers: list[str] | None = None, modality: Modality | None = None
    ) -> dict:
        """Keyword arguments for `HybridModel.forward`; with answers, `labels` score the answer tokens only."""
        return self.build(samples, modality or self.modality, answers)[0]

    def prepare_choice(self, samples: list[Sample], modality: Modality | None = None) -> dict:
        """Inputs for the choice objective: the prompts (`batch`), every option's answer tokens (`option_ids`) and
        their grounding tokens (`option_payloads`), and which option is correct (`answer_index`)."""
        for sample in samples:
            if sample.answer not in sample.options:
                raise ValueError(
                    f"sample {sample.id!r}: answer {sample.answer!r} is not among the options {sample.options}"
                )
        batch, questions = self.build(samples, modality or self.modality)
        option_ids, option_payloads = option_inputs(questions)
        return {
            "batch": batch,
            "option_ids": option_ids,
            "option_payloads": option_payloads,
            "answer_index": torch.tensor([sample.options.index(sample.answer) for sample in samples]),
        }

    def build(
        self, samples: list[Sample], modality: Modality, answers: list[str] | None = None
    ) -> tuple[dict, list[PreparedQuestion]]:
        """The batch for `samples` and each question as prepared (its token plan, its options' continuations)."""
        modality = Modality(modality)
        if not samples:
            raise ValueError("no samples to build inputs for")
        if modality != Modality.PLOT and self.encoder is None:
            raise ValueError(f"modality {modality!r} needs time-series tokens, but this model has no encoder")
        if answers is not None and len(answers) != len(samples):
            raise ValueError(f"{len(answers)} answers for {len(samples)} samples")
        for index, sample in enumerate(samples):
            self._check(sample, None if answers is None else answers[index], modality)
        if modality == Modality.PLOT:
            questions = [self._question(sample, modality, EncodedView(sample, []), []) for sample in samples]
        else:
            views = [self._encoded_view(sample) for sample in samples]
            encoded = self._encode_all([view.sample for view in views])
            questions = [self._question(s, modality, v, outputs) for s, v, outputs in zip(samples, views, encoded)]
        batch = self.processor(
            text=[q.prompt for q in questions],
            images=[q.images for q in questions] if modality != Modality.SERIES else None,
            padding=True,
            padding_side="left",
            add_special_tokens=False,
            return_tensors="pt",
        )
        batch = dict(batch)
        payloads = [q.payload for q in questions]
        if answers is not None:
            continuations = [q.options[q.sample.options.index(answer)] for q, answer in zip(questions, answers)]
            batch = self._append_answers(batch, [c.ids for c in continuations])
            payloads = [part for q, c in zip(payloads, continuations) for part in (q, c.payload)]
        payloads = [payload for payload in payloads if payload is not None]
        if payloads:
            batch["payload"] = TimeSeriesPayload.cat(payloads)  # row-major: prompt then answer, question by question
        placeholders = int((batch["input_ids"] == self.placeholder_id).sum())
        if placeholders != (len(batch["payload"]) if payloads else 0):
            tokens = len(batch["payload"]) if payloads else 0
            raise RuntimeError(f"prompts hold {placeholders} placeholders for {tokens} time-series tokens")
        return batch, questions

    def _continuation(self, option: str, grounder: Grounder | None) -> Continuation:
        anchors: list[Anchor] = []
        if grounder is not None:
            option, anchors = grounder.ground(option)
        text = answer_text(option, self.prompt_format) + self.tokenizer.eos_token
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return Continuation(ids, grounder.payload(anchors) if anchors else None)

    def control_token_in(self, texts: Iterable[str]) -> str | None:
        """The first special token of the tokenizer (`<|ts|>`, `<|im_start|>`, ...) written in `texts`, else None:
        in a prompt it would be read as a control token, not as text."""
        if self._control is None:
            return None
        return next((found.group() for text in texts if (found := self._control.search(text))), None)

    def _check(self, sample: Sample, answer: str | None, modality: Modality) -> None:
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
        fewest = 0 if modality == Modality.PLOT and sample.images else 1
        if not fewest <= len(sample.series) <= max_series:
            raise ValueError(f"sample {sample.id!r}: {len(sample.series)} series, expected {fewest} to {max_series}")

    def _encoded_view(self, sample: Sample) -> EncodedView:
        """The channels of each series that are encoded: all of them, or for a series wider than the budget can use,
        those the question and options name and the highest-scoring others (`bridges.budget.encoded_channels`)."""
        config = self.adapter_config
        limit = encode_limit(config.min_tokens_per_channel, config.max_ts_tokens)
        texts = [sample.question, *sample.options]
        kept = [encoded_channels(s.values, named_channels(s, texts) if len(s.channels) > limit else set(), limit)
                for s in sample.series]
        if all(channels is None for channels in kept):
            return EncodedView(sample, kept)
        series = [s if channels is None else _channel_view(s, channels) for s, channels in zip(sample.series, kept)]
        return EncodedView(replace(sample, series=series), kept)

    def _encode_all(self, samples: list[Sample]) -> list[list[EncoderOutput]]:
        """Per sample, the encoder output of each of its series: all series of the batch in one cached call."""
        outputs = iter(self.encoder.encode_list([series.values.T for sample in samples for series in sample.series]))
        return [[next(outputs) for _ in sample.series] for sample in samples]

    def _question(
        self, sample: Sample, modality: Modality, view: EncodedView, outputs: list[EncoderOutput]
    ) -> PreparedQuestion:
        """`view`: the encoded channels of `sample`'s series, whose encoder `outputs` are given (none for PLOT)."""
        counts = [len(series.channels) for series in sample.series]
        labels = [series_label(i, len(sample.series)) for i in range(len(sample.series))]
        fmt = self.prompt_format
        grounder = payload = None
        question, options = sample.question, list(sample.options)
        if modality == Modality.PLOT:
            plan = plan_listing(counts, fmt.max_listed_channels)
            blocks = [series_block(s, labels[i], plan.series[i], None, fmt) for i, s in enumerate(sample.series)]
        else:
            encoded = view.sample
            view_plan = self._plan([len(series.channels) for series in encoded.series], outputs)
            plan = widen(view_plan, view.kept, counts)
            z = [robust_z(series.values) for series in encoded.series]  # (steps, encoded channels) each
            if self.adapter_config.grounding:
                grounder = Grounder(encoded, outputs, z, view_plan, self.adapter_config.fourier_frequencies)
            blocks, parts = self._time_series_blocks(sample, outputs, z, view_plan, plan, labels, grounder)
            if grounder is not None:
                question, anchors = grounder.ground(question)
                grounded = [grounder.ground(option) for option in options]
                options = [text for text, _ in grounded]
                anchors += [anchor for _, found in grounded for anchor in found]
                if anchors:
                    parts.append(grounder.payload(anchors))
            payload = TimeSeriesPayload.cat(parts)
        body = "\n\n".join([*blocks, question_block(question, options)])
        images = []
        if modality != Modality.SERIES:
            from tsqa.bridges.images import question_images  # the plotting stack, for questions that show a plot

            images = question_images(sample)
        messages = chat_messages(body, len(images), fmt)
        prompt = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        continuations = [self._continuation(option, grounder) for option in sample.options]
        return PreparedQuestion(sample, prompt + fmt.answer_prefix, images, plan, payload, continuations)

    def _plan(self, counts: list[int], outputs: list[EncoderOutput]) -> TokenPlan:
        config = self.adapter_config
        surprise = [channel_max_surprise(output) for output in outputs]
        return plan_tokens(
            counts, surprise, config.tokens_per_channel, config.min_tokens_per_channel, config.max_ts_tokens
        )

    def _time_series_blocks(
        self,
        sample: Sample,
        outputs: list[EncoderOutput],
        z: list[np.ndarray],
        view_plan: TokenPlan,
        plan: TokenPlan,
        labels: list[str],
        grounder: Grounder | None,
    ) -> tuple[list[str], list[TimeSeriesPayload]]:
        """Each series' block and its payload in prompt order: with grounding, the label's grounding token, then per
        shown channel its name's grounding token and its temporal tokens. `view_plan` indexes the encoded channels
        (what `outputs`, `z` and the grounder hold), `plan` the same choice among all of `sample`'s channels."""
        tokens, frequencies = plan.tokens_per_channel, self.adapter_config.fourier_frequencies
        blocks, parts = [], []
        for index, (series, output) in enumerate(zip(sample.series, outputs)):
            shown = view_plan.series[index].shown
            pooled = series_tokens(output, z[index], shown, tokens, frequencies)
            first_steps = np.minimum(pooled.span_steps[:, 0], len(series.timestamps) - 1)
            span_starts = series.timestamps[first_steps].tolist()
            blocks.append(series_block(
                series, labels[index], plan.series[index], span_starts, self.prompt_format, grounder is not None
            ))
            if grounder is not None:
                parts.append(grounder.payload([Anchor(Kind.SERIES, index)]))
            for position, channel in enumerate(shown):
                if grounder is not None:
                    parts.append(grounder.payload([Anchor(Kind.CHANNEL, index, channel)]))
                parts.append(TimeSeriesPayload(
                    features=pooled.features[position],  # (tokens, feature_dim)
                    empty=pooled.empty[position],
                    channel=torch.full((tokens,), position),
                    series=torch.full((tokens,), index),
                    kind=torch.full((tokens,), int(Kind.SERIES_TOKEN)),
                ))
        return blocks, parts

    def _append_answers(self, batch: dict, answer_ids: list[list[int]]) -> dict:
        """Re-pad each prompt with its answer appended; labels are the answer tokens only."""
        mask = batch["attention_mask"].bool()
        rows = [ids[keep] for ids, keep in zip(batch["input_ids"], mask)]
        answers = [torch.tensor(ids, dtype=torch.long) for ids in answer_ids]
        batch["input_ids"] = left_pad([torch.cat([r, a]) for r, a in zip(rows, answers)], self.tokenizer.pad_token_id)
        labels = [torch.where(a == self.placeholder_id, IGNORE_INDEX, a) for a in answers]  # grounding is input
        batch["labels"] = left_pad(
            [torch.cat([torch.full_like(r, IGNORE_INDEX), a]) for r, a in zip(rows, labels)], IGNORE_INDEX
        )
        lengths = [len(r) + len(a) for r, a in zip(rows, answers)]
        batch["attention_mask"] = left_pad([torch.ones(length, dtype=torch.long) for length in lengths], 0)
        if "mm_token_type_ids" in batch:
            types = [t[keep] for t, keep in zip(batch["mm_token_type_ids"], mask)]
            types = [torch.cat([t, torch.zeros_like(a)]) for t, a in zip(types, answers)]  # answers are text
            batch["mm_token_type_ids"] = left_pad(types, 0)
        return batch


def _channel_view(series: Series, channels: list[int]) -> Series:
    """`series` cut to `channels` (ascending indices)."""
    return replace(series, channels=[series.channels[c] for c in channels], values=series.values[:, channels])


def option_inputs(
    questions: list[PreparedQuestion],
) -> tuple[list[list[list[int]]], list[list[TimeSeriesPayload | None]]]:
    """What `HybridModel.score_options` takes: option_ids[q][o] and option_payloads[q][o] of every question."""
    return [[c.ids for c in q.options] for q in questions], [[c.payload for c in q.options] for q in questions]


def left_pad(rows: list[torch.Tensor], value: int) -> torch.Tensor:
    """Stack 1-D tensors of different lengths into (rows, longest), padding on the left with `value`."""
    width = max(len(row) for row in rows)
    out = torch.full((len(rows), width), value, dtype=rows[0].dtype)
    for index, row in enumerate(rows):
        out[index, width - len(row) :] = row
    return out
