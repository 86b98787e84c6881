"""F1 classes per category, against hand-worked option sets."""

import json

import pytest

from tsqa.arfbench.answer_classes import answer_class, channel_count, options_from_json

T = ["2024-03-01 10:00:00", "2024-03-01 10:30:00", "2024-03-01 11:00:00", "2024-03-01 11:30:00"]


@pytest.mark.parametrize(
    ("answer", "options", "expected"),
    [
        # four timestamps (listed out of order: the rank decides) + No Anomaly
        (T[0], [T[2], T[0], T[3], T[1], "No Anomaly"], "earliest"),
        (T[1], [T[2], T[0], T[3], T[1], "No Anomaly"], "early"),
        (T[2], [T[2], T[0], T[3], T[1], "No Anomaly"], "medium"),
        (T[3], [T[2], T[0], T[3], T[1], "No Anomaly"], "late"),
        ("No anomaly", [T[0], T[1], "No Anomaly"], "no_anomaly"),  # case-insensitive
        # "Before the earliest timestamp" owns `earliest`, timestamps shift to early/medium/late
        ("Before the earliest timestamp", ["Before the earliest timestamp", *T[:3], "No Anomaly"], "earliest"),
        (T[0], ["Before the earliest timestamp", *T[:3], "No Anomaly"], "early"),
        (T[1], ["Before the earliest timestamp", *T[:3], "No Anomaly"], "medium"),
        (T[2], ["Before the earliest timestamp", *T[:3], "No Anomaly"], "late"),
        (T[0], ["Before the earliest timestamp", T[0]], "early"),
        # fewer timestamps drop the inner classes
        (T[0], [T[0]], "earliest"),
        (T[1], [T[0], T[1]], "late"),
        (T[1], [T[0], T[1], T[2]], "medium"),
        # a timestamp that is not among the options, or none at all: no class
        ("2030-01-01 00:00:00", T, None),
        ("around ten", T, None),
        (T[0], ["No Anomaly"], None),
    ],
)
def test_start(answer, options, expected):
    assert answer_class(answer, options, "Anomaly Start") == expected


@pytest.mark.parametrize(
    ("answer", "options", "expected"),
    [
        # End mirrors Start: ranked from the last timestamp
        (T[0], [*T, "No Anomaly"], "early"),
        (T[1], [*T, "No Anomaly"], "medium"),
        (T[2], [*T, "No Anomaly"], "late"),
        (T[3], [*T, "No Anomaly"], "latest"),
        (T[0], [T[0]], "latest"),
        (T[0], T[:2], "early"),
        (T[1], T[:3], "medium"),
        # "Not resolved" owns `latest`
        ("Not resolved", [*T[:3], "Not resolved", "No Anomaly"], "latest"),
        (T[2], [*T[:3], "Not resolved", "No Anomaly"], "late"),
        (T[1], [*T[:3], "Not resolved", "No Anomaly"], "medium"),
        (T[0], [*T[:3], "Not resolved", "No Anomaly"], "early"),
        (T[0], [T[0], "Not resolved"], "late"),
        ("No Anomaly", T, "no_anomaly"),
    ],
)
def test_end(answer, options, expected):
    assert answer_class(answer, options, "Anomaly End") == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("0.1", "smallest"), ("25", "small"), ("50%", "medium"), ("100", "medium"), ("400", "large"),
        ("No Anomaly", "no_anomaly"), ("7", None),
    ],  # fmt: skip
)
def test_magnitude_ranks_the_first_number_of_each_option(answer, expected):
    options = ["400", "0.1", "50%", "25", "100", "No Anomaly"]
    assert answer_class(answer, options, "Anomaly Magnitude") == expected


def test_magnitude_with_three_numbers_and_without_numbers():
    three = [answer_class(a, ["1", "5", "9"], "Anomaly Magnitude") for a in ("1", "5", "9")]
    assert three == ["smallest", "medium", "large"]
    assert answer_class("5", ["No Anomaly"], "Anomaly Magnitude") is None


@pytest.mark.parametrize(
    ("option", "channels"),
    [
        ("pod_name:614", 1),
        ("pod_name:614, pod_name:198", 2),
        ("method:1 and method:2", 2),
        ("a:1 and b:2 and c:3", 3),
        ("service:2,track_type:15,service:1,track_type:41", 2),
        ("x:1, y:2, z:3", 3),
        ("service:2,track_type:15", 1),
        ("614, 198", 1),  # ", " must be followed by a letter or "_"
    ],
)
def test_channel_count(option, channels):
    assert channel_count(option) == channels


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("pod_name:198", "one_channel_small"),  # the lexicographically smaller single channel
        ("pod_name:614", "one_channel_large"),
        ("pod_name:614, pod_name:198", "two_channel"),
        ("a:1 and b:2 and c:3", "three_channel"),
        ("No anomaly among the listed channels", "no_anomaly"),
        ("no anomaly", "no_anomaly"),
    ],
)
def test_identification(answer, expected):
    options = [
        "pod_name:614", "pod_name:198", "pod_name:614, pod_name:198", "a:1 and b:2 and c:3",
        "No anomaly among the listed channels",
    ]  # fmt: skip
    assert answer_class(answer, options, "Anomaly Identification") == expected


def test_identification_with_a_single_one_channel_option_calls_it_small():
    assert answer_class("pod_name:9", ["pod_name:9", "a:1 and b:2"], "Anomaly Identification") == "one_channel_small"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Change in Seasonality", "Change in Seasonality/Variance"),
        ("change in variance", "Change in Seasonality/Variance"),
        ("A Level Shift upwards", "Level Shift"),
        ("No Anomaly", "No Anomaly"),
        ("Transient Spike", "Transient Spike"),
        ("Change in Trend", "Change in Trend"),
        ("  Something else  ", "Something else"),  # unmatched text is its own class, stripped
    ],
)
def test_categorization(answer, expected):
    assert answer_class(answer, [], "Anomaly Categorization") == expected


def test_presence_correlation_indicator_use_the_raw_text():
    for category in ("Anomaly Presence", "Anomaly Correlation", "Anomaly Indicator"):
        assert answer_class(" Yes ", [], category) == " Yes "
        assert answer_class("", [], category) is None
        assert answer_class(None, [], category) is None


def test_options_from_json_forms():
    assert options_from_json(json.dumps(["a", "b"])) == ["a", "b"]
    assert options_from_json(json.dumps([{"value": "a"}, {"value": 25}])) == ["a", "25"]
    assert options_from_json(json.dumps([1.5, None])) == ["1.5", "None"]
    for unparsable in ("not json", "", None, "[]", "{}", '[{"text": "a"}]', '[{"value": "a"}, "b"]', "[1, 2"):
        assert options_from_json(unparsable) == []


def test_binning_of_value_objects_and_unparsable_options_through_the_options_column():
    as_values = options_from_json(json.dumps([{"value": t} for t in T]))
    assert answer_class(T[3], as_values, "Anomaly Start") == "late"
    assert answer_class(T[3], options_from_json("oops"), "Anomaly Start") is None
    # without options, option-free classes still work
    assert answer_class("Not resolved", options_from_json("oops"), "Anomaly End") == "latest"


def test_options_nested_too_deeply_are_unparsable_like_any_bad_json():
    assert options_from_json("[" * 100_000 + "]" * 100_000) == []
    assert options_from_json('[{"value": "a"}, {"value": "b"}]') == ["a", "b"]
