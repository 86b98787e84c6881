"""Grounding tokens sit exactly after the timestamps, channel names and series labels the text names, carry the
named data's features and identity, and keep scoring exact; checkpoints of the format before grounding are refused."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from tsqa.arfbench.options import ONLY_FIRST, ONLY_SECOND, format_timestamp
from tsqa.bridges.config import CONFIG_NAME, TS_TOKEN, AdapterConfig
from tsqa.bridges.grounding import Anchor, Grounder, Kind
from tsqa.encoders.outliers import robust_z
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.answering import AnswerEngine


def _grounder(model, sample) -> Grounder:
    """The grounder the input builder makes for `sample` (it lives only while the prompt is built)."""
    outputs = [model.encoder.encode(series.values.T) for series in sample.series]
    plan = InputBuilder.for_model(model)._plan([len(series.channels) for series in sample.series], outputs)
    z = [robust_z(series.values) for series in sample.series]
    return Grounder(sample, outputs, z, plan, model.config.adapter.fourier_frequencies)


def test_ground_marks_each_named_thing_once_and_nothing_else(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl", lora=False)
    sample = make_sample(0, channels=2, pair=True)  # channels host:web-0/1; series 2 adds host:web-2
    sample.series[1].channels[2] = "host:web-10"  # a name that starts with another channel's name
    grounder = _grounder(model, sample)
    at = format_timestamp(int(sample.series[0].timestamps[5]))
    text = (f"Did host:web-1 and host:web-10 in time-series 2 change at {at}? Not xhost:web-1, host:web-1x, "
            "the time-series, or Time-series 3.")
    grounded, anchors = grounder.ground(text)
    assert grounded == (f"Did host:web-1{TS_TOKEN} and host:web-10{TS_TOKEN} in time-series 2{TS_TOKEN} change at "
                        f"{at}{TS_TOKEN}? Not xhost:web-1, host:web-1x, the time-series, or Time-series 3.")
    assert anchors == [
        Anchor(Kind.CHANNEL, 0, 1), Anchor(Kind.CHANNEL, 1, 2), Anchor(Kind.SERIES, 1),
        Anchor(Kind.TIME, 0, epoch=int(sample.series[0].timestamps[5])),
    ]


def test_prompt_grounds_labels_channels_question_and_options_in_payload_order(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3", lora=False)
    sample = make_sample(1, channels=2, pair=True)
    sample = replace(sample, question="Which series, time-series 1 or time-series 2, changed?",
                     options=[ONLY_FIRST, ONLY_SECOND, "host:web-0 and host:web-1"])
    batch = InputBuilder.for_model(model).prepare([sample])
    kinds = batch["payload"].kind.tolist()
    temporal = [Kind.SERIES_TOKEN] * 8
    expected = (
        [Kind.SERIES] + ([Kind.CHANNEL] + temporal) * 2  # series 1: label, then each channel's name and tokens
        + [Kind.SERIES] + ([Kind.CHANNEL] + temporal) * 3
        + [Kind.SERIES, Kind.SERIES]  # the question names both series
        + [Kind.SERIES, Kind.SERIES, Kind.CHANNEL, Kind.CHANNEL]  # the options
    )
    assert kinds == expected
    prompt = model.processor.tokenizer.decode(batch["input_ids"][0])
    assert f"- No, there is an anomaly only in time-series 1{TS_TOKEN}\n" in prompt
    assert f"- host:web-0{TS_TOKEN} and host:web-1{TS_TOKEN}" in prompt
    assert prompt.count(TS_TOKEN) == len(kinds)


def test_grounding_tokens_carry_the_named_channels_identity(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl", lora=False)
    sample = replace(make_sample(2, channels=3), options=["host:web-2", "host:web-0", "No anomaly among the listed channels"])
    payload = InputBuilder.for_model(model).prepare([sample])["payload"]
    channels = payload.kind == Kind.CHANNEL
    # block names (channels 0, 1, 2), then the options (2, 0): the same identity the channel's tokens carry
    assert payload.channel[channels].tolist() == [0, 1, 2, 2, 0]
    block_web2, option_web2 = payload.features[channels][2], payload.features[channels][3]
    torch.testing.assert_close(block_web2, option_web2)


def test_a_timestamp_grounds_to_the_change_at_that_instant(hybrid_factory, make_series):
    """A level shift in channel 1 at step 60: the grounding of that instant sees the change, an instant before the
    shift does not, and the changing channel is the one named."""
    model = hybrid_factory("qwen3_vl", lora=False)
    series = make_series("7_0", channels=3, steps=160, seed=4)
    series.values[60:, 1] += 200.0
    grounder = Grounder(
        sample=_sample_of(series), outputs=[model.encoder.encode(series.values.T)], z=[robust_z(series.values)],
        plan=InputBuilder.for_model(model)._plan([3], [model.encoder.encode(series.values.T)]),
        frequencies=model.config.adapter.fourier_frequencies,
    )
    at_shift = Anchor(Kind.TIME, 0, epoch=int(series.timestamps[60]))
    earlier = Anchor(Kind.TIME, 0, epoch=int(series.timestamps[20]))
    rows = grounder.payload([at_shift, earlier])
    change = rows.features[:, -4]  # signed-log mean z after minus before
    assert change[0] > 2.0 and abs(change[1]) < 1.0
    assert rows.channel[0] == 1


def test_an_instant_at_or_before_the_first_step_grounds_with_nothing_before_it(hybrid_factory, make_series):
    """An option naming the series' first timestamp (or one before it) has no steps before the instant: the
    'before' side reads as zeros, and the 'after' side still sees the data."""
    model = hybrid_factory("qwen3_vl", lora=False)
    series = make_series("7_0", channels=2, steps=96, seed=5)
    series.values[:8, 0] += 500.0
    output = model.encoder.encode(series.values.T)
    grounder = Grounder(sample=_sample_of(series), outputs=[output], z=[robust_z(series.values)],
                        plan=InputBuilder.for_model(model)._plan([2], [output]),
                        frequencies=model.config.adapter.fourier_frequencies)
    first = int(series.timestamps[0])
    rows = grounder.payload([Anchor(Kind.TIME, 0, epoch=first), Anchor(Kind.TIME, 0, epoch=first - 3600)])
    assert torch.isfinite(rows.features).all()
    max_after, max_before = rows.features[:, -3], rows.features[:, -2]  # signed-log largest |z| after / before
    assert (max_before == 0).all() and (max_after > 2.0).all()
    assert torch.equal(rows.features[0], rows.features[1])


def test_scoring_with_grounded_options_equals_the_full_sequence(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3")
    sample = make_sample(3, channels=2, steps=48)
    stamps = [format_timestamp(int(sample.series[0].timestamps[i])) for i in (10, 30)]
    sample = replace(sample, options=[*stamps, "host:web-1", "No Anomaly"])
    (answer,) = AnswerEngine(model).answer([sample])
    scores = torch.tensor([_full_mean(model, sample, option) for option in sample.options])
    probabilities = torch.tensor(list(answer.probabilities.values()))
    torch.testing.assert_close(probabilities, scores.double().softmax(0).float(), atol=1e-4, rtol=1e-4)

    batch = InputBuilder.for_model(model).prepare([sample], answers=[stamps[0]])  # the answer's grounding token is read, not labelled
    (question,) = InputBuilder.for_model(model).build([sample], "both")[1]
    answer_ids = question.options[sample.options.index(stamps[0])].ids
    assert answer_ids.count(model.placeholder_id) == 1
    assert int((batch["labels"] != -100).sum()) == len(answer_ids) - 1


def test_the_ablation_switch_turns_grounding_off(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl", lora=False, adapter=AdapterConfig(grounding=False))
    batch = InputBuilder.for_model(model).prepare([make_sample(0, channels=2, pair=True)])
    assert batch["payload"].kind.unique().tolist() == [Kind.SERIES_TOKEN]
    assert TS_TOKEN + " (" not in model.processor.tokenizer.decode(batch["input_ids"][0])


def test_a_checkpoint_from_before_grounding_is_refused_clearly(hybrid_factory, tmp_path):
    from tsqa.bridges.hybrid import HybridModel

    directory = hybrid_factory("qwen3_vl", lora=False).save_pretrained(tmp_path / "old")
    config = json.loads((directory / CONFIG_NAME).read_text())
    config["format_version"] = 2
    (directory / CONFIG_NAME).write_text(json.dumps(config))
    with pytest.raises(ValueError, match="format_version 2, expected 3.*retrain"):
        HybridModel.from_pretrained(directory)


def _full_mean(model, sample, option) -> float:
    """Reference: the option's mean answer-token log-probability from one uncached sequence."""
    batch = InputBuilder.for_model(model).prepare([sample], answers=[option])
    with torch.no_grad():
        logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits[0, :-1].float()
    labels = batch["labels"][0, 1:]
    keep = labels != -100
    return float(logits.log_softmax(dim=-1)[keep].gather(1, labels[keep][:, None])[:, 0].mean())


def _sample_of(series):
    from tsqa.arfbench import Sample

    return Sample("7_0#0", "7_0", "Anomaly Start", "When does it start?", [], None, [series])
