"""End to end on the project's own synthetic questions: every category, single and paired, both answer modes."""

from tsqa.arfbench import CATEGORIES, generate
from tsqa.bridges.inputs import InputBuilder
from tsqa.bridges.answering import AnswerEngine


def test_every_category_gets_a_valid_answer(hybrid_factory):
    samples = generate(len(CATEGORIES), seed=1)
    assert {s.category for s in samples} == set(CATEGORIES)
    model = hybrid_factory("qwen3_vl")
    scored = AnswerEngine(model).answer(samples, mode="score", batch_size=4)
    for sample, answer in zip(samples, scored):
        assert answer.choice in sample.options
        assert len(answer.shown_channels) == len(sample.series)  # both series of a pair are shown
        assert all(answer.shown_channels)
    generated = AnswerEngine(model).answer(samples[:2], mode="generate", batch_size=2, max_new_tokens=3)
    assert all(a.text.startswith('{"answer": "') for a in generated)
    batch = InputBuilder.for_model(model).prepare(samples, answers=[s.answer for s in samples])
    assert int((batch["labels"] != -100).sum()) > len(samples)
