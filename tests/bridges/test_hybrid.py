"""The hybrid over both VLM families: injection, positions, gradients, generation, modalities, pairs."""

from dataclasses import replace

import pytest
import torch

from tsqa.arfbench.plot import render_plot
from tsqa.bridges.hybrid import TimeSeriesPayload
from tsqa.bridges.config import TS_TOKEN, AdapterConfig
from tsqa.bridges.features import channel_max_surprise
from tsqa.bridges.grounding import Kind
from tsqa.bridges.lora import language_model_prefix
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.answering import AnswerEngine


def _language_model_inputs(model, batch) -> torch.Tensor:
    """Run the forward and capture what the decoder stack receives as inputs_embeds: (batch, seq, width)."""
    decoder = model.vlm.get_submodule(language_model_prefix(model.vlm))
    captured = {}

    def grab(module, args, kwargs):
        captured["embeds"] = kwargs["inputs_embeds"].detach().clone()

    handle = decoder.register_forward_pre_hook(grab, with_kwargs=True)
    try:
        with torch.no_grad():
            model(**batch)
    finally:
        handle.remove()
    return captured["embeds"]


def test_adapter_output_lands_exactly_at_the_placeholders(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = [make_sample(0, channels=2), make_sample(1, channels=1, steps=40)]
    batch = InputBuilder.for_model(model).prepare(samples)
    embeds = _language_model_inputs(model, batch)

    ids = batch["input_ids"]
    placeholder, (start, end) = model.placeholder_id, model.marker_ids
    with torch.no_grad():
        expected = model.adapter(batch["payload"])
        markers = model.adapter.marker_vectors()
    rows, cols = (ids == placeholder).nonzero(as_tuple=True)  # row-major: sample by sample, in prompt order
    assert len(rows) == expected.shape[0]
    assert int((batch["payload"].kind == Kind.SERIES_TOKEN).sum()) == 2 * 8 + 1 * 8
    assert len(rows) - (2 * 8 + 1 * 8) == (1 + 2) + (1 + 1)  # grounding: each series label and channel name
    torch.testing.assert_close(embeds[rows, cols], expected)
    torch.testing.assert_close(embeds[ids == start], markers[0].expand(int((ids == start).sum()), -1))
    torch.testing.assert_close(embeds[ids == end], markers[1].expand(int((ids == end).sum()), -1))
    assert int((ids == start).sum()) == 3  # one block per channel

    # plain text tokens keep the base embedding
    text = (batch["attention_mask"] == 1) & (batch.get("mm_token_type_ids", torch.zeros_like(ids)) == 0)
    text &= ~torch.isin(ids, torch.tensor([placeholder, start, end, model.vlm.config.image_token_id]))
    base = model.vlm.get_input_embeddings().weight[ids[text]]
    torch.testing.assert_close(embeds[text], base)


def test_placeholder_features_follow_the_prompt_order(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    sample = make_sample(3, channels=3)
    batch = InputBuilder.for_model(model).prepare([sample])
    temporal = batch["payload"].kind == Kind.SERIES_TOKEN
    assert batch["payload"].channel[temporal].tolist() == [c for c in range(3) for _ in range(8)]
    output = model.encoder.encode(sample.series[0].values.T)
    pooled = batch["payload"].features[temporal, : model.encoder.d_model].reshape(3, 8, -1)
    # channel 2's last token pools the encoder's last patches of channel 2 (a manual masked mean)
    patches = output.num_patches
    span = slice(patches - patches // 8, patches)
    manual = output.embeddings[0, 2, span].mean(dim=0)
    torch.testing.assert_close(pooled[2, -1], manual)


def test_image_positions_unchanged_by_time_series_blocks(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl")
    sample = make_sample(0, channels=3)
    with_ts = InputBuilder.for_model(model).prepare([sample], modality="both")
    without_ts = InputBuilder.for_model(model).prepare([sample], modality="plot")
    assert (with_ts["input_ids"] == model.placeholder_id).sum() == len(with_ts["payload"])
    assert (with_ts["payload"].kind == Kind.SERIES_TOKEN).sum() == 24
    assert (without_ts["input_ids"] == model.placeholder_id).sum() == 0
    rope = model.vlm.model.get_rope_index

    def image_positions(batch):
        positions, _ = rope(
            batch["input_ids"], mm_token_type_ids=batch["mm_token_type_ids"], image_grid_thw=batch["image_grid_thw"],
            attention_mask=batch["attention_mask"],
        )
        image = batch["mm_token_type_ids"][0] == 1
        return positions[:, 0, image]

    a, b = image_positions(with_ts), image_positions(without_ts)
    assert a.shape[1] == int(with_ts["image_grid_thw"].prod()) > 0
    assert torch.equal(a, b)
    assert not torch.equal(a[1], a[2])  # a real 2-D layout: height and width positions differ


def test_our_positions_are_the_models_own(family, hybrid_factory, make_sample):
    """Explicit positions (needed for padding and caching) give the logits of the VLM's own position logic."""
    model = hybrid_factory(family)
    batch = InputBuilder.for_model(model).prepare([make_sample(0)])
    with torch.no_grad():
        ours = model(**batch).logits
        plain = {k: v for k, v in batch.items() if k != "payload"}
        with model._injection(batch["payload"]):
            theirs = model.vlm(**plain).logits
    torch.testing.assert_close(ours, theirs)


def test_gradients_reach_only_the_adapter_and_lora(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = [make_sample(0), make_sample(1, pair=True)]
    samples[0].series[0].values[:20, 1] = float("nan")  # channel 1 unobserved in its first spans
    batch = InputBuilder.for_model(model).prepare(samples, answers=[s.options[1] for s in samples])
    assert batch["payload"].empty.any()
    labelled = batch["labels"] != -100
    assert labelled.any() and (batch["input_ids"][labelled] == batch["labels"][labelled]).all()
    model.train()
    loss = model(**batch).loss
    assert torch.isfinite(loss)
    loss.backward()
    trainable = dict(model.trainable_parameters())
    assert any("lora_A" in n for n in trainable) and any(n.startswith("adapter.") for n in trainable)
    adapter_names = {f"adapter.{n}" for n, _ in model.adapter.named_parameters()}
    assert adapter_names <= set(trainable)
    for name, parameter in model.named_parameters():
        if name in trainable:
            assert "lora_" in name or name.startswith("adapter."), name
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
        else:
            assert parameter.grad is None, name
    lora_names = [n for n in trainable if "lora_" in n]
    assert all("visual" not in n and "vision" not in n for n in lora_names)
    assert all(not p.requires_grad for p in model.encoder.model.parameters())


def test_generate_sees_the_injected_prompt(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = [make_sample(0), make_sample(1, pair=True)]
    answers = AnswerEngine(model).answer(samples, mode="generate", max_new_tokens=4, batch_size=2)
    batch = InputBuilder.for_model(model).prepare(samples)
    with torch.no_grad():
        first = model(**batch).logits[:, -1].argmax(dim=-1)
    tokenizer = model.processor.tokenizer
    for answer, token in zip(answers, first.tolist()):
        assert answer.choice is None and answer.probabilities == {}
        assert answer.text.startswith('{"answer": "')
        expected = tokenizer.decode([token], skip_special_tokens=True)
        assert answer.text[len('{"answer": "') :].startswith(expected)


def test_plot_only_and_series_only_inputs(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    sample = make_sample(0)
    plot_only = InputBuilder.for_model(model).prepare([sample], modality="plot")
    assert "payload" not in plot_only and "pixel_values" in plot_only
    assert (plot_only["input_ids"] == model.placeholder_id).sum() == 0
    series_only = InputBuilder.for_model(model).prepare([sample], modality="series")
    assert "pixel_values" not in series_only
    assert (series_only["input_ids"] == model.placeholder_id).sum() == 16 + 3  # and label, channel grounding
    for modality in ("plot", "series"):
        (answer,) = AnswerEngine(model).answer([sample], modality=modality)
        assert answer.choice in sample.options
    assert AnswerEngine(model).answer([sample], modality="plot")[0].shown_channels == [sample.series[0].channels]


def test_plot_only_model_without_encoder(family, vlm_dirs, make_sample):
    from tsqa.bridges.hybrid import HybridModel

    model = HybridModel.create(None, vlm_dirs[family])
    assert model.adapter is None and model.trainable_parameters() == []
    sample = make_sample(0)
    (answer,) = AnswerEngine(model).answer([sample], modality="plot")
    assert answer.choice in sample.options
    with pytest.raises(ValueError, match="no encoder"):
        InputBuilder.for_model(model).prepare([sample], modality="both")


def test_paired_questions_embed_both_series(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    sample = make_sample(0, channels=2, pair=True)  # series 2 has 3 channels
    batch = InputBuilder.for_model(model).prepare([sample])
    assert batch["payload"].series.tolist() == [0] * (16 + 3) + [1] * (24 + 4)  # with label and channel grounding
    prompt = model.processor.tokenizer.decode(batch["input_ids"][0])
    assert f"Time-series 1{TS_TOKEN} (100_0)" in prompt and f"Time-series 2{TS_TOKEN} (200_1)" in prompt
    assert prompt.count(TS_TOKEN) == 47
    with torch.no_grad():
        before = model(**batch).logits[0, -1]
        sample.series[1].values[:] = sample.series[1].values[::-1] * 3  # change only the second series
        after = model(**InputBuilder.for_model(model).prepare([sample])).logits[0, -1]
    assert not torch.allclose(before, after)


def test_budget_policy_is_applied_and_reported(family, hybrid_factory, make_sample):
    model = hybrid_factory(family, adapter=AdapterConfig(max_ts_tokens=8, min_tokens_per_channel=2))
    sample = make_sample(0, channels=6)
    (answer,) = AnswerEngine(model).answer([sample])
    assert len(answer.shown_channels[0]) == 4 and len(answer.hidden_channels[0]) == 2
    surprise = channel_max_surprise(model.encoder.encode(sample.series[0].values.T))
    top = sorted(sorted(range(6), key=lambda c: -surprise[c])[:4])
    assert answer.shown_channels[0] == [sample.series[0].channels[c] for c in top]
    batch = InputBuilder.for_model(model).prepare([sample])
    assert int((batch["payload"].kind == Kind.SERIES_TOKEN).sum()) == 8
    assert "(2 more channels not shown:" in model.processor.tokenizer.decode(batch["input_ids"][0])


def test_bad_inputs_are_clear_errors(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3", lora=False)
    sample = make_sample(0)
    with pytest.raises(ValueError, match="not among the options"):
        InputBuilder.for_model(model).prepare([sample], answers=["Maybe"])
    with pytest.raises(ValueError, match="modality"):
        InputBuilder.for_model(model).prepare([sample], modality="audio")
    with pytest.raises(ValueError, match="mode"):
        AnswerEngine(model).answer([sample], mode="vote")
    with pytest.raises(ValueError, match="no options to score"):
        AnswerEngine(model).answer([replace(sample, options=[], answer=None)], mode="score")
    with pytest.raises(ValueError, match="0 series, expected 1 to 2"):
        AnswerEngine(model).answer([replace(sample, series=[])], modality="both")
    batch = InputBuilder.for_model(model).prepare([sample])
    payload = batch["payload"]
    batch["payload"] = TimeSeriesPayload(payload.features[:-1], payload.empty[:-1], payload.channel[:-1],
                                         payload.series[:-1], payload.kind[:-1])
    with pytest.raises(ValueError, match=f"placeholder tokens but {len(payload) - 1} adapter vectors"):
        model(**batch)


def test_open_questions_generate_and_image_only_questions_score(hybrid_factory, make_sample, tmp_path):
    """An open question (no options) is answered in the model's words; a plot-only question may bring only images,
    as an API client does."""
    model = hybrid_factory("qwen3_vl", lora=False)
    sample = make_sample(0)
    open_question = replace(sample, options=[], answer=None)
    assert "Options:" not in model.processor.tokenizer.decode(InputBuilder.for_model(model).prepare([open_question])["input_ids"][0])
    (generated,) = AnswerEngine(model).answer([open_question], mode="generate", max_new_tokens=3)
    assert generated.choice is None and generated.text.startswith(model.config.prompt.answer_prefix)
    plot = tmp_path / "plot.png"
    render_plot(sample.series[0], plot)
    image_only = replace(sample, series=[], images=[plot])
    (scored,) = AnswerEngine(model).answer([image_only], modality="plot")
    assert scored.choice in sample.options and scored.shown_channels == []
    with_series = replace(sample, images=[plot])
    (reference,) = AnswerEngine(model).answer([with_series], modality="plot")
    assert scored.probabilities.keys() == reference.probabilities.keys()
