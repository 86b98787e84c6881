"""ARFBench's four-step answer parsing, case by case."""

import json

import pytest

from tsqa.eval.parsing import parse_answer, parse_response


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # step 1: JSON between the first "{" and the last "}"
        ('{"reasoning": "a spike", "answer": "Transient Spike"}', "Transient Spike"),
        ('Sure! ```json\n{"answer": "No Anomaly"}\n``` done.', "No Anomaly"),
        ('{"answer": "Level Shift", "reasoning": "mean moved"', "Level Shift"),  # closing brace added
        ('{"answer": " Yes "}', " Yes "),  # a JSON answer is not stripped
        ('{"reasoning": "no answer key"}', None),  # valid JSON without "answer": no answer, no fallback
        # step 2: "Answer:" up to the end of its line (JSON that does not parse falls through)
        ("Reasoning first.\nAnswer: 2024-01-01 10:00:00\nbecause", "2024-01-01 10:00:00"),
        ("{broken json} Answer: Level Shift", "Level Shift"),
        ("Answer: {Level Shift", "{Level Shift}"),  # the brace added in step 1 stays for the later steps
        # step 3: the text before the first "."
        ("Level Shift. The mean jumps.", "Level Shift"),
        ("0.1", "0"),  # as published: a number's decimal point also ends the answer
        # step 4: the raw text
        ("  Not resolved  ", "Not resolved"),
        # no answer
        ("", None),
        ("   \n ", None),
        (None, None),
    ],
)
def test_parse_answer(text, answer):
    assert parse_answer(text) == answer


def test_empty_answer_after_prefix_stays_empty_like_the_reference():
    assert parse_answer("Answer:\nthe rest") == ""
    assert parse_answer(". leading dot") == ""


def test_reasoning_is_extracted_by_each_step():
    assert parse_response('{"answer": "Yes", "reasoning": "clear spike"}').reasoning == "clear spike"
    assert parse_response("Answer: Yes\n  because  ").reasoning == "because"
    assert parse_response("Yes. It spikes.").reasoning == "It spikes."
    assert parse_response("Yes").reasoning is None


def test_a_non_text_json_answer_is_written_but_never_counts_as_correct():
    parsed = parse_response('{"answer": 25, "reasoning": "x"}')
    assert parsed.answer == "25"
    assert parsed.answer_is_text is False
    assert parse_response('{"answer": "25"}').answer_is_text is True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"answer": 25}', 25),
        ('{"answer": 0.1}', 0.1),
        ('{"answer": ["Change in Trend"]}', ["Change in Trend"]),
        ('{"answer": true}', True),
        ('{"answer": {"value": "Yes"}}', {"value": "Yes"}),
    ],
)
def test_parse_answer_keeps_the_json_value_so_it_never_equals_an_option(text, value):
    parsed = parse_answer(text)
    assert parsed == value and type(parsed) is type(value)
    assert parsed != str(value)  # "25", "['Change in Trend']": never an option's text
    assert parse_response(text).answer == str(value)  # what the results file shows, as the reference writes it


def test_answers_nested_too_deep_for_json_fall_through_to_the_text_steps():
    nested = '{"answer": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(RecursionError):
        json.loads(nested)
    assert parse_answer(nested + "\nAnswer: Yes\n") == "Yes"
    assert parse_answer(nested) == nested  # step 4: the whole text


def test_a_json_answer_no_parser_can_read_is_not_an_error():
    """A model's output of a 5000-digit number or deep braces: no answer found, never an exception in the run."""
    huge = parse_response('{"answer": ' + "9" * 5000 + "}")
    assert huge.answer is not None and huge.answer.startswith('{"answer": 999')  # read as text, past the JSON step
    deep = parse_response("{" * 100_000)
    assert deep.answer.startswith("{{{")
