"""Accuracy as ARFBench computes it: the mean of `is_correct` over the first run's rows, in percent.

Rows whose `is_correct` is empty are left out of the mean (as pandas' `mean` does in the reference). Tiers follow
`arfbench.categories`; a category outside the eight still gets its own accuracy and counts in the overall figure.
"""

from collections.abc import Iterable, Sequence

from tsqa.arfbench.categories import TIER_OF, tier_name
from tsqa.eval.breakdown import Breakdown
from tsqa.eval.results import ResultRow


def _percent(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) * 100.0 if known else None  # this order of operations, as the reference


def first_run(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """Rows of run 1, the only run ARFBench's accuracy uses."""
    return [row for row in rows if row.run == 1]


def accuracy(rows: Sequence[ResultRow]) -> Breakdown:
    """Accuracy of one model's rows (all runs may be given; only run 1 counts)."""
    scored = first_run(rows)
    categories = list(dict.fromkeys(row.task_category for row in scored))
    tiers = sorted({TIER_OF[c] for c in categories if c in TIER_OF})
    by_category = {c: _percent(r.is_correct for r in scored if r.task_category == c) for c in categories}
    by_tier = {
        tier_name(t): _percent(r.is_correct for r in scored if TIER_OF.get(r.task_category) == t) for t in tiers
    }
    return Breakdown(
        overall=_percent(r.is_correct for r in scored),
        tier={k: v for k, v in by_tier.items() if v is not None},
        category={k: v for k, v in by_category.items() if v is not None},
    )
