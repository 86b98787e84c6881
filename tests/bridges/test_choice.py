"""The choice objective: its answer loss is the label loss, its choice loss the cross-entropy over answering's scores,
and its gradients reach the adapter and LoRA through the cached continuation."""

import dataclasses

import pytest
import torch

from tsqa.bridges.grounding import Kind
from tsqa.bridges.prompt import answer_text
from tsqa.training.objective import TrainingObjective
from tsqa.bridges.inputs import InputBuilder, option_inputs

START_OPTIONS = ["2023-11-14 22:20:20", "2023-11-14 22:45:20", "Before the earliest timestamp", "No Anomaly"]


def _answered(make_sample):
    """A presence question, a four-option start question, a paired question, and one with a single option."""
    presence = make_sample(0, channels=2)
    start = make_sample(1, channels=1, steps=48, options=START_OPTIONS)
    paired = make_sample(2, channels=2, pair=True)
    single = make_sample(3, options=["No Anomaly"])
    return [
        dataclasses.replace(presence, answer=presence.options[1]),
        dataclasses.replace(start, answer=START_OPTIONS[2]),
        dataclasses.replace(paired, answer=paired.options[0]),
        dataclasses.replace(single, answer="No Anomaly"),
    ]


@pytest.mark.parametrize("scoring", ["mean", "sum"])
def test_losses_equal_label_loss_and_cross_entropy_over_scores(family, hybrid_factory, make_sample, scoring):
    model = hybrid_factory(family)
    model.config.scoring = scoring
    samples = _answered(make_sample)
    with torch.no_grad():
        output = TrainingObjective(model, choice_weight=2.0)(**InputBuilder.for_model(model).prepare_choice(samples))
        label_loss = model(**InputBuilder.for_model(model).prepare(samples, answers=[s.answer for s in samples])).loss

    torch.testing.assert_close(output.answer, label_loss, atol=1e-4, rtol=1e-5)

    scored = samples[:3]
    batch, questions = InputBuilder.for_model(model).build(scored, model.config.modality)
    option_ids, payloads = option_inputs(questions)
    with torch.no_grad():
        sums, lengths = model.score_options(batch, option_ids, payloads)
    scores = (sums / lengths if scoring == "mean" else sums).split([len(o) for o in option_ids])
    expected = torch.stack(
        [-score.log_softmax(0)[s.options.index(s.answer)] for s, score in zip(scored, scores)]
    ).mean()  # a single option adds nothing
    torch.testing.assert_close(output.choice, expected, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(output.total, output.answer + 2.0 * output.choice)


def test_without_choice_the_objective_is_the_label_loss(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl")
    samples = _answered(make_sample)
    batch = InputBuilder.for_model(model).prepare(samples, answers=[s.answer for s in samples])
    with torch.no_grad():
        output = TrainingObjective(model)(**batch)
    assert output.choice is None
    torch.testing.assert_close(output.total, model(**batch).loss)


def test_choice_loss_trains_adapter_and_lora(hybrid_factory, make_sample):
    model = hybrid_factory("qwen3_vl")
    model.train()
    output = TrainingObjective(model, choice_weight=1.0)(**InputBuilder.for_model(model).prepare_choice(_answered(make_sample)))
    output.choice.backward()
    grads = {name: p.grad for name, p in model.trainable_parameters()}
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if n.startswith("adapter."))
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if "lora_" in n)


def test_prepare_choice_marks_the_answer_among_options(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3", lora=False)
    samples = _answered(make_sample)
    batch = InputBuilder.for_model(model).prepare_choice(samples)
    assert [len(ids) for ids in batch["option_ids"]] == [2, 4, 2, 1]
    assert batch["answer_index"].tolist() == [1, 2, 0, 0]
    tokenizer, fmt = model.processor.tokenizer, model.config.prompt
    before = answer_text("Before the earliest timestamp", fmt) + tokenizer.eos_token
    assert batch["option_ids"][1][2] == tokenizer(before, add_special_tokens=False)["input_ids"]
    assert batch["option_payloads"][1][2] is None  # nothing named: no grounding token
    grounded = batch["option_payloads"][1][0]  # "2023-11-14 22:20:20" grounds to its instant
    assert grounded.kind.tolist() == [Kind.TIME] and batch["option_ids"][1][0].count(model.placeholder_id) == 1
    assert "labels" not in batch
    with pytest.raises(ValueError, match="not among the options"):
        InputBuilder.for_model(model).prepare_choice([dataclasses.replace(samples[0], answer="Maybe")])
