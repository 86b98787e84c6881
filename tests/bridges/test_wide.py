"""Wide series: only the channels the token budget can use are encoded (those the options name always), the anomalous
ones are among them, and a series within the limit is encoded whole, as before."""

import numpy as np

from tsqa.arfbench import Sample, Series
from tsqa.bridges.config import AdapterConfig
from tsqa.bridges.answering import AnswerEngine
from tsqa.bridges.budget import ChannelPlan, TokenPlan, encode_limit, encoded_channels, widen

START = 1_700_000_000
ANOMALOUS = (17, 58, 93)
NAMED = 4  # a quiet channel an option names


def _wide(channels: int = 100, steps: int = 64) -> Series:
    rng = np.random.default_rng(3)
    values = 50 + rng.uniform(0, 20, channels) + rng.normal(size=(steps, channels)) * 2
    for channel in ANOMALOUS:
        if channel < channels:
            values[steps // 2 :, channel] += 40  # level shift
    return Series("wide_0", [f"pod:{c:03d}" for c in range(channels)], START + 60 * np.arange(steps), values, 60)


def _identification(series: Series) -> Sample:
    options = [f"pod:{NAMED:03d}", "pod:017", "No anomaly among the listed channels"]
    return Sample("wide#0", series.name, "Anomaly Identification", "Which channel has an anomaly?", options, None,
                  [series])


def _spied(model, monkeypatch) -> list[np.ndarray]:
    """The arrays the encoder is called with, each (batch, channels, time)."""
    calls, encode = [], model.encoder.encode
    monkeypatch.setattr(model.encoder, "encode", lambda values: calls.append(np.asarray(values)) or encode(values))
    return calls


def test_a_wide_series_is_encoded_on_the_channels_the_budget_can_use(hybrid_factory, monkeypatch):
    model = hybrid_factory("qwen3_vl", lora=False, adapter=AdapterConfig(max_ts_tokens=16, min_tokens_per_channel=2))
    limit = encode_limit(2, 16)
    assert limit == 64  # 8 channels fit the budget; twice that is below the floor
    series = _wide()
    calls = _spied(model, monkeypatch)
    engine = AnswerEngine(model)
    (answer,) = engine.answer([_identification(series)])

    assert [call.shape for call in calls] == [(1, limit, 64)]
    encoded = calls[0][0]
    named = series.values[:, NAMED]
    assert any(np.allclose(row, named) for row in encoded)  # named by an option, though quiet
    shown = answer.shown_channels[0]
    assert len(shown) == 8 and len(answer.hidden_channels[0]) == 92
    assert {f"pod:{c:03d}" for c in ANOMALOUS} <= set(shown)
    prompt = model.processor.tokenizer.decode(engine.builder.prepare([_identification(series)])["input_ids"][0])
    assert "(92 more channels not shown: pod:000, pod:001," in prompt


def test_a_series_within_the_limit_is_encoded_whole(hybrid_factory, monkeypatch):
    model = hybrid_factory("qwen3_vl", lora=False, adapter=AdapterConfig(max_ts_tokens=16, min_tokens_per_channel=2))
    series = _wide(channels=64)
    calls = _spied(model, monkeypatch)
    (answer,) = AnswerEngine(model).answer([_identification(series)])
    assert [call.shape for call in calls] == [(1, 64, 64)]
    np.testing.assert_allclose(calls[0][0], series.values.T)
    assert len(answer.shown_channels[0]) + len(answer.hidden_channels[0]) == 64


def test_encoded_channels_and_widen():
    values = _wide(channels=80).values
    assert encoded_channels(values, set(), 80) is None
    kept = encoded_channels(values, {5, 6}, 10)
    assert len(kept) == 10 and kept == sorted(kept)
    assert {5, 6, 17, 58} <= set(kept)  # named, and the anomalous channels of these 80
    assert encoded_channels(values, set(range(12)), 10) == list(range(12))  # every named channel, past the limit
    plan = TokenPlan(2, [ChannelPlan([0, 2], [1, 3]), ChannelPlan([0], [1])])
    wide = widen(plan, [[3, 7, 9, 40], None], [50, 2])
    assert wide.series[0].shown == [3, 9] and len(wide.series[0].hidden) == 48
    assert wide.series[1] == plan.series[1]
