"""Accuracy and F1 against hand-computed values, including the seeded replacement of invalid answers."""

import random

import pytest

from tsqa.eval.metrics import accuracy, category_f1, f1_breakdown, score_model

CORR = "Anomaly Correlation"
A, B, C = "Yes, correlated", "No, not correlated", "No, only in time-series 1"


def _correlation_rows(make_row):
    # truth:  A A B C A ; answers: A A B <empty> <garbage>
    return [
        make_row(CORR, [A, B, C], A, A),
        make_row(CORR, [A, B, C], A, A),
        make_row(CORR, [A, B, C], B, B),
        make_row(CORR, [A, B, C], C, None),
        make_row(CORR, [A, B, C], A, "maybe?"),
    ]


def test_rng_draws_assumed_by_the_hand_computations():
    # random.Random(0) gives 32-bit words whose top two bits are 3, 1, 3, 3, 1, 0, ... (top bit 1, 0, ...).
    # choice() over n items draws n.bit_length() bits per word and rejects values >= n.
    bits = random.Random(0)
    assert [bits.getrandbits(2) for _ in range(6)] == [3, 1, 3, 3, 1, 0]


def test_f1_with_invalid_answers_replaced_by_the_seeded_rng(make_row):
    # Labels are the sorted texts: [B, C, A] ("No, not ..." < "No, only ..." < "Yes, ...").
    # Row 4 (truth C) is invalid: wrong classes [B, A]; choice draws 3 (rejected), 1 -> A.
    # Row 5 (truth A) is invalid: wrong classes [B, C]; draws 3, 3 (rejected), 1 -> C.
    # Predictions A A B A C vs truth A A B C A:
    #   A: TP 2, FP 1, FN 1 -> P 2/3, R 2/3, F1 2/3;  B: TP 1 -> P 1, R 1, F1 1;  C: TP 0, FP 1, FN 1 -> 0.
    scores = category_f1(_correlation_rows(make_row))[CORR]
    assert scores.labels == (B, C, A)
    assert scores.n == 5 and scores.invalid == 2
    assert scores.f1 == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert scores.precision == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert scores.recall == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_one_generator_for_the_table_categories_in_order_of_first_appearance(make_row):
    yes, no = "Yes, there is an anomaly", "No, there is no anomaly"
    presence = [make_row("Anomaly Presence", [yes, no], yes, ""), make_row("Anomaly Presence", [yes, no], no, no)]
    # Presence first: its invalid row (truth yes, wrong classes [no]) draws 1 bit per word: 1 (rejected), 0 -> no.
    # That used two words, so the Correlation rows now see draws 3, 3 (rejected), 1 -> [B, A][1] = A for row 4,
    # then 0 -> [B, C][0] = B for row 5. Predictions A A B A B vs truth A A B C A:
    #   A: TP 2, FP 1, FN 1 -> F1 2/3;  B: TP 1, FP 1 -> P 1/2, R 1, F1 2/3;  C: 0.
    first = category_f1(presence + _correlation_rows(make_row))
    assert first[CORR].f1 == pytest.approx((2 / 3 + 2 / 3) / 3)
    assert first["Anomaly Presence"].f1 == pytest.approx(0.5 * (0 + 2 / 3))  # no: P 1/2, R 1 -> 2/3; yes: 0
    # Presence after Correlation: Correlation sees a fresh generator, as in the previous test.
    last = category_f1(_correlation_rows(make_row) + presence)
    assert last[CORR].f1 == pytest.approx((2 / 3 + 1) / 3)
    assert list(last) == [CORR, "Anomaly Presence"]


def test_invalid_handling_is_deterministic_and_seeded(make_row):
    rows = _correlation_rows(make_row)
    assert category_f1(rows) == category_f1(rows)
    assert category_f1(rows, seed=0) == category_f1(list(rows), seed=0)


def test_start_f1_counts_special_options_by_class(make_row):
    t = ["2024-01-01 10:00:00", "2024-01-01 11:00:00", "2024-01-01 12:00:00"]
    options = ["Before the earliest timestamp", *t, "No Anomaly"]
    rows = [
        make_row("Anomaly Start", options, "Before the earliest timestamp", "Before the earliest timestamp"),
        make_row("Anomaly Start", options, t[0], t[0]),
        make_row("Anomaly Start", options, t[2], t[1]),  # late answered medium
        make_row("Anomaly Start", options, "No Anomaly", "no anomaly"),  # same class, not the same text
    ]
    scores = category_f1(rows)["Anomaly Start"]
    # labels earliest, early, late, no_anomaly (medium is only predicted): late gets 0, the others 1
    assert scores.labels == ("earliest", "early", "late", "no_anomaly")
    assert scores.invalid == 1  # "medium" is outside the label set: replaced by a wrong class
    assert scores.f1 < 1.0
    assert accuracy(rows).overall == pytest.approx(50.0)  # exact text: only two answers match


def test_rows_whose_correct_answer_has_no_class_are_left_out(make_row):
    rows = [
        make_row("Anomaly Magnitude", ["1", "5", "No Anomaly"], "1", "1"),
        make_row("Anomaly Magnitude", "not json", "5", "5"),  # unparsable options: no class for the truth
    ]
    scores = category_f1(rows)["Anomaly Magnitude"]
    assert scores.n == 1 and scores.f1 == 1.0
    assert accuracy(rows).overall == 100.0  # accuracy still counts both rows


def test_perfect_predictions_give_100_everywhere(make_row):
    t = ["2024-01-01 10:00:00", "2024-01-01 11:00:00"]
    rows = [
        make_row("Anomaly Presence", ["Yes", "No"], "Yes", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "No"),
        make_row("Anomaly Start", [*t, "No Anomaly"], t[1], t[1]),
        make_row("Anomaly Start", [*t, "No Anomaly"], "No Anomaly", "No Anomaly"),
        make_row("Anomaly End", [*t, "Not resolved"], "Not resolved", "Not resolved"),
        make_row("Anomaly Categorization", ["Level Shift", "Change in Variance"], *["Change in Variance"] * 2),
        make_row("Anomaly Magnitude", [{"value": "10"}, {"value": "No Anomaly"}], "10", "10"),
        make_row("Anomaly Identification", ["a:1", "a:1 and b:2"], "a:1 and b:2", "a:1 and b:2"),
        make_row("Anomaly Correlation", ["Yes, correlated", "No"], "No", "No"),
        make_row("Anomaly Indicator", ["leads", "lags"], "lags", "lags"),
    ]
    scores = score_model(rows)
    for breakdown in (scores.accuracy, scores.f1, scores.precision, scores.recall):
        assert breakdown.overall == 100.0
        assert set(breakdown.tier.values()) == {100.0} and len(breakdown.tier) == 3
        assert set(breakdown.category.values()) == {100.0} and len(breakdown.category) == 8
    assert set(scores.invalid.values()) == {0}


def test_accuracy_uses_run_1_only_and_f1_every_row(make_row):
    rows = [
        make_row("Anomaly Presence", ["Yes", "No"], "Yes", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "No", run=2),
    ]
    scores = score_model(rows)
    assert scores.n == 2
    assert scores.accuracy.overall == 50.0
    # F1 over all three rows: Yes P 1/2 R 1 -> 2/3; No P 1 R 1/2 -> 2/3
    assert scores.f1.overall == pytest.approx(100 * 2 / 3)


def test_tier_and_overall_accuracy_and_f1_weighting(make_row):
    rows = [
        make_row("Anomaly Presence", ["Yes", "No"], "Yes", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "No"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "Yes", "Yes"),
        make_row("Anomaly Categorization", ["Level Shift", "No Anomaly"], "Level Shift", "Level Shift"),
        make_row("Anomaly Categorization", ["Level Shift", "No Anomaly"], "No Anomaly", "Level Shift"),
    ]
    scores = score_model(rows)
    assert scores.accuracy.category == {"Anomaly Presence": 75.0, "Anomaly Categorization": 50.0}
    assert scores.accuracy.tier == {"Tier 1": 75.0, "Tier 2": 50.0}
    assert scores.accuracy.overall == pytest.approx(100 * 4 / 6)
    # Presence: Yes P 2/3 R 1 -> 0.8, No P 1 R 1/2 -> 2/3: macro 11/15. Categorization: LS 2/3, NA 0: 1/3.
    presence, categorization = 11 / 15, 1 / 3
    assert scores.f1.category["Anomaly Presence"] == pytest.approx(100 * presence)
    assert scores.f1.tier == {"Tier 1": pytest.approx(100 * presence), "Tier 2": pytest.approx(100 * categorization)}
    assert scores.f1.overall == pytest.approx(100 * (4 * presence + 2 * categorization) / 6)  # n-weighted, not pooled


def test_empty_is_correct_is_left_out_of_accuracy(make_row):
    rows = [
        make_row("Anomaly Presence", ["Yes", "No"], "Yes", "Yes"),
        make_row("Anomaly Presence", ["Yes", "No"], "No", "Yes"),
    ]
    rows[1].is_correct = None
    assert accuracy(rows).overall == 100.0
    assert f1_breakdown({}).overall is None
