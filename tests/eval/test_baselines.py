"""Random and most-frequent baselines, and the model-expert oracle."""

import dataclasses

import pytest

from tsqa.eval.baselines import ClassFrequencies, MostFrequentAnswerer, RandomAnswerer, baseline_tables
from tsqa.eval.experts import oracle_rows
from tsqa.eval.metrics import score_model

T = ["2024-01-01 10:00:00", "2024-01-01 11:00:00", "2024-01-01 12:00:00", "2024-01-01 13:00:00"]


def test_random_is_seeded_per_question_and_ignores_option_order(make_sample):
    samples = [make_sample(i, "Anomaly Start", [*T, "No Anomaly"]) for i in range(20)]
    first = [a.choice for a in RandomAnswerer(seed=1).answer(samples)]
    reordered = [dataclasses.replace(s, options=s.options[::-1]) for s in samples]
    assert [a.choice for a in RandomAnswerer(seed=1).answer(reordered)] == first
    assert [a.choice for a in RandomAnswerer(seed=2).answer(samples)] != first
    assert len(set(first)) > 2  # actually random


def test_most_frequent_picks_the_option_of_the_most_frequent_class(make_sample):
    # Correct answers of Start: earliest (x3, different timestamps each time), no_anomaly (x2)
    reference = [
        make_sample(0, "Anomaly Start", [T[0], T[1], T[2], T[3], "No Anomaly"], answer=T[0]),
        make_sample(1, "Anomaly Start", [T[1], T[2], T[3], "No Anomaly"], answer=T[1]),
        make_sample(2, "Anomaly Start", [T[2], T[3], "No Anomaly"], answer=T[2]),
        make_sample(3, "Anomaly Start", [T[0], T[1], "No Anomaly"], answer="No Anomaly"),
        make_sample(4, "Anomaly Start", [T[0], T[1], "No Anomaly"], answer="No Anomaly"),
        make_sample(5, "Anomaly Presence", ["Yes", "No"], answer="No"),
    ]
    answerer = MostFrequentAnswerer(reference)
    assert answerer.frequencies.counts["Anomaly Start"] == {"earliest": 3, "no_anomaly": 2}
    questions = [
        make_sample(6, "Anomaly Start", ["No Anomaly", T[3], T[1]], answer=T[1]),  # earliest here is T[1]
        make_sample(7, "Anomaly Start", ["Before the earliest timestamp", T[0], "No Anomaly"], answer=T[0]),
        make_sample(8, "Anomaly Presence", ["Yes", "No"], answer="Yes"),
    ]
    assert [a.choice for a in answerer.answer(questions)] == [T[1], "Before the earliest timestamp", "No"]


def test_most_frequent_falls_back_to_the_next_class_and_is_order_independent():
    presence = "Anomaly Presence"
    frequencies = ClassFrequencies([(presence, ["Yes", "No"], "Yes")] * 3 + [(presence, ["Yes", "No"], "No")])
    assert frequencies.most_frequent(presence, ["No", "Yes"]) == "Yes"
    assert frequencies.most_frequent(presence, ["Maybe", "No"]) == "No"
    assert frequencies.most_frequent(presence, ["b", "a"]) == frequencies.most_frequent(presence, ["a", "b"]) == "a"
    assert frequencies.most_frequent(presence, []) is None


def test_baseline_tables_score_like_results(make_row):
    rows = [make_row("Anomaly Presence", ["Yes", "No"], "Yes", "No", key=f"{i}_0") for i in range(9)]
    rows.append(make_row("Anomaly Presence", ["Yes", "No"], "No", "No", key="9_0"))
    tables = baseline_tables(rows, seed=0)
    assert [r.model_answer for r in tables["most-frequent"]] == ["Yes"] * 10
    assert score_model(tables["most-frequent"]).accuracy.overall == 90.0
    assert {r.model_answer for r in tables["random"]} == {"Yes", "No"}
    assert tables["random"] == baseline_tables(rows, seed=0)["random"]


def test_oracle_is_right_when_either_is_right(make_row):
    options = ["Yes", "No"]
    model = [
        make_row("Anomaly Presence", options, "Yes", "Yes", key="1_0"),  # model right, expert wrong
        make_row("Anomaly Presence", options, "No", "Yes", key="2_0"),  # model wrong, expert right
        make_row("Anomaly Presence", options, "No", "Yes", key="3_0"),  # both wrong
        make_row("Anomaly Presence", options, "Yes", "No", key="4_0"),  # no expert answer: left out
    ]
    expert = [
        make_row("Anomaly Presence", options, "No", "No", model="expert", key="2_0"),
        make_row("Anomaly Presence", options, "Yes", "No", model="expert", key="1_0"),
        make_row("Anomaly Presence", options, "No", None, model="expert", key="3_0"),
    ]
    oracle = oracle_rows(model, expert, "m+expert")
    assert [r.query_group for r in oracle] == ["1_0", "2_0", "3_0"]
    assert [r.is_correct for r in oracle] == [1.0, 1.0, 0.0]
    assert [r.model_answer for r in oracle] == ["Yes", "No", "Yes"]
    assert {r.model for r in oracle} == {"m+expert"}
    scores = score_model(oracle)
    assert scores.accuracy.overall == pytest.approx(100 * 2 / 3)
    # truth Yes No No, oracle Yes No Yes: Yes P 1/2 R 1 -> 2/3; No P 1 R 1/2 -> 2/3
    assert scores.f1.overall == pytest.approx(100 * 2 / 3)
