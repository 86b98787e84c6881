"""Per-category macro F1 as ARFBench computes it, and its question-weighted averages over tiers and overall.

For each category (in order of first appearance in the table), answers and correct answers are mapped to classes
(`arfbench.answer_classes`); rows whose correct answer has no class are left out. The label set is the sorted classes of the
correct answers. An answer with no class, or one outside the label set, is invalid: it is counted and replaced by
`rng.choice(sorted labels without the true class)`, with ONE `random.Random(seed)` for the whole table, rows in
file order. Like the reference, F1 uses every row of the table, whatever its `run` (accuracy uses run 1 only).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tsqa.arfbench.categories import TIER_OF, tier_name
from tsqa.arfbench.answer_classes import answer_class, options_from_json
from tsqa.eval.breakdown import Breakdown
from tsqa.eval.results import ResultRow


@dataclass(frozen=True)
class CategoryF1:
    """Macro scores over `labels` as fractions in [0, 1]; `n` rows scored, `invalid` of them replaced."""

    f1: float
    precision: float
    recall: float
    n: int
    invalid: int
    labels: tuple[str, ...]


def _scores(truth: list[str], predicted: list[str], labels: list[str]) -> tuple[float, float, float]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    common = {"labels": labels, "average": "macro", "zero_division": 0}
    return (
        float(f1_score(truth, predicted, **common)),
        float(precision_score(truth, predicted, **common)),
        float(recall_score(truth, predicted, **common)),
    )


def category_f1(rows: Sequence[ResultRow], seed: int = 0) -> dict[str, CategoryF1]:
    """Per-category scores of ONE model's results table (see the module docstring for the exact procedure)."""
    rng = random.Random(seed)
    results = {}
    for category in dict.fromkeys(row.task_category for row in rows):
        pairs = []
        for row in rows:
            if row.task_category != category:
                continue
            options = options_from_json(row.options)
            truth = answer_class(row.correct_answer, options, category)
            if truth is not None:
                pairs.append((truth, answer_class(row.model_answer, options, category)))
        if not pairs:
            continue
        labels = sorted({truth for truth, _ in pairs})
        predicted, invalid = [], 0
        for truth, guess in pairs:
            if guess not in labels:
                invalid += 1
                wrong = [label for label in labels if label != truth]
                guess = rng.choice(wrong) if wrong else labels[0]
            predicted.append(guess)
        f1, precision, recall = _scores([truth for truth, _ in pairs], predicted, labels)
        results[category] = CategoryF1(f1, precision, recall, len(pairs), invalid, tuple(labels))
    return results


def _weighted(scores: dict[str, CategoryF1], metric: str, categories: list[str], pairwise: bool) -> float | None:
    """Mean of `metric` over `categories`, each weighted by its number of scored rows; in percent.

    The reference sums the overall figure with numpy (pairwise) and tier figures with Python's `sum`; doing the
    same keeps even the last digit equal.
    """
    chosen = [scores[c] for c in categories if c in scores]
    total = sum(s.n for s in chosen)
    if not total:
        return None
    terms = [s.n * getattr(s, metric) for s in chosen]
    weighted = float(np.sum(np.array(terms, dtype=np.float64))) if pairwise else sum(terms)
    return weighted / total * 100.0


def f1_breakdown(scores: dict[str, CategoryF1], metric: str = "f1") -> Breakdown:
    """Overall and tier figures of `metric` ("f1", "precision" or "recall") as n-weighted category averages."""
    tiers = sorted({TIER_OF[c] for c in scores if c in TIER_OF})
    by_tier = {
        tier_name(t): _weighted(scores, metric, [c for c in TIER_OF if TIER_OF[c] == t], pairwise=False) for t in tiers
    }
    return Breakdown(
        overall=_weighted(scores, metric, list(scores), pairwise=True),
        tier={k: v for k, v in by_tier.items() if v is not None},
        category={c: getattr(s, metric) * 100.0 for c, s in scores.items()},
    )
