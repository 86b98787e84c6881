"""Safe state files, batching, option shuffling and the held-out split."""

import random

import numpy as np
import pytest
import torch

from tsqa.arfbench.schema import batches_by_size
from tsqa.training.collator import Collator
from tsqa.training.rng import capture_rng, restore_rng
from tsqa.training.safe_state import load_state, save_state
from tsqa.training.split import evaluation_subset, holdout_split


def test_optimizer_state_round_trips_without_pickle(tmp_path):
    parameter = torch.nn.Parameter(torch.randn(3, 2))
    optimizer = torch.optim.AdamW([parameter], lr=0.1, betas=(0.8, 0.9))
    parameter.grad = torch.randn(3, 2)
    optimizer.step()
    save_state(optimizer.state_dict(), tmp_path, "optimizer")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["optimizer.json", "optimizer.safetensors"]
    loaded = load_state(tmp_path, "optimizer")
    original = optimizer.state_dict()
    assert loaded["param_groups"] == original["param_groups"]  # tuples (betas) and int keys come back as they were
    assert list(loaded["state"]) == [0]
    for key, value in original["state"][0].items():
        assert torch.equal(loaded["state"][0][key], value)


def test_rng_state_round_trips(tmp_path):
    torch.manual_seed(1), np.random.seed(2), random.seed(3)
    save_state(capture_rng(), tmp_path, "rng")
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(9), np.random.seed(9), random.seed(9)
    restore_rng(load_state(tmp_path, "rng"))
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1])
    assert random.random() == expected[2]


def test_missing_or_corrupt_state_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="optimizer.json"):
        load_state(tmp_path, "optimizer")
    save_state({"a": torch.ones(1)}, tmp_path, "s")
    (tmp_path / "s.json").write_text("{not json")
    with pytest.raises(ValueError, match="s.json: corrupt JSON"):
        load_state(tmp_path, "s")


def test_batches_are_seeded_complete_and_length_grouped():
    rng = np.random.default_rng(0)
    lengths = [(int(c), int(t)) for c, t in zip(rng.integers(1, 50, 103), rng.integers(10, 500, 103))]
    def plan_batches(lengths, batch_size, seed, epoch, length_group):
        return batches_by_size(lengths, batch_size, length_group, np.random.default_rng([seed, epoch]))

    plan = plan_batches(lengths, batch_size=4, seed=1, epoch=0, length_group=8)
    assert plan == plan_batches(lengths, batch_size=4, seed=1, epoch=0, length_group=8)
    assert plan != plan_batches(lengths, batch_size=4, seed=1, epoch=1, length_group=8)
    assert sorted(i for batch in plan for i in batch) == list(range(103))
    spread = np.mean([max(lengths[i][0] for i in b) - min(lengths[i][0] for i in b) for b in plan])
    unsorted = plan_batches(lengths, batch_size=4, seed=1, epoch=0, length_group=1)
    spread_unsorted = np.mean([max(lengths[i][0] for i in b) - min(lengths[i][0] for i in b) for b in unsorted])
    assert spread < spread_unsorted / 2


class _Echo:
    def prepare(self, samples, answers=None, modality="both"):
        self.seen = samples
        return {"labels": torch.tensor([[-100, 5]] * len(samples))}


def test_options_shuffle_per_epoch_with_the_seed(toy_samples):
    samples = toy_samples(20, seed=0)
    for sample in samples:
        sample.options = [sample.answer, "b", "c", "d", "e"] if sample.answer else sample.options
    model = _Echo()
    collator = Collator(model, seed=3)
    orders = []
    for epoch in (0, 0, 1):
        collator(samples, epoch)
        orders.append([s.options for s in model.seen])
    assert orders[0] == orders[1] != orders[2]
    assert all(sorted(a) == sorted(b.options) for a, b in zip(orders[2], samples))
    assert {o.index(s.answer) for o, s in zip(orders[0], samples)} != {0}
    assert samples[0].options[0] == samples[0].answer  # the dataset itself is not modified


def test_collator_rejects_unusable_answers(toy_samples):
    sample = toy_samples(1, seed=0)[0]
    sample.answer = "Maybe"
    with pytest.raises(ValueError, match="'toy_0#0'.*not one of its options"):
        Collator(_Echo(), seed=0)([sample], 0)


def test_holdout_never_shares_a_series(toy_samples):
    samples = toy_samples(40, seed=0)
    for i, sample in enumerate(samples[20:]):  # a second question about each of the first 20 series
        sample.series = samples[i].series
    train, held = holdout_split(samples, 0.25, seed=0)
    assert len(held) == 10 and len(train) == 30
    assert not {s.series[0].name for s in train} & {s.series[0].name for s in held}
    assert holdout_split(samples, 0.25, seed=0) == (train, held)


def test_evaluation_subset_samples_across_a_sorted_split(toy_samples):
    held = toy_samples(100, seed=0)
    for i, sample in enumerate(held):  # sorted by category: the first 50 are all "a"
        sample.category = "a" if i < 50 else "b"
    subset = evaluation_subset(held, 20, seed=0)
    assert len(subset) == 20 and len({s.id for s in subset}) == 20
    assert {s.category for s in subset} == {"a", "b"}
    assert [held.index(s) for s in subset] == sorted(held.index(s) for s in subset)  # original order kept
    assert evaluation_subset(held, 20, seed=0) == subset
    assert evaluation_subset(held, 20, seed=1) != subset
    assert evaluation_subset(held[:5], 20, seed=0) == held[:5]
