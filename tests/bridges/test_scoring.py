"""Option scoring: probabilities, cached continuation vs full sequences, batched vs one by one."""

import torch

from tsqa.bridges.scoring import option_log_likelihoods

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
        batch = model.prepare([sample], answers=[option])
        with torch.no_grad():
            logits = model(**batch).logits[0, :-1].float()
        labels = batch["labels"][0, 1:]
        keep = labels != -100
        logp = logits.log_softmax(dim=-1)[keep].gather(1, labels[keep][:, None])[:, 0]
        sums.append(logp.sum())
        means.append(logp.mean())
    return torch.stack(sums), torch.stack(means)


def test_cached_scores_equal_full_sequence_scores(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    batch, _ = model.builder.build(samples)
    options = [[model.builder.continuation_ids(o) for o in s.options] for s in samples]
    sums, means = option_log_likelihoods(model, batch, options)
    assert [len(s) for s in sums] == [2, 5, 2]
    for sample, cached_sum, cached_mean in zip(samples, sums, means):
        full_sum, full_mean = _full_sequence_scores(model, sample)
        torch.testing.assert_close(cached_sum, full_sum, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(cached_mean, full_mean, atol=1e-4, rtol=1e-5)
    assert not torch.allclose(sums[1], means[1])  # options differ in length, so the two reductions differ


def test_answers_are_options_with_probabilities_summing_to_one(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    answers = model.answer(samples, mode="score", batch_size=3)
    for sample, answer in zip(samples, answers):
        assert answer.sample_id == sample.id
        assert answer.choice in sample.options
        assert list(answer.probabilities) == sample.options
        assert abs(sum(answer.probabilities.values()) - 1) < 1e-9
        assert answer.choice == max(answer.probabilities, key=answer.probabilities.get)
        assert answer.raw_text == '{"answer": "' + answer.choice + '"}'


def test_batched_answers_equal_one_by_one(family, hybrid_factory, make_sample):
    model = hybrid_factory(family)
    samples = _questions(make_sample)
    batched = model.answer(samples, batch_size=3)
    single = model.answer(samples, batch_size=1)
    for a, b in zip(batched, single):
        assert a.choice == b.choice
        for option in a.probabilities:
            assert abs(a.probabilities[option] - b.probabilities[option]) < 1e-4


def test_sum_scoring_uses_summed_log_likelihoods(hybrid_factory, make_sample):
    model = hybrid_factory("idefics3")
    model.config.scoring = "sum"
    sample = make_sample(1, channels=1, options=START_OPTIONS)
    (answer,) = model.answer([sample])
    sums, _ = _full_sequence_scores(model, sample)
    expected = torch.softmax(sums.double(), dim=0)
    assert torch.allclose(torch.tensor(list(answer.probabilities.values()), dtype=torch.double), expected, atol=1e-4)
