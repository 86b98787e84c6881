"""Option scoring: probabilities, cached continuation vs full sequences, batched vs one by one; logits only where
they are needed."""

import torch
from tsqa.bridges.inputs import InputBuilder, option_inputs
from tsqa.bridges.answering import AnswerEngine

START_OPTIONS = ["2023-11-14 22:20:20", "2023-11-14 22:45:20", "Before the earliest timestamp", "No Anomaly",
                 "2023-11-14 23:05:20"]


def _questions(make_sample):
    return [
        make_sample(0, channels=2),
        make_sample(1, channels=1, steps=48, options=START_OPTIONS),
        make_sample(2, channels=2, pair=True),
    ]


def _full_sequence_scores(model, sample) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: each prompt + option as one uncached sequence (the training path), log-probs at the labels."""
    sums, means = [], []
    for option in sample.options:
        batch = InputBuilder.for_model(model).prepare([sample], answers=[option])
        with torch.no_grad():
            logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits[0, :-1].float()
        labels = batch["labels"][0, 1:]
        keep = labels != -100
        logp = logits.log_softmax(dim=-1)[keep].gather(1, labels[keep][:, None])[:, 0]
        sums.append(logp.sum())
        means.append(logp.mean())
    return torch.stack(sums), torch.stack(means)


def test_cached_scores_equal_full_sequence_scores(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    batch, questions = InputBuilder.for_model(model).build(samples, model.config.modality)
    options, payloads = option_inputs(questions)
    with torch.no_grad():
        flat_sums, lengths = model.score_options(batch, options, payloads)
    counts = [len(o) for o in options]
    sums, means = flat_sums.split(counts), (flat_sums / lengths).split(counts)
    assert counts == [2, 5, 2]
    for sample, cached_sum, cached_mean in zip(samples, sums, means):
        full_sum, full_mean = _full_sequence_scores(model, sample)
        torch.testing.assert_close(cached_sum, full_sum, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(cached_mean, full_mean, atol=1e-4, rtol=1e-5)
    assert not torch.allclose(sums[1], means[1])  # options differ in length, so the two reductions differ


def test_answers_are_options_with_probabilities_summing_to_one(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    answers = AnswerEngine(model).answer(samples, mode="score", batch_size=3)
    for sample, answer in zip(samples, answers):
        assert answer.sample_id == sample.id
        assert answer.choice in sample.options
        assert list(answer.probabilities) == sample.options
        assert abs(sum(answer.probabilities.values()) - 1) < 1e-9
        assert answer.choice == max(answer.probabilities, key=answer.probabilities.get)
        assert answer.text == '{"answer": "' + answer.choice + '"}'


def test_batched_answers_equal_one_by_one(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    batched = AnswerEngine(model).answer(samples, batch_size=3)
    single = AnswerEngine(model).answer(samples, batch_size=1)
    assert sorted(samples, key=lambda s: s.size) != samples  # batching by size reorders them; answers come back in order
    assert [a.sample_id for a in batched] == [b.sample_id for b in single] == [s.id for s in samples]
    for a, b in zip(batched, single):
        assert a.choice == b.choice
        for option in a.probabilities:
            assert abs(a.probabilities[option] - b.probabilities[option]) < 1e-4


def test_sum_scoring_uses_summed_log_likelihoods(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3")
    model.config.scoring = "sum"
    sample = make_sample(1, channels=1, options=START_OPTIONS)
    (answer,) = AnswerEngine(model).answer([sample])
    sums, _ = _full_sequence_scores(model, sample)
    expected = torch.softmax(sums.double(), dim=0)
    assert torch.allclose(torch.tensor(list(answer.probabilities.values()), dtype=torch.double), expected, atol=1e-4)


def test_label_loss_computes_logits_only_for_the_answer_window(family, hybrid_factory, make_sample):
    """The training loss never builds (batch, sequence, vocabulary) logits, and equals the full-sequence loss."""
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    batch = InputBuilder.for_model(model).prepare(samples, answers=[samples[0].options[0], START_OPTIONS[3], samples[2].options[1]])
    with torch.no_grad():
        output = model(**batch)
        full = model(**{k: v for k, v in batch.items() if k != "labels"}).logits.float()
    labels = batch["labels"]
    window = labels.shape[1] - int((labels != -100).any(dim=0).nonzero()[0]) + 1
    assert output.logits.shape[:2] == (3, window) and window < labels.shape[1] // 4
    expected = torch.nn.functional.cross_entropy(full[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)
    torch.testing.assert_close(output.loss, expected, atol=1e-5, rtol=1e-5)
