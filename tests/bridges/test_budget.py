import numpy as np
import pytest

from tsqa.bridges.budget import plan_listing, plan_tokens


def test_everything_fits_at_full_k():
    plan = plan_tokens([3, 2], None, tokens_per_channel=8, min_tokens_per_channel=2, max_tokens=64)
    assert plan.tokens_per_channel == 8
    assert [p.shown for p in plan.series] == [[0, 1, 2], [0, 1]]
    assert all(p.hidden == [] for p in plan.series)
    assert plan.total_tokens == 40


def test_k_shrinks_before_channels_are_dropped():
    plan = plan_tokens([10], None, tokens_per_channel=8, min_tokens_per_channel=2, max_tokens=35)
    assert plan.tokens_per_channel == 3  # 35 // 10
    assert plan.series[0].shown == list(range(10))
    assert plan.total_tokens <= 35


def test_most_surprising_channels_kept_and_each_series_represented():
    surprise = [np.array([0.1, 5.0, 0.2, 3.0, 0.0]), np.array([0.01, 0.02])]
    plan = plan_tokens([5, 2], surprise, tokens_per_channel=8, min_tokens_per_channel=2, max_tokens=6)
    assert plan.tokens_per_channel == 2
    # 3 slots: the top channel of each series first (1 and 1), then the next most surprising overall (3)
    assert plan.series[0].shown == [1, 3]
    assert plan.series[0].hidden == [0, 2, 4]
    assert plan.series[1].shown == [1]
    assert plan.total_tokens <= 6


def test_without_scores_order_of_appearance_wins():
    plan = plan_tokens([6], None, tokens_per_channel=4, min_tokens_per_channel=2, max_tokens=5)
    assert plan.series[0].shown == [0, 1]


def test_budget_too_small_for_a_pair_is_an_error():
    with pytest.raises(ValueError, match="cannot show one channel"):
        plan_tokens([1, 1], None, tokens_per_channel=4, min_tokens_per_channel=2, max_tokens=3)
    with pytest.raises(ValueError, match="at least one channel"):
        plan_tokens([0], None, tokens_per_channel=4, min_tokens_per_channel=2, max_tokens=30)


def test_listing_shares_names_between_series():
    plan = plan_listing([5, 1], max_listed=4)
    assert plan.tokens_per_channel == 0
    assert plan.series[0].shown == [0, 1] and plan.series[0].hidden == [2, 3, 4]
    assert plan.series[1].shown == [0] and plan.series[1].hidden == []
