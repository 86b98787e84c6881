import json

import numpy as np
import pytest

from tsqa.arfbench import Series
from tsqa.bridges.budget import ChannelPlan
from tsqa.bridges.config import TS_END, TS_START, TS_TOKEN, PromptFormat, TimeLabels, config_dict, load_config
from tsqa.bridges.prompt import answer_text, series_block, time_labels

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def _series(channels: int = 3) -> Series:
    timestamps = START + 60 * np.arange(10)
    return Series("35928_0", [f"pod:{c}" for c in range(channels)], timestamps, np.ones((10, channels)), 60)


def test_time_labels_formats():
    epochs = [START, START + 3600]
    assert time_labels(epochs, "full") == ["2023-11-14 22:13:20", "2023-11-14 23:13:20"]
    assert time_labels(epochs, "compact") == ["2023-11-14 22:13:20", "23:13:20"]
    across_midnight = [START, START + 3600, START + 7200, START + 9000]
    expected = ["2023-11-14 22:13:20", "23:13:20", "2023-11-15 00:13:20", "00:43:20"]
    assert time_labels(across_midnight, "compact") == expected
    assert time_labels(epochs, "none") == ["", ""]
    with pytest.raises(ValueError, match="time labels must be one of"):
        PromptFormat(time_labels="iso")


def test_series_block_names_channels_and_writes_a_time_before_each_token():
    plan = ChannelPlan(shown=[0, 2], hidden=[1])
    text = series_block(_series(), "Time-series", plan, [START, START + 300], PromptFormat())
    lines = text.splitlines()
    assert lines[0] == "Time-series (35928_0): interval 60 s, 10 steps from 2023-11-14 22:13:20 to 2023-11-14 22:22:20."
    assert lines[1] == f"pod:0: {TS_START}2023-11-14 22:13:20{TS_TOKEN} 2023-11-14 22:18:20{TS_TOKEN}{TS_END}"
    assert lines[2].startswith("pod:2: ")
    assert lines[3] == "(1 more channels not shown: pod:1)"
    assert text.count(TS_TOKEN) == 4


def test_header_labels_list_span_starts_once_for_all_channels():
    plan = ChannelPlan(shown=[0, 2], hidden=[])
    text = series_block(_series(), "Time-series", plan, [START, START + 300], PromptFormat(time_labels="header"))
    lines = text.splitlines()
    assert lines[1] == "Token spans start at: 2023-11-14 22:13:20, 2023-11-14 22:18:20"
    assert lines[2] == f"pod:0: {TS_START}{TS_TOKEN}{TS_TOKEN}{TS_END}"
    assert lines[3] == f"pod:2: {TS_START}{TS_TOKEN}{TS_TOKEN}{TS_END}"
    assert text.count("2023-11-14 22:18:20") == 1


def test_plot_only_block_lists_names_without_tokens():
    plan = ChannelPlan(shown=[0, 1], hidden=[2])
    text = series_block(_series(), "Time-series 2", plan, None, PromptFormat(max_named_hidden=0))
    assert TS_TOKEN not in text and TS_START not in text
    assert "Channels: pod:0, pod:1" in text
    assert text.endswith("(1 more channels not shown: ...)")


def test_answer_text_is_valid_json_inside_the_prefix():
    fmt = PromptFormat()
    option = 'He said "spike" \\ here'
    assert json.loads(fmt.answer_prefix + answer_text(option, fmt))["answer"] == option


def test_format_round_trips_and_rejects_unknown_fields():
    fmt = PromptFormat(time_labels="compact")
    assert fmt.time_labels is TimeLabels.COMPACT
    assert load_config(PromptFormat, config_dict(fmt), "prompt") == fmt
    with pytest.raises(ValueError, match="prompt: unknown key 'colour'"):
        load_config(PromptFormat, {"colour": "red"}, "prompt")
    with pytest.raises(ValueError, match="prompt.time_labels: time labels must be one of 'full', 'compact'"):
        load_config(PromptFormat, {"time_labels": "fancy"}, "prompt")
